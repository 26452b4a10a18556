//! File-serving benchmark: homestream against a tuned nginx (sendfile, `tcp_nopush`,
//! `open_file_cache`, 2 workers, no access log) and static-web-server, on the same
//! generated file, interleaved in one run.
//!
//! Run with `bench/run.sh` (it raises the open-file limit and builds in release).
//! Every figure is a median over rounds; ratios are against nginx measured in the same
//! run, never against a stored number.
//!
//! Phases:
//! 1. random 1 MiB range requests per second over 64 keep-alive connections;
//! 2. server CPU seconds per GB at a fixed offered load below saturation (0.5 GB/s);
//! 3. time to first byte, p50 and p99, on fresh connections (a plain socket: connect,
//!    write the request, wait for the first byte of the answer), 2,000 samples a round
//!    with the servers taking turns request by request;
//! 4. 1,000 slow clients reading at 1 MB/s: peak RSS, CPU per GB, streams held;
//! 5. homestream's idle RSS after start-up, the scan of a small library and one login.
//!
//! homestream runs twice: at log level `warn` (nginx has no access log) and at the
//! default `info`, whose request lines are the cost phase 1 compares.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;
const ROUNDS: usize = 3;
const RPS_SECONDS: u64 = 6;
const RPS_CONNECTIONS: usize = 64;
const FIXED_RATE: u64 = 477; // requests of 1 MiB per second: 0.5 GB/s
const FIXED_SECONDS: u64 = 6;
const TTFB_REQUESTS: usize = 2000;
const SLOW_CLIENTS: usize = 1000;
const SLOW_RATE: u64 = 1_000_000; // bytes per second per client
const SLOW_SECONDS: u64 = 10;

struct Server {
    name: &'static str,
    child: Child,
    url: String,
    token: Option<String>,
}

