//! Configuration layers, seen from outside: `homestream config` with files and
//! environment variables, and the one-line error for a bad value.

use std::path::Path;
use std::process::{Command, Output};

fn run_config(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homestream"))
        .args(args)
        .arg("config")
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("homestream runs")
}

fn effective(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> toml::Value {
    let out = run_config(dir, env, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    toml::from_str(&String::from_utf8(out.stdout).unwrap()).expect("config prints TOML")
}

#[test]
fn each_configuration_layer_overrides_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("config")).unwrap();
    std::fs::write(
        d.join("config/default.toml"),
        "[server]\nport = 4001\nhost = \"0.0.0.0\"\n[streaming]\nmax_streams_per_user = 2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("config/home.toml"),
        "[server]\nport = 4002\n[streaming]\nmax_concurrent_streams = 20\n",
    )
    .unwrap();
    std::fs::write(
        d.join("extra.toml"),
        "[server]\nport = 4003\n[auth]\nsession_timeout = \"45m\"\n",
    )
    .unwrap();
    std::fs::write(d.join("secret"), "a-jwt-secret-from-a-file-long-enough\n").unwrap();

    let mut env = vec![("HOMESTREAM_PROFILE", "home")];
    let layer = |env: &[(&str, &str)], args: &[&str]| effective(d, env, args);
    let v = layer(&env, &[]);
    assert_eq!(
        v["server"]["host"].as_str(),
        Some("0.0.0.0"),
        "default.toml"
    );
    assert_eq!(
        v["server"]["port"].as_integer(),
        Some(4002),
        "profile over default.toml"
    );
    assert_eq!(v["streaming"]["max_streams_per_user"].as_integer(), Some(2));
    assert_eq!(
        layer(&env, &["--config", "extra.toml"])["server"]["port"].as_integer(),
        Some(4003),
        "--config over profile"
    );
    env.push(("HOMESTREAM_CONFIG", "extra.toml"));
    assert_eq!(
        layer(&env, &[])["auth"]["session_timeout"].as_str(),
        Some("45m"),
        "HOMESTREAM_CONFIG"
    );
    env.push(("HOMESTREAM_SERVER__PORT", "4004"));
    env.push(("HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS", "30"));
    assert_eq!(
        layer(&env, &[])["server"]["port"].as_integer(),
        Some(4004),
        "env over files"
    );
    env.extend([
        ("PORT", "4005"),
        ("MAX_CONCURRENT_STREAMS", "40"),
        ("SESSION_TIMEOUT", "600000"),
        ("CHUNK_SIZE", "65536"),
        ("VIDEOS_PATH", "/srv/videos"),
        ("DATABASE_URL", "postgres://app:pw@db.example/app"),
        ("REDIS_URL", "redis://cache:6379/0"),
        ("HOMESTREAM_AUTH__JWT_SECRET_FILE", "secret"),
    ]);
    let v = layer(&env, &[]);
    assert_eq!(
        v["server"]["port"].as_integer(),
        Some(4005),
        "PORT over HOMESTREAM_*"
    );
    assert_eq!(
        v["streaming"]["max_concurrent_streams"].as_integer(),
        Some(40)
    );
    assert_eq!(v["streaming"]["chunk_size"].as_integer(), Some(65536));
    assert_eq!(v["auth"]["session_timeout"].as_str(), Some("10m"));
    assert_eq!(
        v["media"]["libraries"][0]["path"].as_str(),
        Some("/srv/videos")
    );
    assert_eq!(v["redis"]["url"].as_str(), Some("redis://cache:6379/0"));
    assert_eq!(
        v["database"]["url"].as_str(),
        Some("postgres://app:***@db.example/app"),
        "password redacted"
    );
    assert_eq!(
        v["auth"]["jwt_secret"].as_str(),
        Some("[redacted]"),
        "secret read from file, redacted"
    );
}

#[test]
fn an_invalid_value_stops_start_up_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_config(
        dir.path(),
        &[("HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS", "lots")],
        &[],
    );

    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "streaming.max_concurrent_streams (from env HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS): expected a positive integer, got \"lots\""
        ),
        "{stderr}"
    );
    let out = run_config(dir.path(), &[("SESSION_TIMEOUT", "soon")], &[]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("auth.session_timeout (from env SESSION_TIMEOUT): expected a duration"),
        "{stderr}"
    );
    let serve = Command::new(env!("CARGO_BIN_EXE_homestream"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PORT", "99999")
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2), "serve refuses to start");
    assert!(String::from_utf8_lossy(&serve.stderr).contains("server.port (from env PORT)"));
}

#[test]
fn a_segment_length_over_ten_seconds_is_refused_not_clamped() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_config(
        dir.path(),
        &[("HOMESTREAM_TRANSCODE__SEGMENT_SECONDS", "12")],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "transcode.segment_seconds (from env HOMESTREAM_TRANSCODE__SEGMENT_SECONDS): expected at most 10 (seconds), got 12"
        ),
        "{stderr}"
    );
    let ten = run_config(
        dir.path(),
        &[("HOMESTREAM_TRANSCODE__SEGMENT_SECONDS", "10")],
        &[],
    );
    assert!(ten.status.success());
}

#[test]
fn cors_origins_take_origins_only() {
    let dir = tempfile::tempdir().unwrap();
    let key = "HOMESTREAM_SERVER__CORS_ORIGINS";
    for bad in [
        "[\"*\"]",
        "[\"https://app.example/\"]",
        "[\"https://app.example/path\"]",
        "[\"app.example\"]",
        "[\"ftp://app.example\"]",
        "[\"https://app.example:99999\"]",
        "[\"https://[::1\"]",
    ] {
        let out = run_config(dir.path(), &[(key, bad)], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("server.cors_origins (from env {key})")),
            "{bad}: {stderr}"
        );
    }
    let good = "[\"https://app.example\", \"http://tv.local:8096\", \"http://[::1]:3000\"]";
    let out = run_config(dir.path(), &[(key, good)], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("http://tv.local:8096"), "{shown}");
}
