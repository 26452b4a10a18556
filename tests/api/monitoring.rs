//! Monitoring that ships (deploy/prometheus, deploy/grafana) against a real server:
//! promtool checks the scrape config, the alert rules and their unit tests; a real
//! Prometheus (Debian's `prometheus` package) scrapes a real homestream, runs every
//! alert and dashboard query and fires an alert; `/metrics` answers loopback peers only
//! unless the settings open it.

use crate::helpers::{assert_problem, skip, spawn_with, test_settings, Backend, TestApp};
use crate::media::{spawn_media_app, MediaApp};
use homestream::accounts::Role;
use homestream::config::{PositiveInt, Secret, Settings};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Queries that may answer no series, with the reason. Alert expressions are not listed
/// one by one: they are empty while their alert does not fire, so for them each
/// selector is run on its own and must answer series (and the whole expression must run
/// without error).
const MAY_BE_EMPTY: &[(&str, &str)] = &[(
    r#"homestream_http_requests_total{status=~"5.."}"#,
    "no request of the test is answered with a server error (the server makes none on \
     purpose); alerts.test.yml covers HomestreamHighErrorRatio with promtool",
)];

/// The three dashboards, by title.
const DASHBOARDS: [&str; 3] = [
    "System Overview",
    "User Activity",
    "Video Streaming Quality",
];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Whether `tool` (promtool, prometheus) runs; its absence skips, or fails under CI.
fn tool_available(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip(
            "prometheus",
            &format!("{tool} not found on PATH (Debian: apt-get install prometheus)"),
        );
    }
    ok
}

