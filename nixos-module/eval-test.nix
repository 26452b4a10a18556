# Evaluates services.homestream with nixpkgs' lib (lib.evalModules) and stand-ins for
# the NixOS options it sets, so no nixpkgs packages or store writes are needed: with
# monitoring off and on, with and without Prometheus and Grafana on the machine, and
# with /metrics on its own address. Throws on the first wrong result; otherwise
# returns what it checked. .ci/check-deploy.sh runs it when it finds nixpkgs' lib:
#   nix-instantiate --eval --strict --json nixos-module/eval-test.nix \
#     --arg lib 'import /path/to/nixpkgs/lib'
{ lib }:

let
  stubPackage = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    meta.mainProgram = name;
  };
  pkgs = {
    homestream = stubPackage "homestream";
    util-linux = stubPackage "util-linux";
    coreutils = stubPackage "coreutils";
    formats.toml = { }: {
      type = lib.types.attrsOf lib.types.anything;
      generate = name: _: "/nix/store/00000000000000000000000000000000-${name}";
    };
    writeShellScriptBin = name: _: stubPackage name;
  };

  inherit (lib) mkOption types;
  freeform = mkOption {
    type = types.submodule { freeformType = types.lazyAttrsOf types.anything; };
    default = { };
  };
  # A provisioning file: `apiVersion` and one list, as nixpkgs' grafana module has it.
  provisionFile = list: mkOption {
    type = types.nullOr (types.submodule {
      freeformType = types.attrsOf types.anything;
      options.apiVersion = mkOption { type = types.int; default = 1; };
      options.${list} = mkOption { type = types.listOf (types.attrsOf types.anything); default = [ ]; };
    });
    default = null;
  };
  # The options of NixOS that the module sets or reads.
  nixos = {
    options = {
      assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
      warnings = mkOption { type = types.listOf types.str; default = [ ]; };
      users = freeform;
      environment = freeform;
      systemd = freeform;
      networking = freeform;
      services.postgresql = freeform;
      services.redis = freeform;
      services.nginx = freeform;
      services.prometheus = {
        enable = lib.mkEnableOption "Prometheus";
        port = mkOption { type = types.port; default = 9090; };
        scrapeConfigs = mkOption { type = types.listOf (types.attrsOf types.anything); default = [ ]; };
        ruleFiles = mkOption { type = types.listOf types.path; default = [ ]; };
      };
      services.grafana = {
        enable = lib.mkEnableOption "Grafana";
        provision = {
          enable = lib.mkEnableOption "provisioning";
          datasources.settings = provisionFile "datasources";
          dashboards.settings = provisionFile "providers";
        };
      };
    };
    config.services.redis.servers.homestream.unixSocket = "/run/redis-homestream/redis.sock";
  };

  machine = settings:
    let
      config = (lib.evalModules {
        modules = [ ./default.nix nixos settings ];
        specialArgs = { inherit pkgs; };
      }).config;
      failed = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
    in
    if failed != [ ] then throw "assertions failed: ${lib.concatStringsSep "; " failed}"
    # Everything the module defines evaluates, not only what is checked below.
    else builtins.deepSeq [ config.systemd config.services.nginx config.users config.environment ] config;

  homestream = extra: {
    services.homestream = lib.recursiveUpdate {
      enable = true;
      nginx.enable = true;
    } extra;
  };
  both = { services.prometheus.enable = true; services.grafana.enable = true; };

  check = what: ok: if ok then true else throw "nixos-module: ${what}";

  off = machine { imports = [ (homestream { }) both ]; };
  on = machine { imports = [ (homestream { monitoring.enable = true; }) both ]; };
  alone = machine { imports = [ (homestream { monitoring.enable = true; }) ]; };
  grafanaOnly = machine {
    imports = [ (homestream { monitoring.enable = true; }) { services.grafana.enable = true; } ];
  };
  ownListener = machine {
    imports = [
      (homestream {
        monitoring.enable = true;
        settings.metrics.listen = "0.0.0.0:9464";
      })
      both
    ];
  };
  wildcardV6 = machine {
    imports = [
      (homestream {
        monitoring.enable = true;
        nginx.enable = false;
        settings.server = { host = "::"; port = 8080; };
      })
      both
    ];
  };

  dlnaLan = machine {
    imports = [
      (homestream {
        dlna = { enable = true; user = "livingroom"; interfaces = [ "eth0" ]; openFirewall = true; };
      })
    ];
  };
  dlnaClosed = machine { imports = [ (homestream { dlna = { enable = true; user = "tv"; }; }) ]; };
  dlnaEverywhere = machine {
    imports = [ (homestream { dlna = { enable = true; user = "tv"; openFirewall = true; port = 8300; }; }) ];
  };
  dlnaUnset = builtins.tryEval (machine { imports = [ (homestream { dlna.enable = true; }) ]; });
  families = config: config.systemd.services.homestream.serviceConfig.RestrictAddressFamilies;

  targets = config: lib.concatMap (job: lib.concatMap (s: s.targets) job.static_configs)
    config.services.prometheus.scrapeConfigs;
  dashboardDir = (lib.head on.services.grafana.provision.dashboards.settings.providers).options.path;
  dashboardTitles = lib.sort lib.lessThan (lib.mapAttrsToList
    (file: _: (builtins.fromJSON (builtins.readFile (dashboardDir + "/${file}"))).title)
    (lib.filterAttrs (file: _: lib.hasSuffix ".json" file) (builtins.readDir dashboardDir)));
  ruleFile = lib.head on.services.prometheus.ruleFiles;
  datasource = lib.head on.services.grafana.provision.datasources.settings.datasources;
