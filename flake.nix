{
  description = "homestream: a lean self-hosted video streaming server";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      cargoToml = builtins.fromTOML (builtins.readFile ./Cargo.toml);
    in
    {
      packages = forAllSystems (pkgs: {
        default = pkgs.rustPlatform.buildRustPackage {
          pname = "homestream";
          version = cargoToml.package.version;
          src = self;
          cargoLock.lockFile = ./Cargo.lock;
          nativeBuildInputs = [ pkgs.makeWrapper ];
          # The integration tests need PostgreSQL, Redis and ffmpeg; they run in CI and
          # in the NixOS VM test. The unit tests run here.
          cargoTestFlags = [ "--lib" ];
          postInstall = ''
            wrapProgram $out/bin/homestream --prefix PATH : ${pkgs.lib.makeBinPath [ pkgs.ffmpeg ]}
          '';
          meta = {
            description = cargoToml.package.description;
            license = pkgs.lib.licenses.mit;
            mainProgram = "homestream";
          };
        };
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.system}.default}/bin/homestream";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = with pkgs; [ cargo rustc rustfmt clippy rust-analyzer ffmpeg postgresql redis nginx ];
          # The tests' defaults point at local services; `CI=true` makes a missing one fail.
          HS_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
        };
      });

      overlays.default = final: prev: {
        homestream = self.packages.${prev.stdenv.hostPlatform.system}.default;
      };

      # The module's package defaults to this flake's build, so it works without the
      # overlay (VM tests cannot set nixpkgs.overlays on their nodes).
      nixosModules.default = { pkgs, lib, ... }: {
        imports = [ ./nixos-module ];
        services.homestream.package = lib.mkDefault self.packages.${pkgs.system}.default;
      };

      checks = forAllSystems (pkgs: {
        package = self.packages.${pkgs.system}.default;
        vm = import ./nixos-module/test.nix {
          inherit pkgs;
          module = self.nixosModules.default;
          package = self.packages.${pkgs.system}.default;
        };
      });
    };
}
