//! The `homestream` command: create a user from the CLI, then log in over HTTP.

use crate::helpers::{spawn_with, test_settings, Backend, PASSWORD};
use homestream::config::Settings;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary with only the environment a settings value needs: its data dir,
/// secret and database, no configuration files, quiet logs.
fn command(settings: &Settings) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_homestream"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOMESTREAM_CONFIG_DIR", "/nonexistent")
        .env("HOMESTREAM_DATA_DIR", &settings.data_dir)
        .env(
            "HOMESTREAM_AUTH__JWT_SECRET",
            settings.auth.jwt_secret.expose(),
        )
        .env("HOMESTREAM_LOG__LEVEL", "warn");
    if settings.database.url.is_set() {
        cmd.env("DATABASE_URL", settings.database.url.expose());
    }
    cmd
}

/// Runs the binary with `args`, feeding it `stdin`.
pub fn homestream(settings: &Settings, args: &[&str], stdin: &str) -> Output {
    let mut cmd = command(settings);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("homestream runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("homestream finishes")
}

async fn a_user_created_on_the_cli_can_log_in_over_http(backend: Backend) {
    let Some((settings, dir, pg)) = test_settings(backend).await else {
        return;
    };

    let migrate = homestream(&settings, &["migrate"], "");
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let created = homestream(
        &settings,
        &[
            "user",
            "create",
            "carol",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created admin carol"));
    let bad_role = homestream(
        &settings,
        &[
            "user",
            "create",
            "dave",
            "--role",
            "root",
            "--password-stdin",
        ],
        "whatever password\n",
    );
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("role must be admin, user or guest"));

    let app = spawn_with(settings, dir, pg).await;
    let token = app.login_token("carol").await;
    let me: Value = app.get("/api/users/me", &token).await.json().await.unwrap();
    assert_eq!(me["username"], "carol");
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn a_user_created_on_the_cli_can_log_in_over_http_on_sqlite() {
    a_user_created_on_the_cli_can_log_in_over_http(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_user_created_on_the_cli_can_log_in_over_http_on_postgres() {
    a_user_created_on_the_cli_can_log_in_over_http(Backend::Postgres).await;
}

/// `homestream serve` as a child process on a free port, serving `library` from the
/// same data dir, database and secret as `settings`; killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    pub client: reqwest::Client,
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Asks the process to stop (SIGTERM) and waits until it has (SIGKILL after 60 s,
    /// so a shutdown that hangs fails its test instead of stalling the run).
    pub fn terminate(&mut self) {
        crate::helpers::terminate(&mut self.child, std::time::Duration::from_secs(60));
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and returns at once.
    pub fn ask_to_stop(&self) {
        crate::helpers::sigterm(&self.child);
    }

    /// The exit status, once the process has ended within `limit`.
    pub fn exit_within(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        crate::helpers::exit_within(&mut self.child, limit)
    }

    /// Ends the process with SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Signs `username` in (with the tests' password); the access token.
    pub async fn login(&self, username: &str) -> String {
        let body: Value = self
            .client
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Scans the libraries as the admin `token` and waits for the first video; its id.
    pub async fn scan_for_first_video(&self, token: &str) -> String {
        let scan = self
            .client
            .post(self.url("/api/library/scan"))
            .bearer_auth(token)
            .send();
        assert!(scan.await.unwrap().status().is_success());
        for _ in 0..100 {
            let page: Value = self
                .client
                .get(self.url("/api/videos"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = page["items"][0]["id"].as_str() {
                return id.to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no video was scanned");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub async fn server_process(settings: &Settings, library: &std::path::Path) -> ServerProcess {
    server_process_with(settings, library, &[], None).await
}

/// [`server_process`] with more environment, and its log written to `log` when given.
pub async fn server_process_with(
    settings: &Settings,
    library: &std::path::Path,
    env: &[(&str, &str)],
    log: Option<&std::path::Path>,
) -> ServerProcess {
    // A listener bound here and handed over as descriptor 3 (socket activation): the
    // port is never released, so nothing else can take it in between.
    let mut cmd = command(settings);
    let (listener, port) = crate::helpers::hand_over_listener(&mut cmd);
    cmd.arg("serve")
        .env("LISTEN_FDS", "1")
        .env("HOMESTREAM_MEDIA__SCAN_ON_STARTUP", "false")
        .env("HOMESTREAM_MEDIA__WATCH", "false")
        .env("VIDEOS_PATH", library)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
            None => Stdio::inherit(),
        });
    let child = cmd.spawn().expect("homestream serve runs");
    drop(listener);
    let server = ServerProcess {
        child,
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    for _ in 0..200 {
        if let Ok(resp) = server.client.get(server.url("/health")).send().await {
            if resp.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("homestream serve did not start on port {port}");
}