#[test]
fn promtool_accepts_the_scrape_config_the_alert_rules_and_their_unit_tests() {
    if !tool_available("promtool") {
        return;
    }
    for args in [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts.test.yml"],
    ] {
        let out = Command::new("promtool")
            .args(args)
            .current_dir(repo("deploy/prometheus"))
            .output()
            .expect("promtool runs");
        assert!(
            out.status.success(),
            "promtool {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every dashboard JSON in deploy/grafana/dashboards, by file name.
fn dashboards() -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = std::fs::read_dir(repo("deploy/grafana/dashboards"))
        .expect("deploy/grafana/dashboards")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), json)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// A dashboard's panels, those inside rows included (rows themselves left out).
fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for p in list.as_array().into_iter().flatten() {
            if p["type"] == "row" {
                walk(&p["panels"], out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

#[test]
fn the_dashboards_are_grafana_json_with_a_title_a_unit_and_queries_on_every_panel() {
    let dashboards = dashboards();
    let mut titles: Vec<&str> = dashboards
        .iter()
        .map(|(_, d)| d["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(titles, DASHBOARDS);
    let mut uids = std::collections::HashSet::new();
    for (file, d) in &dashboards {
        assert!(
            d["schemaVersion"].as_u64().unwrap() >= 36,
            "{file}: Grafana 10+"
        );
        assert!(
            uids.insert(d["uid"].as_str().unwrap().to_owned()),
            "{file}: uid"
        );
        let variables = d["templating"]["list"].as_array().unwrap();
        assert!(
            variables
                .iter()
                .any(|v| v["type"] == "datasource" && v["query"] == "prometheus"),
            "{file}: a Prometheus data source variable"
        );
        let panels = panels(d);
        assert!(panels.len() >= 8, "{file}: {} panels", panels.len());
        for p in panels {
            let title = p["title"].as_str().unwrap_or_default();
            assert!(!title.is_empty(), "{file}: a panel without a title");
            let unit = p["fieldConfig"]["defaults"]["unit"].as_str();
            assert!(unit.is_some_and(|u| !u.is_empty()), "{file}/{title}: unit");
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{file}/{title}");
            let grid = &p["gridPos"];
            let (x, w) = (grid["x"].as_u64().unwrap(), grid["w"].as_u64().unwrap());
            assert!(x + w <= 24, "{file}/{title}: inside the 24 columns");
            let targets = p["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "{file}/{title}: no query");
            for t in targets {
                assert!(
                    t["expr"].as_str().is_some_and(|e| !e.is_empty()),
                    "{file}/{title}"
                );
            }
        }
    }
    // Compose mounts the folder where the provisioning file looks for it.
    let provider =
        std::fs::read_to_string(repo("deploy/grafana/provisioning/dashboards.yml")).unwrap();
    let compose = std::fs::read_to_string(repo("deploy/docker-compose.yml")).unwrap();
    let path = "/var/lib/grafana/dashboards/homestream";
    assert!(provider.contains(&format!("path: {path}")), "{provider}");
    assert!(
        compose.contains(&format!("./grafana/dashboards:{path}:ro")),
        "compose mounts the dashboards at {path}"
    );
}

#[test]
fn compose_prometheus_scrapes_the_port_the_app_serves_metrics_on() {
    let compose = std::fs::read_to_string(repo("deploy/docker-compose.yml")).unwrap();
    let scrape = std::fs::read_to_string(repo("deploy/prometheus/prometheus.yml")).unwrap();
    assert!(
        compose.contains(r#"HOMESTREAM_METRICS__LISTEN: "0.0.0.0:9464""#),
        "the app serves /metrics on port 9464 of the compose network"
    );
    assert!(scrape.contains(r#"targets: ["app:9464"]"#), "{scrape}");
    for service in ["prometheus", "grafana"] {
        let block = compose
            .split(&format!("\n  {service}:\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("compose has no {service} service"));
        let block = block.split("\n\n").next().unwrap();
        assert!(
            block.contains(r#"profiles: ["monitoring"]"#),
            "{service} runs only with --profile monitoring"
        );
    }
}

/// Grafana's variables, as the test sets them: every job and instance, a minute.
fn promql(expr: &str) -> String {
    let q = expr
        .replace("$__rate_interval", "1m")
        .replace("$__interval", "15s")
        .replace("$__range", "1h")
        .replace("$job", ".*")
        .replace("$instance", ".*");
    assert!(
        !q.contains('$'),
        "a Grafana variable the test does not know: {expr}"
    );
    q
}

/// The series selectors in a PromQL expression (`name{matchers}` or a bare name) of
/// homestream's, the process' and Prometheus' `up` series.
fn selectors(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1 + usize::from(chars[i] == '\\');
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            let braces = chars.get(i) == Some(&'{');
            let ours = name.starts_with("homestream_") || name.starts_with("process_");
            if ours || (name == "up" && braces) {
                let mut selector = name;
                if braces {
                    let start = i;
                    let mut quoted = false;
                    while chars[i] != '}' || quoted {
                        match chars[i] {
                            '"' => quoted = !quoted,
                            '\\' => i += 1,
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                    selector.extend(&chars[start..i]);
                }
                found.push(selector);
            }
        } else {
            i += 1;
        }
    }
    found
}

#[test]
fn selectors_are_found_in_promql() {
    assert_eq!(
        selectors(
            r#"sum(rate(homestream_http_requests_total{status=~"5..", route="x}"}[5m])) / up{job="homestream"} + process_open_fds or vector(0)"#
        ),
        [
            r#"homestream_http_requests_total{status=~"5..", route="x}"}"#,
            r#"up{job="homestream"}"#,
            "process_open_fds",
        ]
    );
}

/// A Prometheus on a free loopback port with a temporary database, stopped on drop.
struct Prometheus {
    child: Child,
    url: String,
    client: reqwest::Client,
    dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Runs deploy/prometheus/prometheus.yml (with alerts.yml beside it) against
    /// `target`, scraping and evaluating every second.
    fn start(target: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = std::fs::read_to_string(repo("deploy/prometheus/prometheus.yml")).unwrap();
        for (from, to) in [
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("scrape_timeout: 10s", "scrape_timeout: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("\"app:9464\"", &format!("\"{target}\"")),
        ] {
            assert_eq!(config.matches(from).count(), 1, "{from} in prometheus.yml");
            config = config.replace(from, to);
        }
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        std::fs::copy(
            repo("deploy/prometheus/alerts.yml"),
            dir.path().join("alerts.yml"),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    async fn api(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, String> {
        let resp = self
            .client
            .get(format!("{}{path}", self.url))
            .query(query)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: Value = resp.json().await.map_err(|e| e.to_string())?;
        if body["status"] == "success" {
            Ok(body["data"].clone())
        } else {
            Err(format!("{}: {}", body["errorType"], body["error"]))
        }
    }

    /// The series an instant query answers.
    async fn query(&self, q: &str) -> Result<Vec<Value>, String> {
        let data = self.api("/api/v1/query", &[("query", q)]).await?;
        match data["resultType"].as_str() {
            Some("vector" | "matrix") => Ok(data["result"].as_array().unwrap().clone()),
            Some("scalar" | "string") => Ok(vec![data["result"].clone()]),
            other => Err(format!("result type {other:?}")),
        }
    }

    /// Waits until `ready` holds (checked every 200 ms) or `secs` pass.
    async fn wait_for<F, Fut>(&self, what: &str, secs: u64, mut ready: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !ready().await {
            assert!(
                Instant::now() < deadline,
                "waited {secs} s for {what}; prometheus log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The one value of a query answering one series.
    async fn value(&self, q: &str) -> f64 {
        let series = self.query(q).await.unwrap();
        assert_eq!(series.len(), 1, "{q}: {series:?}");
        series[0]["value"][1].as_str().unwrap().parse().unwrap()
    }
}

/// Logins (ok, failed, throttled), catalog and web requests, a stream: every kind of
/// figure the dashboards show. Returns the admin's token, another user's, and the clip's id.
async fn make_traffic(app: &MediaApp) -> (String, String, String) {
    app.scan().await;
    let ann = app.token_for("ann", Role::Admin).await;
    let cy = app.token_for("cy", Role::User).await;
    app.create_user("bob", Role::User).await;
    // auth.max_failed_logins = 2: two failures, then the throttle answers.
    for status in [401, 401, 429] {
        assert_eq!(app.login("bob", "wrong").await.status(), status);
    }
    let id = app.video_id(&ann, "a.mp4").await;
    for path in [
        "/api/videos".to_owned(),
        format!("/api/videos/{id}"),
        "/api/videos/popular".to_owned(),
        "/api/users/me".to_owned(),
        "/api/no/such/thing".to_owned(),
        "/".to_owned(),
        "/ready".to_owned(),
    ] {
        app.get(&path, &ann).await;
    }
    assert_eq!(stream(app, &ann, &id).await, 206);
    (ann, cy, id)
}

/// Asks for the first 1000 bytes of video `id`; returns the status.
async fn stream(app: &TestApp, token: &str, id: &str) -> u16 {
    let resp = app
        .client
        .get(app.url(&format!("/api/stream/{id}")))
        .bearer_auth(token)
        .header("range", "bytes=0-999")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    resp.bytes().await.unwrap();
    status
}

#[tokio::test]
async fn a_real_prometheus_scrapes_homestream_and_every_dashboard_and_alert_query_answers() {
    if !tool_available("prometheus") {
        return;
    }
    let tweak = |s: &mut Settings| {
        s.auth.max_failed_logins = PositiveInt(2);
        s.streaming.max_concurrent_streams = PositiveInt(1);
    };
    let Some(app) = spawn_media_app(Backend::Sqlite, &[("h264_aac.mp4", "a.mp4")], tweak).await
    else {
        return;
    };
    let (ann, cy, id) = make_traffic(&app).await;
    let target = app.address.trim_start_matches("http://").to_owned();
    let prom = Prometheus::start(&target);

    prom.wait_for("a successful scrape", 60, || async {
        prom.api("/api/v1/targets", &[])
            .await
            .is_ok_and(|t| t["activeTargets"][0]["health"] == "up")
    })
    .await;
    let rules = loaded_rules(&prom).await;
    // rate() needs two scrapes in its window.
    prom.wait_for("two scrapes", 30, || async {
        prom.query("count_over_time(up[1m])")
            .await
            .is_ok_and(|r| r.first().is_some_and(|s| s["value"][1] != "1"))
    })
    .await;

    // The figures flowed through: logins by outcome, bytes, the stream's route.
    let throttled = r#"homestream_logins_total{outcome="throttled"}"#;
    assert_eq!(prom.value(throttled).await, 1.0);
    assert_eq!(
        prom.value(r#"homestream_logins_total{outcome="failed"}"#)
            .await,
        2.0
    );
    assert!(prom.value("homestream_streamed_bytes_total").await >= 1000.0);
    assert_eq!(
        prom.value(r#"homestream_database_status{status="ok"}"#)
            .await,
        1.0
    );

    let mut failures = Vec::new();
    let mut ran = 0;
    for (source, query, selectors_only) in queries(&rules) {
        ran += 1;
        match prom.query(&query).await {
            Err(e) => failures.push(format!("{source}: {query}\n    error: {e}")),
            Ok(series) if series.is_empty() && !selectors_only => {
                if !MAY_BE_EMPTY.iter().any(|(q, _)| *q == query) {
                    failures.push(format!("{source}: {query}\n    answered no series"));
                }
            }
            Ok(_) => {}
        }
        if selectors_only {
            for selector in selectors(&query) {
                ran += 1;
                let exempt = MAY_BE_EMPTY.iter().any(|(q, _)| *q == selector);
                if prom.query(&selector).await.map_or(true, |s| s.is_empty()) && !exempt {
                    failures.push(format!("{source}: selector {selector} answered no series"));
                }
            }
        }
    }
    println!(
        "monitoring: {ran} queries run against a real Prometheus, {} rules loaded",
        rules.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // A refusal by the server-wide limit, scraped, fires its alert.
    assert_eq!(stream(&app, &ann, &id).await, 206, "ann holds the one slot");
    assert_eq!(stream(&app, &cy, &id).await, 429, "cy is refused");
    prom.wait_for("HomestreamStreamsRefused to fire", 30, || async {
        prom.api("/api/v1/alerts", &[]).await.is_ok_and(|a| {
            a["alerts"].as_array().unwrap().iter().any(|alert| {
                alert["labels"]["alertname"] == "HomestreamStreamsRefused"
                    && alert["state"] == "firing"
            })
        })
    })
    .await;
}

/// Every alerting rule once Prometheus has evaluated them all without error (name,
/// expression), checked against the number of alerts in alerts.yml.
async fn loaded_rules(prom: &Prometheus) -> Vec<(String, String)> {
    let file = std::fs::read_to_string(repo("deploy/prometheus/alerts.yml")).unwrap();
    let in_file = file
        .lines()
        .filter(|l| l.trim_start().starts_with("- alert:"))
        .count();
    let deadline = Instant::now() + Duration::from_secs(30);
    let rules = loop {
        let data = prom.api("/api/v1/rules", &[]).await.unwrap();
        let all: Vec<&Value> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap())
            .collect();
        let unhealthy: Vec<String> = all
            .iter()
            .filter(|r| r["health"] != "ok")
            .map(|r| format!("{} {} {}", r["name"], r["health"], r["lastError"]))
            .collect();
        assert!(
            !all.iter().any(|r| r["health"] == "err"),
            "rules failed: {unhealthy:?}"
        );
        if unhealthy.is_empty() && !all.is_empty() {
            break all
                .iter()
                .filter(|r| r["type"] == "alerting")
                .map(|r| {
                    let name = r["name"].as_str().unwrap().to_owned();
                    (name, r["query"].as_str().unwrap().to_owned())
                })
                .collect::<Vec<_>>();
        }
        assert!(
            Instant::now() < deadline,
            "rules not evaluated: {unhealthy:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(rules.len(), in_file, "every alert in alerts.yml is loaded");
    rules
}

/// Every query to run: (where it comes from, PromQL, whether only its selectors must
/// answer series). Alerts, each dashboard panel's targets, each dashboard variable.
fn queries(rules: &[(String, String)]) -> Vec<(String, String, bool)> {
    let mut all: Vec<(String, String, bool)> = rules
        .iter()
        .map(|(name, expr)| (format!("alert {name}"), expr.clone(), true))
        .collect();
    for (file, d) in dashboards() {
        for p in panels(&d) {
            for t in p["targets"].as_array().unwrap() {
                let source = format!("{file} / {}", p["title"].as_str().unwrap());
                all.push((source, promql(t["expr"].as_str().unwrap()), false));
            }
        }
        for v in d["templating"]["list"].as_array().unwrap() {
            let Some(q) = v["definition"].as_str() else {
                continue;
            };
            // label_values(selector, label): the label's values on the selector's series.
            let inner = q
                .strip_prefix("label_values(")
                .and_then(|q| q.strip_suffix(')'))
                .unwrap_or_else(|| panic!("{file}: variable query {q}"));
            let (selector, label) = inner.rsplit_once(',').unwrap();
            let query = format!("count by ({}) ({})", label.trim(), promql(selector));
            all.push((format!("{file} / variable {}", v["name"]), query, false));
        }
    }
    all
}

/// An IPv4 address of this machine other than loopback, to reach a server from.
fn non_loopback_ipv4() -> Option<Ipv4Addr> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, which is freed below and not used after.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return None;
    }
    let mut found = None;
    let mut node = list;
    while !node.is_null() {
        // SAFETY: `node` is an entry of the list getifaddrs returned; an AF_INET
        // address is a sockaddr_in.
        let entry = unsafe { &*node };
        let addr = entry.ifa_addr;
        if !addr.is_null() && i32::from(unsafe { (*addr).sa_family }) == libc::AF_INET {
            let sin = unsafe { &*addr.cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            if !ip.is_loopback() && found.is_none() {
                found = Some(ip);
            }
        }
        node = entry.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// An app listening on every address, with settings changed by `tweak`; its port.
async fn spawn_everywhere(tweak: impl FnOnce(&mut Settings)) -> (TestApp, u16) {
    let (mut settings, dir, pg) = test_settings(Backend::Sqlite).await.unwrap();
    settings.server.host = std::net::IpAddr::from([0, 0, 0, 0]);
    tweak(&mut settings);
    let app = spawn_with(settings, dir, pg).await;
    let port = crate::helpers::port_of(&app.address);
    (app, port)
}

#[tokio::test]
async fn metrics_answer_loopback_peers_only_unless_a_setting_opens_them() {
    let Some(ip) = non_loopback_ipv4() else {
        skip(
            "network",
            "no IPv4 address other than loopback to reach the server from",
        );
        return;
    };
    let client = reqwest::Client::new();
    let get = |port: u16, host: String, path: &'static str, token: Option<&'static str>| {
        let mut req = client.get(format!("http://{host}:{port}{path}"));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        async move { req.send().await.unwrap() }
    };
    let (local, remote) = ("127.0.0.1".to_owned(), ip.to_string());

    let (_app, port) = spawn_everywhere(|_| {}).await;
    assert_eq!(
        get(port, local.clone(), "/metrics", None).await.status(),
        200
    );
    let refused = get(port, remote.clone(), "/metrics", None).await;
    let body = assert_problem(refused, 403, "forbidden").await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("metrics.allow_remote"));
    assert_eq!(
        get(port, remote.clone(), "/health", None).await.status(),
        200,
        "the address itself serves: only /metrics is refused"
    );

    let (_app, port) = spawn_everywhere(|s| s.metrics.allow_remote = true).await;
    let opened = get(port, remote.clone(), "/metrics", None).await;
    assert_eq!(opened.status(), 200);
    assert!(opened
        .text()
        .await
        .unwrap()
        .contains("homestream_active_streams"));

    let (_app, port) =
        spawn_everywhere(|s| s.metrics.token = Secret::new("scrape-me".to_owned())).await;
    let no_token = get(port, remote.clone(), "/metrics", None).await;
    assert_problem(no_token, 401, "unauthorized").await;
    let with_token = get(port, remote, "/metrics", Some("scrape-me")).await;
    assert_eq!(with_token.status(), 200, "a token lets any peer scrape");
}

/// Behind a proxy on the same host (`server.trusted_proxies = ["127.0.0.1"]`, what the
/// NixOS module sets), the client the proxy forwards for decides: a remote client's
/// scrape is refused with no series, a loopback client's (or an unproxied one's) is
/// served, and `metrics.allow_remote` opens it.
#[tokio::test]
async fn a_scrape_forwarded_for_a_remote_client_is_refused() {
    let trusted = |s: &mut Settings| s.server.trusted_proxies = vec![[127, 0, 0, 1].into()];
    let app = spawn_with_tweak(trusted).await;
    let scrape = |app: &TestApp, forwarded: Option<&'static str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        async move { req.send().await.unwrap() }
    };
    let refused = scrape(&app, Some("203.0.113.5")).await;
    let body = assert_problem(refused, 403, "forbidden").await;
    assert!(!body.to_string().contains("homestream_"), "{body}");
    let chain = scrape(&app, Some("203.0.113.5, 127.0.0.1")).await;
    assert_eq!(chain.status(), 403, "the nearest untrusted address decides");
    assert_eq!(scrape(&app, Some("127.0.0.1")).await.status(), 200);
    assert_eq!(scrape(&app, None).await.status(), 200);

    let open = spawn_with_tweak(|s| {
        trusted(s);
        s.metrics.allow_remote = true;
    })
    .await;
    let opened = scrape(&open, Some("203.0.113.5")).await;
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("homestream_"));
}

async fn spawn_with_tweak(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (mut settings, dir, pg) = test_settings(Backend::Sqlite).await.unwrap();
    tweak(&mut settings);
    spawn_with(settings, dir, pg).await
}