impl Server {
    /// The server's process and its children (nginx workers).
    fn pids(&self) -> Vec<u32> {
        let pid = self.child.id();
        let mut pids = vec![pid];
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            pids.extend(
                children
                    .split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
        pids
    }

    /// User plus system CPU time of the process tree, in seconds.
    fn cpu_seconds(&self) -> f64 {
        self.pids()
            .iter()
            .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
            .map(|stat| {
                let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
                let f: Vec<&str> = after.split_whitespace().collect();
                let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                    + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                ticks as f64 / 100.0
            })
            .sum()
    }

    fn request(
        &self,
        client: &reqwest::Client,
        range: Option<(u64, u64)>,
    ) -> reqwest::RequestBuilder {
        let mut req = client.get(&self.url);
        if let Some((a, b)) = range {
            req = req.header("range", format!("bytes={a}-{b}"));
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn wait_for(url: &str) {
    for _ in 0..500 {
        if std::net::TcpStream::connect(
            url.trim_start_matches("http://").split('/').next().unwrap(),
        )
        .is_ok()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{url} did not come up");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A 256 MiB raw-video Matroska file, generated once.
fn media_file(dir: &Path) -> PathBuf {
    let path = dir.join("bench.mkv");
    if !path.exists() {
        run(Command::new("ffmpeg")
            .args([
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=640x480:rate=25",
                "-frames:v",
                "582",
                "-c:v",
                "rawvideo",
                "-pix_fmt",
                "yuv420p",
            ])
            .arg(&path));
    }
    path
}

/// homestream with its own data directory, logging at `level`, the library scanned and
/// a user logged in; `scan_in_server` scans in the server itself (the idle-RSS phase)
/// rather than with the `scan` command beforehand.
fn start_homestream(
    name: &'static str,
    root: &Path,
    work: &Path,
    level: &str,
    scan_in_server: bool,
    per_cpu: bool,
) -> Server {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/homestream");
    let port = free_port();
    let data = work.join(format!("hs-data-{name}-{port}"));
    let env = |cmd: &mut Command| {
        cmd.env("HOMESTREAM_DATA_DIR", &data)
            .env("HOMESTREAM_CONFIG_DIR", "/nonexistent")
            .env("VIDEOS_PATH", root)
            .env("PORT", port.to_string())
            .env("MAX_CONCURRENT_STREAMS", "5000")
            .env("HOMESTREAM_STREAMING__MAX_STREAMS_PER_USER", "5000")
            .env("HOMESTREAM_MEDIA__WATCH", "false")
            .env("HOMESTREAM_LOG__LEVEL", level)
            .env("HOMESTREAM_SERVER__ACCEPT_PER_CPU", per_cpu.to_string());
    };
    let mut create = Command::new(&bin);
    create
        .args([
            "user",
            "create",
            "bench",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    env(&mut create);
    let mut child = create.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bench-password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    if !scan_in_server {
        let mut scan = Command::new(&bin);
        scan.arg("scan");
        env(&mut scan);
        run(&mut scan);
    }
    // Logs go to a file, as to a journal: what writing them costs is measured.
    let log = std::fs::File::create(work.join(format!("{name}-{port}.log"))).unwrap();
    let mut serve = Command::new(&bin);
    serve
        .arg("serve")
        .stderr(log)
        .env(
            "HOMESTREAM_MEDIA__SCAN_ON_STARTUP",
            scan_in_server.to_string(),
        )
        .stdout(Stdio::null());
    env(&mut serve);
    let child = serve.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&base);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (token, id) = rt.block_on(async {
        let c = reqwest::Client::new();
        let login: serde_json::Value = c
            .post(format!("{base}/api/auth/login"))
            .json(&serde_json::json!({"username": "bench", "password": "bench-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().unwrap().to_owned();
        // A scan made by the server runs in the background: wait for its video.
        for _ in 0..500 {
            let page: serde_json::Value = c
                .get(format!("{base}/api/videos"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = page["items"][0]["id"].as_str() {
                return (token, id.to_owned());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the file was not scanned");
    });
    Server {
        name,
        child,
        url: format!("{base}/api/stream/{id}"),
        token: Some(token),
    }
}

/// Phase 5: the resident memory of a fresh homestream once it has started, scanned a
/// small library (the bench file) and taken one login, after a second of quiet.
fn idle_rss(root: &Path, work: &Path) -> f64 {
    let s = start_homestream("homestream", root, work, "info", true, true);
    std::thread::sleep(Duration::from_secs(2));
    rss_of(&[s.child.id()]) as f64 / 1e6
}

/// nginx tuned as a file server: sendfile, `tcp_nopush`, files kept open
/// (`open_file_cache`), two workers (one per core here), no access log.
fn start_nginx(root: &Path, work: &Path) -> Server {
    let port = free_port();
    let dir = work.join("nginx");
    std::fs::create_dir_all(&dir).unwrap();
    let conf = format!(
        "daemon off; worker_processes 2; pid {d}/nginx.pid; error_log {d}/error.log error;\n\
         events {{ worker_connections 8192; }}\n\
         http {{ sendfile on; tcp_nopush on; access_log off; keepalive_requests 1000000;\n\
           open_file_cache max=1000 inactive=20s; open_file_cache_valid 30s; open_file_cache_errors on;\n\
           client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n\
           server {{ listen 127.0.0.1:{port} backlog=4096; root {root}; }} }}\n",
        d = dir.display(),
        root = root.display()
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-p")
        .arg(&dir)
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx");
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&base);
    Server {
        name: "nginx",
        child,
        url: format!("{base}/bench.mkv"),
        token: None,
    }
}

fn start_sws(root: &Path) -> Option<Server> {
    let bin = which("static-web-server")?;
    let port = free_port();
    let child = Command::new(bin)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--log-level",
            "error",
            "--root",
        ])
        .arg(root)
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&base);
    Some(Server {
        name: "static-web-server",
        child,
        url: format!("{base}/bench.mkv"),
        token: None,
    })
}

/// The commit measured, marked `-dirty` when the work tree has changes.
fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{head}-dirty")
    } else {
        head
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .chain([PathBuf::from(home).join(".cargo/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A small xorshift generator: the benchmark needs spread, not quality.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, len: u64) -> (u64, u64) {
        let start = self.next() % (len - MIB);
        (start, start + MIB - 1)
    }
}

async fn drain(resp: reqwest::Response) -> u64 {
    let mut resp = resp;
    let mut n = 0;
    while let Ok(Some(chunk)) = resp.chunk().await {
        n += chunk.len() as u64;
    }
    n
}

/// Phase 1: requests per second.
async fn requests_per_second(s: &Server, len: u64) -> f64 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(RPS_CONNECTIONS)
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(RPS_SECONDS);
    let tasks: Vec<_> = (0..RPS_CONNECTIONS)
        .map(|i| {
            let (client, done) = (client.clone(), done.clone());
            let req = move |r| s.request(&client, Some(r));
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
            async move {
                while Instant::now() < deadline {
                    if let Ok(resp) = req(rng.range(len)).send().await {
                        if resp.status() == 206 && drain(resp).await == MIB {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        })
        .collect();
    let started = Instant::now();
    futures_util::future::join_all(tasks).await;
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Phase 2: server CPU seconds per GB at a fixed rate.
async fn cpu_per_gb_at_fixed_load(s: &Server, len: u64) -> (f64, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let bytes = Arc::new(AtomicU64::new(0));
    let cpu0 = s.cpu_seconds();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / FIXED_RATE));
    let mut rng = Rng(42);
    let mut tasks = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(FIXED_SECONDS) {
        ticker.tick().await;
        let req = s.request(&client, Some(rng.range(len)));
        let bytes = bytes.clone();
        tasks.push(tokio::spawn(async move {
            if let Ok(resp) = req.send().await {
                bytes.fetch_add(drain(resp).await, Ordering::Relaxed);
            }
        }));
    }
    futures_util::future::join_all(tasks).await;
    let gb = bytes.load(Ordering::Relaxed) as f64 / 1e9;
    (
        (s.cpu_seconds() - cpu0) / gb,
        gb / started.elapsed().as_secs_f64() * 1000.0,
    )
}

/// Phase 3: time to first byte on fresh connections, in milliseconds, sorted, for each
/// server. A plain blocking socket connects, then the time from writing the request to
/// the answer's first byte is taken (the rest is read and the connection closed), so
/// little but the server is timed. The servers take turns request by request, so a
/// burst of the machine's own noise lands on all of them alike rather than on whichever
/// server's turn it was: on a shared VM that noise sets the tail.
async fn ttfb_samples(servers: &[Server], len: u64) -> Vec<Vec<f64>> {
    use std::io::Read;
    let targets: Vec<(String, String, String)> = servers
        .iter()
        .map(|s| {
            let url = s.url.trim_start_matches("http://");
            let (addr, path) = url.split_at(url.find('/').unwrap());
            let auth = s
                .token
                .as_ref()
                .map(|t| format!("Authorization: Bearer {t}\r\n"))
                .unwrap_or_default();
            (addr.to_owned(), path.to_owned(), auth)
        })
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut rng = Rng(7);
        let mut body = vec![0u8; 1 << 16];
        let mut samples = vec![Vec::with_capacity(TTFB_REQUESTS); targets.len()];
        for _ in 0..TTFB_REQUESTS {
            let (a, b) = rng.range(len);
            for ((addr, path, auth), samples) in targets.iter().zip(&mut samples) {
                let request = format!(
                    "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Range: bytes={a}-{b}\r\nConnection: close\r\n\r\n"
                );
                let mut conn = std::net::TcpStream::connect(addr).unwrap();
                conn.set_nodelay(true).unwrap();
                // The kernel completes the handshake; from the request on, it is the
                // server's accept, read, work and first write that are timed.
                let t = Instant::now();
                conn.write_all(request.as_bytes()).unwrap();
                let mut first = [0u8; 1];
                conn.read_exact(&mut first).unwrap();
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
                while conn.read(&mut body).unwrap_or(0) > 0 {}
            }
        }
        for v in &mut samples {
            v.sort_by(f64::total_cmp);
        }
        samples
    })
    .await
    .unwrap()
}

/// The sample at quantile `q` of sorted samples.
fn quantile(v: &[f64], q: f64) -> f64 {
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// Phase 4: slow clients. Returns (peak RSS MB, CPU s/GB, clients held).
async fn slow_clients(s: &Server, len: u64) -> (f64, f64, usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(SLOW_CLIENTS)
        .build()
        .unwrap();
    let cpu0 = s.cpu_seconds();
    let pids = s.pids();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(rss_of(&pids));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak
        })
    };
    let want = SLOW_RATE * SLOW_SECONDS;
    let clients: Vec<_> = (0..SLOW_CLIENTS)
        .map(|i| {
            let start = (i as u64 * 7919 * MIB) % (len - want - 1);
            let req = s.request(&client, Some((start, start + want - 1)));
            async move {
                let Ok(mut resp) = req.send().await else {
                    return 0;
                };
                let t = Instant::now();
                let mut got = 0u64;
                while let Ok(Some(chunk)) = resp.chunk().await {
                    got += chunk.len() as u64;
                    let due = Duration::from_secs_f64(got as f64 / SLOW_RATE as f64);
                    if let Some(wait) = due.checked_sub(t.elapsed()) {
                        tokio::time::sleep(wait).await;
                    }
                    if t.elapsed() > Duration::from_secs(SLOW_SECONDS * 2) {
                        break;
                    }
                }
                got
            }
        })
        .collect();
    let got = futures_util::future::join_all(clients).await;
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0);
    let total: u64 = got.iter().sum();
    let held = got.iter().filter(|g| **g >= want).count();
    let cpu_per_gb = (s.cpu_seconds() - cpu0) / (total as f64 / 1e9);
    (peak as f64 / 1e6, cpu_per_gb, held)
}

fn rss_of(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum::<u64>()
        * 1024
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let work = tempfile::tempdir().unwrap();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-media");
    std::fs::create_dir_all(&cache).unwrap();
    let file = media_file(&cache);
    let len = std::fs::metadata(&file).unwrap().len();
    println!(
        "commit {}; file: {} ({} MiB), {} rounds, interleaved",
        commit(),
        file.display(),
        len / MIB,
        ROUNDS
    );
    // BENCH_QUICK=1 measures nginx and homestream once, for a faster look while tuning;
    // BENCH_SLOW_ONLY=1 runs only their slow-client phase.
    // BENCH_TTFB_ONLY=1 only the time to first byte, with more of its distribution.
    let slow_only = std::env::var_os("BENCH_SLOW_ONLY").is_some();
    let ttfb_only = std::env::var_os("BENCH_TTFB_ONLY").is_some();
    // BENCH_CPU_ONLY=1 only the CPU at fixed load, with its context switches.
    let cpu_only = std::env::var_os("BENCH_CPU_ONLY").is_some();
    // BENCH_RPS_ONLY=1 only the requests per second, in 6 rounds (what logging costs).
    let rps_only = std::env::var_os("BENCH_RPS_ONLY").is_some();
    let quick =
        slow_only || ttfb_only || cpu_only || rps_only || std::env::var_os("BENCH_QUICK").is_some();
    let mut servers = vec![
        start_nginx(&cache, work.path()),
        start_homestream("homestream", &cache, work.path(), "warn", false, true),
    ];
    if !quick || ttfb_only || rps_only {
        servers.push(start_homestream(
            "homestream (info)",
            &cache,
            work.path(),
            "info",
            false,
            true,
        ));
    }
    // In the quick modes, the same server with one socket on the shared runtime
    // (`server.accept_per_cpu = false`) beside it, for the per-CPU threads' difference.
    if quick && !slow_only {
        servers.push(start_homestream(
            "homestream 1-sock",
            &cache,
            work.path(),
            "warn",
            false,
            false,
        ));
    }
    match start_sws(&cache).filter(|_| !quick) {
        Some(s) => servers.push(s),
        None if quick => {}
        None => println!(
            "static-web-server not found (cargo install static-web-server); measuring without it"
        ),
    }
    // BENCH_CLIENT_CPU=N runs the client on CPU N only (the servers keep every CPU): all
    // connections then come from one CPU, as from a single-worker proxy.
    let client_cpu: Option<usize> = std::env::var("BENCH_CLIENT_CPU")
        .ok()
        .and_then(|v| v.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(move || {
            if let Some(cpu) = client_cpu {
                homestream::server::cores::pin(cpu).expect("client pinned");
            }
        })
        .build()
        .unwrap();
    let n = servers.len();
    let (mut rps, mut cpu, mut p50, mut p99) = (
        vec![vec![]; n],
        vec![vec![]; n],
        vec![vec![]; n],
        vec![vec![]; n],
    );
    let mut mbps = vec![vec![]; n];
    if cpu_only {
        for round in 1..=ROUNDS {
            for s in &servers {
                let switches = || {
                    s.pids()
                        .iter()
                        .flat_map(|p| {
                            std::fs::read_dir(format!("/proc/{p}/task"))
                                .into_iter()
                                .flatten()
                        })
                        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("status")).ok())
                        .flat_map(|st| {
                            st.lines()
                                .filter(|l| l.contains("ctxt_switches"))
                                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                                .collect::<Vec<_>>()
                        })
                        .sum::<u64>()
                };
                let before = switches();
                let (c, rate) = rt.block_on(cpu_per_gb_at_fixed_load(s, len));
                let n = switches() - before;
                println!(
                    "round {round} {:<18} {c:.3} CPU s/GB at {rate:.0} MB/s, {n} context switches",
                    s.name
                );
            }
        }
        return;
    }
    if rps_only {
        let mut all = vec![vec![]; n];
        for round in 1..=2 * ROUNDS {
            for (i, s) in servers.iter().enumerate() {
                let r = rt.block_on(requests_per_second(s, len));
                println!("round {round} {:<18} {r:.0} req/s", s.name);
                all[i].push(r);
            }
        }
        for (s, v) in servers.iter().zip(all) {
            println!("median {:<18} {:.0} req/s", s.name, median(v));
        }
        return;
    }
    if ttfb_only {
        for round in 1..=ROUNDS {
            for (s, v) in servers.iter().zip(rt.block_on(ttfb_samples(&servers, len))) {
                println!(
                    "round {round} {:<18} TTFB ms p50 {:.3} p90 {:.3} p99 {:.3} p99.9 {:.3} max {:.3}",
                    s.name,
                    quantile(&v, 0.5),
                    quantile(&v, 0.9),
                    quantile(&v, 0.99),
                    quantile(&v, 0.999),
                    quantile(&v, 1.0)
                );
            }
        }
        return;
    }
    let rounds = match (slow_only, quick) {
        (true, _) => 0,
        (false, true) => 1,
        (false, false) => ROUNDS,
    };
    for round in 1..=rounds {
        for (i, s) in servers.iter().enumerate() {
            rps[i].push(rt.block_on(requests_per_second(s, len)));
            let (c, rate) = rt.block_on(cpu_per_gb_at_fixed_load(s, len));
            cpu[i].push(c);
            mbps[i].push(rate);
        }
        let ttfb = rt.block_on(ttfb_samples(&servers, len));
        for (i, (s, v)) in servers.iter().zip(ttfb).enumerate() {
            p50[i].push(quantile(&v, 0.5));
            p99[i].push(quantile(&v, 0.99));
            println!(
                "round {round} {:<18} {:>8.0} req/s  {:>6.3} CPU s/GB at {:.0} MB/s  TTFB p50 {:.3} ms p99 {:.3} ms",
                s.name, rps[i][round - 1], cpu[i][round - 1], mbps[i][round - 1], p50[i][round - 1], p99[i][round - 1]
            );
        }
    }
    let mut slow = Vec::new();
    for s in servers.iter().filter(|_| slow_only || !quick) {
        let (rss, c, held) = rt.block_on(slow_clients(s, len));
        println!("slow   {:<18} peak RSS {rss:.1} MB  {c:.3} CPU s/GB  {held}/{SLOW_CLIENTS} held at 1 MB/s", s.name);
        slow.push((rss, c, held));
    }
    if quick {
        return;
    }
    let names: Vec<&str> = servers.iter().map(|s| s.name).collect();
    drop(servers.drain(1..));
    let idle: Vec<f64> = (1..=ROUNDS)
        .map(|round| {
            let rss = idle_rss(&cache, work.path());
            println!("idle   homestream round {round}: RSS {rss:.1} MB after start-up, a scan and a login");
            rss
        })
        .collect();
    let idle = median(idle);
    let m = |v: &Vec<Vec<f64>>, i: usize| median(v[i].clone());
    println!();
    println!("| server | 1 MiB ranges req/s | CPU s/GB at 0.5 GB/s | TTFB p50 / p99 ms | 1,000 slow clients: peak RSS MB | CPU s/GB | held |");
    println!("|---|---|---|---|---|---|---|");
    for i in 0..n {
        let name = names[i];
        println!(
            "| {name} | {:.0} ({:.2}x) | {:.3} ({:.2}x) | {:.3} / {:.3} | {:.1} ({:.2}x) | {:.3} ({:.2}x) | {}/{} |",
            m(&rps, i), m(&rps, i) / m(&rps, 0),
            m(&cpu, i), m(&cpu, i) / m(&cpu, 0),
            m(&p50, i), m(&p99, i),
            slow[i].0, slow[i].0 / slow[0].0,
            slow[i].1, slow[i].1 / slow[0].1,
            slow[i].2, SLOW_CLIENTS,
        );
    }
    println!("(ratios against nginx in the same run; medians of {ROUNDS} rounds; offered load in phase 2: {FIXED_RATE} x 1 MiB/s)");
    println!();
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    let (rps_ratio, cpu_ratio, info_cost) = (
        m(&rps, 1) / m(&rps, 0),
        m(&cpu, 1) / m(&cpu, 0),
        1.0 - m(&rps, 2) / m(&rps, 1),
    );
    println!("goals:");
    println!(
        "- requests per second at least 1.0x nginx's: {rps_ratio:.2}x, {}",
        check(rps_ratio >= 1.0)
    );
    println!(
        "- CPU per GB at fixed load at most 1.2x nginx's: {cpu_ratio:.2}x, {}",
        check(cpu_ratio <= 1.2)
    );
    println!(
        "- TTFB p99 at most 0.3 ms: {:.3} ms, {} (nginx's own p99 in this run: {:.3} ms, the machine's floor)",
        m(&p99, 1),
        check(m(&p99, 1) <= 0.3),
        m(&p99, 0)
    );
    println!(
        "- 1,000 slow clients held: {}/{SLOW_CLIENTS} at {:.1} MB peak RSS",
        slow[1].2, slow[1].0
    );
    println!(
        "- idle RSS at most 16 MB: {idle:.1} MB, {}",
        check(idle <= 16.0)
    );
    println!(
        "- default info logging costs under 10% of requests per second against warn: {:.1}%, {}",
        info_cost * 100.0,
        check(info_cost < 0.10)
    );
}
