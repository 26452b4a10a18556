# The NixOS VM test (flake check `vm`): boots services.homestream with its local
# PostgreSQL, Redis and nginx, creates an admin, scans a clip made by ffmpeg's lavfi,
# and fetches a byte range through nginx; with monitoring on, a local Prometheus scrapes
# homestream over loopback and loads its alert rules.
{ pkgs, module, package }:

pkgs.testers.runNixOSTest {
  name = "homestream";

  nodes.machine = { pkgs, ... }: {
    imports = [ module ];
    virtualisation.memorySize = 2048;
    virtualisation.cores = 2;
    environment.systemPackages = [ pkgs.ffmpeg-headless pkgs.curl pkgs.jq ];
    systemd.tmpfiles.rules = [ "d /srv/videos 0755 root root -" ];
    services.homestream = {
      enable = true;
      inherit package;
      settings.media.libraries = [{ name = "Videos"; path = "/srv/videos"; }];
      nginx.enable = true;
      monitoring.enable = true;
      jwtSecretFile = pkgs.writeText "jwt-secret" "vm-test-secret-vm-test-secret-0123456789";
    };
    services.prometheus.enable = true;
  };

  testScript = ''
    import json

    machine.wait_for_unit("postgresql.target")
    machine.wait_for_unit("redis-homestream.service")
    machine.wait_for_unit("homestream.service")
    machine.wait_for_unit("nginx.service")
    machine.wait_for_open_port(3000)
    machine.wait_for_open_port(80)

    ready = json.loads(machine.succeed("curl -fsS http://127.0.0.1/ready"))
    assert ready["status"] == "ready", ready
    assert ready["database"] == "postgres", ready
    assert ready["redis"] == "ok", ready

    machine.succeed(
        "ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25:duration=3 "
        "-f lavfi -i sine=duration=3 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "
        "-c:a aac -shortest /srv/videos/clip.mp4"
    )
    machine.succeed(
        "echo 'correct horse battery' | homestream-manage user create admin --role admin --password-stdin"
    )
    login = json.loads(machine.succeed(
        "curl -fsS http://127.0.0.1/api/auth/login -H 'content-type: application/json' "
        "-d '{\"username\":\"admin\",\"password\":\"correct horse battery\"}'"
    ))
    auth = "-H 'Authorization: Bearer " + login["access_token"] + "'"

    machine.succeed("curl -fsS -X POST " + auth + " http://127.0.0.1/api/library/scan")
    machine.wait_until_succeeds(
        "curl -fsS " + auth + " http://127.0.0.1/api/videos | jq -e '.total == 1'", timeout=60
    )
    video = json.loads(machine.succeed("curl -fsS " + auth + " http://127.0.0.1/api/videos"))["items"][0]
    assert video["video_codec"] == "h264", video

    headers = machine.succeed(
        "curl -fsS -D - -o /tmp/part -H 'Range: bytes=100-1123' " + auth
        + " http://127.0.0.1/api/stream/" + video["id"]
    )
    assert " 206" in headers.splitlines()[0], headers
    assert "content-range: bytes 100-1123/" in headers.lower(), headers
    machine.succeed("test $(stat -c %s /tmp/part) -eq 1024")
    machine.succeed("cmp /tmp/part <(tail -c +101 /srv/videos/clip.mp4 | head -c 1024)")

    # Monitoring: /metrics answers loopback without a token, and the module's scrape
    # job is up with every alert rule loaded and the streamed bytes counted.
    machine.succeed("curl -fsS http://127.0.0.1:3000/metrics | grep -q '^homestream_streamed_bytes_total'")
    machine.wait_for_unit("prometheus.service")
    machine.wait_for_open_port(9090)
    machine.wait_until_succeeds(
        "curl -fsS http://127.0.0.1:9090/api/v1/targets"
        " | jq -e '.data.activeTargets[] | select(.labels.job == \"homestream\") | .health == \"up\"'",
        timeout=120,
    )
    machine.wait_until_succeeds(
        "curl -fsS http://127.0.0.1:9090/api/v1/rules"
        " | jq -e '[.data.groups[].rules[] | select(.type == \"alerting\")] | length >= 12'",
        timeout=60,
    )
    machine.succeed(
        "curl -fsS 'http://127.0.0.1:9090/api/v1/query?query=homestream_streamed_bytes_total'"
        " | jq -e '.data.result[0].value[1] | tonumber >= 1024'"
    )
  '';
}