in
assert check "monitoring off adds no scrape job" (off.services.prometheus.scrapeConfigs == [ ]);
assert check "monitoring off adds no rules" (off.services.prometheus.ruleFiles == [ ]);
assert check "monitoring off provisions nothing in Grafana" (!off.services.grafana.provision.enable);
assert check "monitoring on scrapes the API over loopback"
  (on.services.prometheus.scrapeConfigs == [{
    job_name = "homestream";
    metrics_path = "/metrics";
    static_configs = [{ targets = [ "127.0.0.1:3000" ]; }];
  }]);
assert check "monitoring on loads deploy/prometheus/alerts.yml"
  (lib.hasSuffix "/deploy/prometheus/alerts.yml" (toString ruleFile) && builtins.pathExists ruleFile);
assert check "monitoring on provisions Grafana" on.services.grafana.provision.enable;
assert check "the data source is the local Prometheus"
  (datasource.url == "http://127.0.0.1:9090" && datasource.type == "prometheus");
assert check "the dashboards folder holds the three dashboards"
  (dashboardTitles == [ "System Overview" "User Activity" "Video Streaming Quality" ]);
assert check "without Prometheus or Grafana on the machine nothing is added"
  (alone.services.prometheus.scrapeConfigs == [ ] && !alone.services.grafana.provision.enable);
assert check "Grafana alone gets the dashboards but no data source for a missing Prometheus"
  (grafanaOnly.services.grafana.provision.enable
    && grafanaOnly.services.grafana.provision.datasources.settings == null
    && grafanaOnly.services.prometheus.scrapeConfigs == [ ]);
assert check "metrics.listen on a wildcard address is scraped over loopback"
  (targets ownListener == [ "127.0.0.1:9464" ]);
assert check "an IPv6 wildcard API address is scraped at [::1]" (targets wildcardV6 == [ "[::1]:8080" ]);
assert check "dlna passes its settings to homestream.toml"
  (dlnaLan.services.homestream.settings.dlna == {
    enable = true; user = "livingroom"; port = 8201; interfaces = [ "eth0" ];
    friendly_name = ""; allowed_networks = [ ];
  });
assert check "dlna with named interfaces opens UDP 1900 and its port on them only"
  (dlnaLan.networking.firewall.interfaces.eth0 == { allowedUDPPorts = [ 1900 ]; allowedTCPPorts = [ 8201 ]; }
    && (dlnaLan.networking.firewall.allowedUDPPorts or [ ]) == [ ]);
assert check "dlna without openFirewall opens nothing"
  ((dlnaClosed.networking.firewall.allowedUDPPorts or [ ]) == [ ]
    && (dlnaClosed.networking.firewall.interfaces or { }) == { });
assert check "dlna with openFirewall and no interfaces opens them everywhere"
  (dlnaEverywhere.networking.firewall.allowedUDPPorts == [ 1900 ]
    && lib.elem 8300 dlnaEverywhere.networking.firewall.allowedTCPPorts);
assert check "dlna reads the interfaces over netlink"
  (lib.elem "AF_NETLINK" (families dlnaLan) && !(lib.elem "AF_NETLINK" (families off)));
assert check "dlna.enable without dlna.user is refused" (!dlnaUnset.success);
{
  off = { inherit (off.services.prometheus) scrapeConfigs; provision = off.services.grafana.provision.enable; };
  on = {
    targets = targets on;
    ruleFiles = map toString on.services.prometheus.ruleFiles;
    datasource = datasource.url;
    dashboards = dashboardTitles;
  };
  ownListener = targets ownListener;
  wildcardV6 = targets wildcardV6;
}
