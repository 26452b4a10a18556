# services.homestream: runs the server as a hardened systemd service. Its settings are
# homestream's TOML configuration (see config/default.toml), freeform in the RFC 42 style.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.homestream;
  format = pkgs.formats.toml { };
  configFile = format.generate "homestream.toml" cfg.settings;
in
{
  options.services.homestream = {
    enable = lib.mkEnableOption "homestream, a self-hosted video streaming server";

    package = lib.mkOption {
      type = lib.types.package;
      description = "The homestream package to run.";
    };

    settings = lib.mkOption {
      type = lib.types.submodule {
        freeformType = format.type;
        options.server.port = lib.mkOption {
          type = lib.types.port;
          default = 3000;
          description = "Port the API listens on.";
        };
        options.server.host = lib.mkOption {
          type = lib.types.str;
          default = "127.0.0.1";
          description = "Address the API listens on.";
        };
      };
      default = { };
      description = "homestream's configuration; see config/default.toml for every key.";
    };
  };

  config = lib.mkIf cfg.enable {
    systemd.services.homestream = {
      description = "homestream video streaming server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      environment = {
        HOMESTREAM_CONFIG = "${configFile}";
        HOMESTREAM_DATA_DIR = "/var/lib/homestream";
      };
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} serve";
        DynamicUser = true;
        StateDirectory = "homestream";
        Restart = "on-failure";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = "read-only";
        PrivateTmp = true;
      };
    };
  };
}
