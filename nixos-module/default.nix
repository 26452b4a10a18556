# services.homestream: the server as a hardened systemd service, with (by default) its
# own PostgreSQL database and Redis on Unix sockets, and optionally nginx in front.
#
#   services.homestream = {
#     enable = true;
#     settings.media.libraries = [ { name = "Films"; path = "/srv/films"; } ];
#     nginx = { enable = true; virtualHost = "tv.example.org"; };
#     jwtSecretFile = "/run/secrets/homestream-jwt";
#   };
#   services.nginx.virtualHosts."tv.example.org" = { enableACME = true; forceSSL = true; };
#
# With `monitoring.enable`, a Prometheus (`services.prometheus.enable`) on the same
# machine scrapes homestream and evaluates deploy/prometheus/alerts.yml, and a Grafana
# (`services.grafana.enable`) gets the dashboards of deploy/grafana/dashboards.
#
# `settings` is homestream's TOML configuration (config/default.toml lists every key),
# freeform in the RFC 42 style; the keys set most often have typed options.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.homestream;
  format = pkgs.formats.toml { };
  configFile = format.generate "homestream.toml" cfg.settings;
  redisServer = config.services.redis.servers.homestream;
  listen = "${cfg.settings.server.host}:${toString cfg.settings.server.port}";
  loopbackHost = builtins.elem cfg.settings.server.host [ "127.0.0.1" "::1" ];
  hardware = cfg.settings.transcode.hardware;
  gpu = hardware != "none";

  # What the service and the admin command both need in their environment.
  environment = {
    HOMESTREAM_CONFIG = "${configFile}";
    # Only the generated file: no ./config folder is read.
    HOMESTREAM_CONFIG_DIR = "/var/empty";
    HOMESTREAM_DATA_DIR = "/var/lib/homestream";
  } // lib.optionalAttrs cfg.database.createLocally {
    # Peer authentication over the socket: the Unix user is the database role. The
    # `host` parameter (the socket directory) wins over "localhost", which is there
    # because sqlx refuses an empty host.
    DATABASE_URL = "postgres://${cfg.user}@localhost/${cfg.database.name}?host=/run/postgresql";
  } // lib.optionalAttrs cfg.redis.createLocally {
    REDIS_URL = "redis+unix://${redisServer.unixSocket}";
  };

  # `homestream-manage user create alice --role admin`, run as the service's user with
  # its configuration, for the admin tasks of the CLI.
  manage = pkgs.writeShellScriptBin "homestream-manage" ''
    exec ${lib.getExe' pkgs.util-linux "runuser"} -u ${cfg.user} -- \
      ${lib.getExe' pkgs.coreutils "env"} ${
        lib.concatStringsSep " " (lib.mapAttrsToList (k: v: "${k}=${lib.escapeShellArg v}") environment)
      } ${lib.getExe cfg.package} "$@"
  '';

  # Where a Prometheus on this machine reaches /metrics: metrics.listen when set,
  # otherwise the API's address; a wildcard address is reached through loopback, which
  # homestream answers without a token by default.
  metricsListen = lib.match "\\[?([^]]*)]?:([0-9]+)" (cfg.settings.metrics.listen or "");
  scrapeHost = host:
    if host == "0.0.0.0" || host == "" then "127.0.0.1"
    else if host == "::" then "[::1]"
    else if lib.hasInfix ":" host then "[${host}]"
    else host;
  metricsTarget =
    if metricsListen != null
    then "${scrapeHost (builtins.elemAt metricsListen 0)}:${builtins.elemAt metricsListen 1}"
    else "${scrapeHost cfg.settings.server.host}:${toString cfg.settings.server.port}";
  # The dashboards, copied into the store as one folder.
  dashboards = ../deploy/grafana/dashboards;

  # Headers for every proxied location. A location that sets any proxy_set_header
  # inherits none from above, so each location gets all of them.
  proxyHeaders = ''
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_set_header X-Request-Id $request_id;
  '';
