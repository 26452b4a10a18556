{
  description = "homestream: a lean self-hosted video streaming server";

  # Not locked: there is no flake.lock yet (it cannot be written on the offline machines
  # this was made on), so each user gets the nixos-unstable of the day. The Rust in it
  # must be at least Cargo.toml's rust-version; evaluation stops with a message if not.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      cargoToml = builtins.fromTOML (builtins.readFile ./Cargo.toml);
      # The oldest Rust the locked dependencies build with (.ci/check-deploy.sh keeps
      # Cargo.toml's rust-version equal to it). Say so plainly when nixpkgs' Rust is
      # older, instead of failing deep inside some dependency's build.
      minRust = cargoToml.package.rust-version;
      requireRust = pkgs: value:
        if nixpkgs.lib.versionOlder pkgs.rustc.version minRust then
          throw ("homestream needs Rust ${minRust} or newer (rust-version in Cargo.toml), "
            + "but this nixpkgs has rustc ${pkgs.rustc.version}. Use a newer nixpkgs: run "
            + "`nix flake update`, or point homestream's nixpkgs input (or the one it "
            + "follows) at nixos-unstable.")
        else value;
    in
    {
      packages = forAllSystems (pkgs: {
        # The web client (web/), built once by Vite. Its npm dependencies come from
        # package-lock.json itself (importNpmLock: each package by the integrity hash
        # the lock records), so no separate npmDepsHash has to be kept in step.
        web = pkgs.buildNpmPackage {
          pname = "homestream-web";
          version = cargoToml.package.version;
          src = pkgs.lib.fileset.toSource {
            root = ./.;
            fileset = pkgs.lib.fileset.unions [ ./web ./clients/typescript/src ];
          };
          sourceRoot = "source/web";
          npmDeps = pkgs.importNpmLock { npmRoot = ./web; };
          npmConfigHook = pkgs.importNpmLock.npmConfigHook;
          installPhase = ''
            runHook preInstall
            cp -r dist $out
            runHook postInstall
          '';
        };

        default = requireRust pkgs (pkgs.rustPlatform.buildRustPackage {
          pname = "homestream";
          version = cargoToml.package.version;
          src = self;
          cargoLock.lockFile = ./Cargo.lock;
          nativeBuildInputs = [ pkgs.makeWrapper ];
          # build.rs embeds the web client built above instead of running npm.
          HOMESTREAM_WEB_DIST = self.packages.${pkgs.system}.web;
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
        });
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.system}.default}/bin/homestream";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = requireRust pkgs (pkgs.mkShell {
          packages = with pkgs; [ cargo rustc rustfmt clippy rust-analyzer ffmpeg postgresql redis nginx nodejs_20 chromium ];
          # The tests' defaults point at local services; `CI=true` makes a missing one fail.
          HS_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
          CHROMIUM = "${pkgs.chromium}/bin/chromium";
        });
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