in
{
  options.services.homestream = {
    enable = lib.mkEnableOption "homestream, a self-hosted video streaming server";

    package = lib.mkPackageOption pkgs "homestream" { };

    user = lib.mkOption {
      type = lib.types.str;
      default = "homestream";
      description = ''
        User the service runs as; also its PostgreSQL role when
        `database.createLocally` is set. Give it read access to the media folders
        (for example with `extraGroups`).
      '';
    };

    group = lib.mkOption {
      type = lib.types.str;
      default = "homestream";
      description = "Group the service runs as.";
    };

    settings = lib.mkOption {
      default = { };
      description = ''
        homestream's configuration, rendered to TOML; see config/default.toml for
        every key. Secrets belong in `jwtSecretFile`, not here (this file is
        world-readable in the Nix store).
      '';
      type = lib.types.submodule {
        freeformType = format.type;
        options = {
          server.host = lib.mkOption {
            type = lib.types.str;
            default = "127.0.0.1";
            description = "Address the API listens on; loopback when nginx is in front.";
          };
          server.port = lib.mkOption {
            type = lib.types.port;
            default = 3000;
            description = "Port the API listens on.";
          };
          media.libraries = lib.mkOption {
            type = lib.types.listOf (lib.types.submodule {
              options = {
                name = lib.mkOption {
                  type = lib.types.str;
                  description = "Name shown to users.";
                };
                path = lib.mkOption {
                  type = lib.types.str;
                  description = "Folder scanned recursively; mounted read-only for the service.";
                };
              };
            });
            default = [ ];
            example = [{ name = "Films"; path = "/srv/films"; }];
            description = "The folders of videos to serve.";
          };
          streaming.max_concurrent_streams = lib.mkOption {
            type = lib.types.ints.positive;
            default = 8;
            description = "Streams the whole server plays at once.";
          };
          streaming.max_streams_per_user = lib.mkOption {
            type = lib.types.ints.positive;
            default = 3;
            description = "Streams one user plays at once.";
          };
          transcode.max_concurrent_jobs = lib.mkOption {
            type = lib.types.ints.unsigned;
            default = 0;
            description = "ffmpeg processes at once; 0 means one per two CPU cores.";
          };
          transcode.hardware = lib.mkOption {
            type = lib.types.enum [ "none" "vaapi" "nvenc" "qsv" ];
            default = "none";
            description = ''
              The H.264 encoder: software x264 ("none"), or a GPU's. A GPU opens the
              service's device sandbox to the render node (or the NVIDIA devices).
            '';
          };
          transcode.device = lib.mkOption {
            type = lib.types.str;
            default = "/dev/dri/renderD128";
            description = "The render node VA-API and QSV use.";
          };
          transcode.cache_size = lib.mkOption {
            type = lib.types.ints.positive;
            default = 10737418240;
            description = "Bytes of segments and subtitles kept; the least recently used go first.";
          };
          auth.max_sessions_per_user = lib.mkOption {
            type = lib.types.ints.positive;
            default = 3;
            description = "Sessions one user may have; a login beyond it ends the least recently used.";
          };
        };
      };
    };

    database = {
      createLocally = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          Provision a local PostgreSQL database owned by `user` and connect over the
          Unix socket with peer authentication. When false, homestream uses SQLite in
          its state directory unless `settings.database.url` or `database.urlFile` is set.
        '';
      };
      name = lib.mkOption {
        type = lib.types.str;
        default = cfg.user;
        defaultText = lib.literalExpression "config.services.homestream.user";
        description = "Database name; `ensureDBOwnership` needs it to equal the user.";
      };
      urlFile = lib.mkOption {
        type = lib.types.nullOr lib.types.path;
        default = null;
        example = "/run/secrets/homestream-database-url";
        description = "A file holding a `postgres://` URL with its password, for a remote database.";
      };
    };

    redis.createLocally = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Run `services.redis.servers.homestream` on a Unix socket for sessions, caches and
        stream limits. Without Redis they live in the process (fine for one instance).
      '';
    };

    jwtSecretFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = "/run/secrets/homestream-jwt";
      description = ''
        A file holding the token signing secret (32 characters or more), handed to the
        service with `LoadCredential`. When null, one is generated into the state
        directory on first start.
      '';
    };

    nginx = {
      enable = lib.mkEnableOption "nginx in front of homestream, with streaming-safe proxy settings";
      virtualHost = lib.mkOption {
        type = lib.types.str;
        default = "localhost";
        example = "tv.example.org";
        description = ''
          The virtual host to serve on. TLS comes from the virtual host's own options:
          `services.nginx.virtualHosts.<name>.enableACME` and `forceSSL`.
        '';
      };
    };

    memoryMax = lib.mkOption {
      type = lib.types.str;
      default = "2G";
      description = "systemd `MemoryMax` of the service (the architecture document's 2 GB).";
    };

    cpuQuota = lib.mkOption {
      type = lib.types.str;
      default = "200%";
      description = "systemd `CPUQuota` of the service: 200% is two cores.";
    };

    monitoring.enable = lib.mkEnableOption ''
      monitoring: when `services.prometheus.enable` is set, a scrape job `homestream`
      for this server's `/metrics` and the alert rules of deploy/prometheus/alerts.yml;
      when `services.grafana.enable` is set, the dashboards "System Overview", "User
      Activity" and "Video Streaming Quality", and (with Prometheus on this machine) a
      data source for it. The scrape goes over loopback, which `/metrics` answers
      without a token by default; with `settings.metrics.token` set, give the job an
      `authorization.credentials_file` yourself'';

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Open the firewall: ports 80 and 443 with nginx, otherwise `settings.server.port`.";
    };

    dlna = {
      enable = lib.mkEnableOption ''
        the DLNA/UPnP media server: TVs and players on the LAN find homestream by
        themselves (SSDP on UDP 1900) and browse and play the libraries from their own
        menus, as the account `dlna.user`'';
      user = lib.mkOption {
        type = lib.types.str;
        default = "";
        example = "livingroom";
        description = ''
          The account DLNA serves as (a LAN device has no login): its role and library
          access decide what TVs see, and their streams count against its limits. Create
          it first with `homestream-manage user create`.'';
      };
      friendlyName = lib.mkOption {
        type = lib.types.str;
        default = "";
        example = "Films at home";
        description = "The name TVs list; empty means \"homestream on <host name>\".";
      };
      port = lib.mkOption {
        type = lib.types.port;
        default = 8201;
        description = "TCP port of the device description, control and media URLs.";
      };
      interfaces = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "eth0" ];
        description = ''
          Interfaces to announce on; empty means every interface with a private IPv4
          address. A public address is never announced.'';
      };
      allowedNetworks = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "192.168.1.0/24" ];
        description = ''
          Networks whose clients are answered; empty means the networks of the interfaces
          announced on. Others get no SSDP answer and 403.'';
      };
      openFirewall = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = ''
          Open UDP 1900 and `dlna.port`: on `dlna.interfaces` only when they are named
          (the LAN side of a router), otherwise on every interface.'';
      };
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = !(cfg.database.createLocally && (cfg.settings.database.url or "") != "");
        message = "services.homestream: database.createLocally provisions the database; do not also set settings.database.url.";
      }
      {
        assertion = !(cfg.database.createLocally && cfg.database.urlFile != null);
        message = "services.homestream: database.createLocally and database.urlFile contradict each other.";
      }
      {
        assertion = !cfg.database.createLocally || cfg.database.name == cfg.user;
        message = "services.homestream: with database.createLocally the database name must equal the user (ensureDBOwnership).";
      }
      {
        assertion = !(cfg.redis.createLocally && (cfg.settings.redis.url or "") != "");
        message = "services.homestream: redis.createLocally provisions Redis; do not also set settings.redis.url.";
      }
      {
        assertion = !(cfg.openFirewall && !cfg.nginx.enable && loopbackHost);
        message = "services.homestream: openFirewall without nginx needs settings.server.host to be a non-loopback address.";
      }
      {
        assertion = !cfg.dlna.enable || cfg.dlna.user != "";
        message = "services.homestream: dlna.enable needs dlna.user, the account TVs browse as.";
      }
      {
        assertion = (cfg.settings.auth.jwt_secret or "") == "";
        message = "services.homestream: put the JWT secret in jwtSecretFile, not in settings (the Nix store is world-readable).";
      }
    ];

    warnings = lib.optional (cfg.nginx.enable && !loopbackHost)
      "services.homestream: nginx is in front, but the API also listens on ${cfg.settings.server.host}; set settings.server.host = \"127.0.0.1\".";

    services.homestream.settings = {
      data_dir = lib.mkDefault "/var/lib/homestream";
      # Emptied at every start; systemd's cache directory is the place for it.
      transcode.cache_dir = lib.mkDefault "/var/cache/homestream/transcode";
      server.trusted_proxies = lib.mkIf cfg.nginx.enable (lib.mkDefault [ "127.0.0.1" "::1" ]);
      database.url_file = lib.mkIf (cfg.database.urlFile != null) "/run/credentials/homestream.service/database_url";
      dlna = lib.mkIf cfg.dlna.enable {
        enable = true;
        inherit (cfg.dlna) user port interfaces;
        friendly_name = cfg.dlna.friendlyName;
        allowed_networks = cfg.dlna.allowedNetworks;
      };
    };

    users.users = lib.mkIf (cfg.user == "homestream") {
      homestream = {
        isSystemUser = true;
        group = cfg.group;
        home = "/var/lib/homestream";
        description = "homestream service user";
      };
    };
    users.groups = lib.mkIf (cfg.group == "homestream") { homestream = { }; };

    services.postgresql = lib.mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ cfg.database.name ];
      ensureUsers = [{
        name = cfg.user;
        ensureDBOwnership = true;
      }];
    };

    services.redis.servers.homestream = lib.mkIf cfg.redis.createLocally {
      enable = true;
      # A Unix socket only; no TCP port.
      port = 0;
    };

    environment.systemPackages = [ manage ];

    systemd.services.homestream = {
      description = "homestream video streaming server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ]
        ++ lib.optional cfg.database.createLocally "postgresql.target"
        ++ lib.optional cfg.redis.createLocally "redis-homestream.service";
      requires = lib.optional cfg.database.createLocally "postgresql.target"
        ++ lib.optional cfg.redis.createLocally "redis-homestream.service";
      inherit environment;
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} serve";
        User = cfg.user;
        Group = cfg.group;
        # The Redis socket belongs to the server's group.
        SupplementaryGroups = lib.optional cfg.redis.createLocally "redis-homestream"
          ++ lib.optionals gpu [ "render" "video" ];
        LoadCredential = lib.optional (cfg.jwtSecretFile != null) "jwt_secret:${cfg.jwtSecretFile}"
          ++ lib.optional (cfg.database.urlFile != null) "database_url:${cfg.database.urlFile}";
        Restart = "on-failure";
        RestartSec = "2s";
        TimeoutStopSec = "20s";
        WorkingDirectory = "/var/lib/homestream";
        StateDirectory = "homestream";
        StateDirectoryMode = "0750";
        # Thumbnails stay in the state directory; transcodes go to the cache directory,
        # which may be wiped.
        CacheDirectory = "homestream";
        CacheDirectoryMode = "0750";
        LimitNOFILE = 65536;

        # Resource limits (the architecture document's deployment section).
        MemoryMax = cfg.memoryMax;
        CPUQuota = cfg.cpuQuota;
        TasksMax = 512;

        # Hardening.
        # "-": a library folder that does not exist yet must not stop the service.
        ReadOnlyPaths = map (l: "-${l.path}") cfg.settings.media.libraries;
        ProtectSystem = "strict";
        ProtectHome = "read-only";
        PrivateTmp = true;
        PrivateDevices = !gpu;
        DeviceAllow = lib.optionals (hardware == "vaapi" || hardware == "qsv") [ "${cfg.settings.transcode.device} rw" ]
          ++ lib.optionals (hardware == "nvenc") [ "/dev/nvidia0 rw" "/dev/nvidiactl rw" "/dev/nvidia-uvm rw" ];
        ProtectHostname = true;
        ProtectClock = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        NoNewPrivileges = true;
        CapabilityBoundingSet = "";
        AmbientCapabilities = "";
        # DLNA reads the interfaces' addresses over netlink.
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ]
          ++ lib.optional cfg.dlna.enable "AF_NETLINK";
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        RemoveIPC = true;
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" "~@privileged" ];
        UMask = "0027";
      };
    };

    services.nginx = lib.mkIf cfg.nginx.enable {
      enable = true;
      upstreams.homestream = {
        servers."${if lib.hasInfix ":" cfg.settings.server.host then "[${cfg.settings.server.host}]:${toString cfg.settings.server.port}" else listen}" = { };
        extraConfig = "keepalive 32;";
      };
      virtualHosts.${cfg.nginx.virtualHost} = {
        extraConfig = "client_max_body_size 1m;";
        # Media: never buffered or spooled to disk, long timeouts for paused players;
        # ranges and validators pass through untouched.
        locations."~ ^/api/(stream|hls|transcode)/" = {
          proxyPass = "http://homestream";
          extraConfig = proxyHeaders + ''
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_max_temp_file_size 0;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
          '';
        };
        locations."/" = {
          proxyPass = "http://homestream";
          extraConfig = proxyHeaders + ''
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
          '';
        };
        locations."= /metrics" = {
          proxyPass = "http://homestream";
          extraConfig = proxyHeaders + ''
            allow 127.0.0.1;
            allow ::1;
            deny all;
          '';
        };
      };
    };

    networking.firewall = lib.mkMerge [
      {
        allowedTCPPorts = lib.mkIf cfg.openFirewall
          (if cfg.nginx.enable then [ 80 443 ] else [ cfg.settings.server.port ]);
      }
      (lib.mkIf (cfg.dlna.enable && cfg.dlna.openFirewall && cfg.dlna.interfaces == [ ]) {
        allowedUDPPorts = [ 1900 ];
        allowedTCPPorts = [ cfg.dlna.port ];
      })
      (lib.mkIf (cfg.dlna.enable && cfg.dlna.openFirewall && cfg.dlna.interfaces != [ ]) {
        interfaces = lib.genAttrs cfg.dlna.interfaces (_: {
          allowedUDPPorts = [ 1900 ];
          allowedTCPPorts = [ cfg.dlna.port ];
        });
      })
    ];

    services.prometheus = lib.mkIf (cfg.monitoring.enable && config.services.prometheus.enable) {
      scrapeConfigs = [{
        job_name = "homestream";
        metrics_path = "/metrics";
        static_configs = [{ targets = [ metricsTarget ]; }];
      }];
      ruleFiles = [ ../deploy/prometheus/alerts.yml ];
    };

    services.grafana.provision = lib.mkIf (cfg.monitoring.enable && config.services.grafana.enable) {
      enable = true;
      datasources.settings = lib.mkIf config.services.prometheus.enable {
        datasources = [{
          name = "Prometheus (homestream)";
          uid = "homestream-prometheus";
          type = "prometheus";
          access = "proxy";
          url = "http://127.0.0.1:${toString config.services.prometheus.port}";
          jsonData.timeInterval = "15s";
        }];
      };
      dashboards.settings.providers = [{
        name = "homestream";
        folder = "homestream";
        type = "file";
        disableDeletion = true;
        options.path = dashboards;
      }];
    };
  };
}
