//! File-serving benchmark: homestream against nginx given every advantage homestream
//! takes, on the same generated file, interleaved in one run.
//!
//! Run with `bench/run.sh` (it raises the open-file limit and builds in release).
//! Every figure is a median over rounds; ratios are against nginx measured in the same
//! run, never against a stored number. nginx runs twice: "nginx" with `reuseport` and
//! one worker pinned per CPU (`worker_cpu_affinity auto`), and "nginx plain" with one
//! shared socket; both have sendfile, `tcp_nopush`, `open_file_cache`, 2 workers and
//! no access log. Each ratio is against the better of the two in that figure.
//!
//! Phases:
//! 1. random 1 MiB range requests per second over 64 keep-alive connections;
//! 2. server CPU seconds per GB at a fixed offered load below saturation (0.5 GB/s),
//!    with the server's context switches (wake-ups) per request;
//! 3. 1,000 slow clients reading at 1 MB/s: peak memory, CPU per GB, streams held;
//! 4. the household: a transcode (`libx264 -preset veryfast -threads 2`) keeps both
//!    cores busy while 16 connections fetch random 1 MiB ranges: requests per second,
//!    the p99 of a request's whole time, and the transcode's frames per second against
//!    the transcode alone in the same round;
//! 5. homestream's idle memory after start-up, the scan of a small library and one login.
//!
//! Memory is counted alike for every server, summed over its processes: anonymous
//! memory (RssAnon, what the process itself holds), PSS (shared pages divided among
//! the processes sharing them) and VmRSS.
//!
//! homestream is called as users call it (a bearer token, the session check, the
//! stream limits) at log level `warn` (nginx has no access log) and at the default
//! `info`. `BENCH_ALSO="name:KEY=VALUE,KEY=VALUE;..."` adds more homestream variants
//! (for example `1-sock:HOMESTREAM_SERVER__ACCEPT_PER_CPU=false`); `BENCH_QUICK=1`
//! measures one round of phases 1, 2 and 4 only.

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
const SLOW_CLIENTS: usize = 1000;
const SLOW_RATE: u64 = 1_000_000; // bytes per second per client
const SLOW_SECONDS: u64 = 10;
const HOUSEHOLD_CONNECTIONS: usize = 16;
const HOUSEHOLD_SECONDS: u64 = 10;

struct Server {
    name: String,
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

    /// The file `name` of every thread of the process tree (`/proc/PID/task/TID/`).
    fn task_files(&self, name: &str) -> Vec<String> {
        self.pids()
            .iter()
            .flat_map(|p| {
                std::fs::read_dir(format!("/proc/{p}/task"))
                    .into_iter()
                    .flatten()
            })
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join(name)).ok())
            .collect()
    }

    /// CPU time of the process tree's threads, in seconds: the scheduler's own count
    /// in nanoseconds (`schedstat`), not the tick-sampled user and system times, which
    /// on this VM moved by half between rounds of the same server.
    fn cpu_seconds(&self) -> f64 {
        self.task_files("schedstat")
            .iter()
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum::<u64>() as f64
            / 1e9
    }

    /// Context switches, voluntary and not, of every thread of the process tree.
    fn context_switches(&self) -> u64 {
        self.task_files("status")
            .iter()
            .flat_map(|status| status.lines().filter(|l| l.contains("ctxt_switches")))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
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
    name: &str,
    root: &Path,
    work: &Path,
    scan_in_server: bool,
    extra: &[(String, String)],
) -> Server {
    // `BIN=PATH` among a variant's settings measures another build (an older commit's).
    let bin = extra.iter().find(|(k, _)| k == "BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/homestream"),
        |(_, path)| PathBuf::from(path),
    );
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
            .env("HOMESTREAM_LOG__LEVEL", "warn")
            .envs(extra.iter().map(|(k, v)| (k, v)));
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
        name: name.to_owned(),
        child,
        url: format!("{base}/api/stream/{id}"),
        token: Some(token),
    }
}

/// Phase 5: the memory of a fresh homestream once it has started, scanned a small
/// library (the bench file) and taken one login, after two seconds of quiet.
fn idle_memory(root: &Path, work: &Path) -> Mem {
    let s = start_homestream("homestream", root, work, true, &[]);
    std::thread::sleep(Duration::from_secs(2));
    Mem::of(&s.pids())
}

/// nginx tuned as a file server: sendfile, `tcp_nopush`, files kept open
/// (`open_file_cache`), two workers (one per core here), no access log; with `pinned`,
/// one `SO_REUSEPORT` socket per worker and each worker pinned to a CPU, as homestream
/// does by default.
fn start_nginx(root: &Path, work: &Path, pinned: bool) -> Server {
    let port = free_port();
    let dir = work.join(format!("nginx-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let (affinity, reuseport) = if pinned {
        ("worker_cpu_affinity auto;", " reuseport")
    } else {
        ("", "")
    };
    let conf = format!(
        "daemon off; worker_processes 2; {affinity} pid {d}/nginx.pid; error_log {d}/error.log error;\n\
         events {{ worker_connections 8192; }}\n\
         http {{ sendfile on; tcp_nopush on; access_log off; keepalive_requests 1000000;\n\
           open_file_cache max=1000 inactive=20s; open_file_cache_valid 30s; open_file_cache_errors on;\n\
           client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n\
           server {{ listen 127.0.0.1:{port} backlog=4096{reuseport}; root {root}; }} }}\n",
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
        name: if pinned { "nginx" } else { "nginx plain" }.to_owned(),
        child,
        url: format!("{base}/bench.mkv"),
        token: None,
    }
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

/// What phase 2 measured of one server.
struct Cost {
    cpu_per_gb: f64,
    mb_per_s: f64,
    /// Context switches of the server's threads per request: its wake-ups.
    switches_per_request: f64,
    syscalls_per_request: f64,
    kb_per_sendfile: f64,
}

/// Phase 2: server CPU seconds per GB at a fixed rate.
async fn cpu_per_gb_at_fixed_load(s: &Server, len: u64) -> Cost {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let bytes = Arc::new(AtomicU64::new(0));
    let perf = Perf::attach(&s.pids(), &[]);
    // BENCH_PROFILE=DIR also samples the server's stacks here, into DIR/NAME.data
    // (`perf report -i DIR/NAME.data --no-children --sort dso,sym`).
    let profile = std::env::var_os("BENCH_PROFILE").and_then(|dir| {
        let name = s.name.replace([' ', '(', ')'], "_");
        let file = Path::new(&dir).join(format!("{name}.data"));
        Perf::attach(
            &s.pids(),
            &["record", "-F", "999", "-g", "-o", file.to_str()?],
        )
    });
    let (cpu0, switches0) = (s.cpu_seconds(), s.context_switches());
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
    let requests = tasks.len() as f64;
    futures_util::future::join_all(tasks).await;
    let (cpu, switches) = (s.cpu_seconds() - cpu0, s.context_switches() - switches0);
    let (syscalls, sendfiles) = perf.map_or((f64::NAN, f64::NAN), Perf::counts);
    if let Some(profile) = profile {
        profile.counts();
    }
    let bytes = bytes.load(Ordering::Relaxed) as f64;
    let gb = bytes / 1e9;
    Cost {
        cpu_per_gb: cpu / gb,
        mb_per_s: gb / started.elapsed().as_secs_f64() * 1000.0,
        switches_per_request: switches as f64 / requests,
        syscalls_per_request: syscalls / requests,
        kb_per_sendfile: bytes / sendfiles / 1024.0,
    }
}

/// System calls and sendfile(2) calls of a server's processes, counted by
/// `perf stat` (tracepoints: no hardware counters needed); `None` without perf.
struct Perf(Child);

impl Perf {
    /// `perf stat` of the counts, or with `record_args` `perf` with those.
    fn attach(pids: &[u32], record_args: &[&str]) -> Option<Self> {
        let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
        let stat = [
            "stat",
            "-x,",
            "-e",
            "raw_syscalls:sys_enter,syscalls:sys_enter_sendfile64",
        ];
        let args = if record_args.is_empty() {
            &stat[..]
        } else {
            record_args
        };
        let child = Command::new("perf")
            .args(args)
            .arg("-p")
            .arg(pids.join(","))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        std::thread::sleep(Duration::from_millis(300));
        Some(Self(child))
    }

    /// (system calls, sendfile calls) since attached.
    fn counts(self) -> (f64, f64) {
        let Self(child) = self;
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let out = child
            .wait_with_output()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .unwrap_or_default();
        let count = |event: &str| {
            out.lines()
                .find(|l| l.contains(event))
                .and_then(|l| l.split(',').next()?.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        (
            count("raw_syscalls:sys_enter"),
            count("sys_enter_sendfile64"),
        )
    }
}

/// The sample at quantile `q` of sorted samples.
fn quantile(v: &[f64], q: f64) -> f64 {
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// What phase 3 measured of one server.
struct Slow {
    peak: Mem,
    cpu_per_gb: f64,
    held: usize,
}

/// Phase 3: slow clients.
async fn slow_clients(s: &Server, len: u64) -> Slow {
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
            let mut peak = Mem::default();
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(Mem::of(&pids));
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
    let peak = sampler.await.unwrap_or_default();
    let total: u64 = got.iter().sum();
    Slow {
        peak,
        cpu_per_gb: (s.cpu_seconds() - cpu0) / (total as f64 / 1e9),
        held: got.iter().filter(|g| **g >= want).count(),
    }
}

/// A transcode that keeps every core busy, as a household's server has while someone
/// watches a film that needs one: frames counted from ffmpeg's `-progress` output.
struct Transcode {
    child: Child,
    frames: Arc<AtomicU64>,
}

impl Transcode {
    fn start() -> Self {
        let mut child = Command::new("ffmpeg")
            .args([
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1920x1080:rate=30",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-threads",
                "2",
                "-f",
                "null",
                "-",
                "-progress",
                "pipe:1",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("ffmpeg");
        let frames = Arc::new(AtomicU64::new(0));
        let out = child.stdout.take().unwrap();
        let counted = frames.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("frame=").and_then(|n| n.parse().ok()) {
                    counted.store(n, Ordering::Relaxed);
                }
            }
        });
        Self { child, frames }
    }

    /// Frames per second while `during` runs.
    async fn fps_during<T>(&self, during: impl std::future::Future<Output = T>) -> (f64, T) {
        let (f0, t0) = (self.frames.load(Ordering::Relaxed), Instant::now());
        let out = during.await;
        let frames = self.frames.load(Ordering::Relaxed) - f0;
        (frames as f64 / t0.elapsed().as_secs_f64(), out)
    }
}

impl Drop for Transcode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Phase 4's serving: requests per second and the p99 of a request's whole time (ms).
async fn household_serving(s: &Server, len: u64) -> (f64, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(HOUSEHOLD_CONNECTIONS)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(HOUSEHOLD_SECONDS);
    let tasks: Vec<_> = (0..HOUSEHOLD_CONNECTIONS)
        .map(|i| {
            let client = client.clone();
            let req = move |r| s.request(&client, Some(r));
            let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ (i as u64 + 1));
            async move {
                let mut times = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if let Ok(resp) = req(rng.range(len)).send().await {
                        if resp.status() == 206 && drain(resp).await == MIB {
                            times.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                }
                times
            }
        })
        .collect();
    let started = Instant::now();
    let mut times: Vec<f64> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flatten()
        .collect();
    times.sort_by(f64::total_cmp);
    let rps = times.len() as f64 / started.elapsed().as_secs_f64();
    (rps, quantile(&times, 0.99))
}

/// Memory summed over a server's processes, in MB.
#[derive(Debug, Default, Clone, Copy)]
struct Mem {
    anon: f64,
    pss: f64,
    rss: f64,
}

impl Mem {
    fn of(pids: &[u32]) -> Self {
        let kb = |text: &str, key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .unwrap_or(0.0)
                * 1024.0
                / 1e6
        };
        pids.iter().fold(Self::default(), |sum, p| {
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
            let rollup =
                std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).unwrap_or_default();
            Self {
                anon: sum.anon + kb(&status, "RssAnon:"),
                pss: sum.pss + kb(&rollup, "Pss:"),
                rss: sum.rss + kb(&status, "VmRSS:"),
            }
        })
    }

    fn max(self, other: Self) -> Self {
        Self {
            anon: self.anon.max(other.anon),
            pss: self.pss.max(other.pss),
            rss: self.rss.max(other.rss),
        }
    }
}

impl std::fmt::Display for Mem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "anon {:.1} / PSS {:.1} / RSS {:.1}",
            self.anon, self.pss, self.rss
        )
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The homestream variants of `BENCH_ALSO` ("name:KEY=VALUE,KEY=VALUE;...").
fn also() -> Vec<(String, Vec<(String, String)>)> {
    std::env::var("BENCH_ALSO")
        .unwrap_or_default()
        .split(';')
        .filter_map(|v| {
            let (name, env) = v.split_once(':')?;
            let env = env
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            Some((format!("homestream {name}"), env))
        })
        .collect()
}

/// Figures of one server over the rounds.
#[derive(Default)]
struct Figures {
    rps: Vec<f64>,
    cpu: Vec<f64>,
    switches: Vec<f64>,
    house_rps: Vec<f64>,
    house_p99: Vec<f64>,
    house_fps: Vec<f64>,
}

fn main() {
    let work = tempfile::tempdir().unwrap();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-media");
    std::fs::create_dir_all(&cache).unwrap();
    let file = media_file(&cache);
    let len = std::fs::metadata(&file).unwrap().len();
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let rounds = if quick { 1 } else { ROUNDS };
    println!(
        "commit {}; file: {} ({} MiB), {rounds} round(s), interleaved",
        commit(),
        file.display(),
        len / MIB,
    );
    let mut servers = vec![
        start_nginx(&cache, work.path(), true),
        start_nginx(&cache, work.path(), false),
        start_homestream("homestream", &cache, work.path(), false, &[]),
        start_homestream(
            "homestream (info)",
            &cache,
            work.path(),
            false,
            &[("HOMESTREAM_LOG__LEVEL".into(), "info".into())],
        ),
    ];
    for (name, env) in also() {
        servers.push(start_homestream(&name, &cache, work.path(), false, &env));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut fig: Vec<Figures> = servers.iter().map(|_| Figures::default()).collect();
    let mut alone_fps = Vec::new();
    for round in 1..=rounds {
        for (s, f) in servers.iter().zip(&mut fig) {
            let rps = rt.block_on(requests_per_second(s, len));
            let cost = rt.block_on(cpu_per_gb_at_fixed_load(s, len));
            println!(
                "round {round} {:<22} {rps:>6.0} req/s  {:.3} CPU s/GB at {:.0} MB/s; a request: {:.1} context switches, {:.1} system calls; {:.0} KiB a sendfile",
                s.name, cost.cpu_per_gb, cost.mb_per_s, cost.switches_per_request, cost.syscalls_per_request, cost.kb_per_sendfile
            );
            f.rps.push(rps);
            f.cpu.push(cost.cpu_per_gb);
            f.switches.push(cost.switches_per_request);
        }
        // The household: one transcode through the round, measured alone first.
        let transcode = Transcode::start();
        std::thread::sleep(Duration::from_secs(2));
        let (fps, ()) = rt.block_on(transcode.fps_during(async {
            tokio::time::sleep(Duration::from_secs(HOUSEHOLD_SECONDS)).await
        }));
        println!("round {round} household: the transcode alone {fps:.1} fps");
        alone_fps.push(fps);
        for (s, f) in servers.iter().zip(&mut fig) {
            let (fps, (rps, p99)) = rt.block_on(transcode.fps_during(household_serving(s, len)));
            println!(
                "round {round} household {:<22} {rps:>6.0} req/s  p99 {p99:.1} ms  transcode {fps:.1} fps",
                s.name
            );
            f.house_rps.push(rps);
            f.house_p99.push(p99);
            f.house_fps.push(fps);
        }
    }
    let slow: Vec<Option<Slow>> = servers
        .iter()
        .map(|s| {
            (!quick).then(|| {
                let slow = rt.block_on(slow_clients(s, len));
                println!(
                    "slow   {:<22} peak {} MB  {:.3} CPU s/GB  {}/{SLOW_CLIENTS} held at 1 MB/s",
                    s.name, slow.peak, slow.cpu_per_gb, slow.held
                );
                slow
            })
        })
        .collect();
    let names: Vec<String> = servers.iter().map(|s| s.name.clone()).collect();
    drop(servers);
    let idle: Vec<Mem> = (1..=rounds)
        .filter(|_| !quick)
        .map(|round| {
            let mem = idle_memory(&cache, work.path());
            println!(
                "idle   homestream round {round}: {mem} MB after start-up, a scan and a login"
            );
            mem
        })
        .collect();
    report(&names, &fig, &slow, median(alone_fps), &idle);
}

/// The table and the goals: each ratio against the better nginx in that figure.
fn report(names: &[String], fig: &[Figures], slow: &[Option<Slow>], alone_fps: f64, idle: &[Mem]) {
    let m = |v: &Vec<f64>| median(v.clone());
    // nginx at its best: the higher rate, the lower cost, of the two configurations.
    let best = |f: fn(&Figures) -> &Vec<f64>, higher: bool| {
        let (a, b) = (m(f(&fig[0])), m(f(&fig[1])));
        if higher == (a >= b) {
            a
        } else {
            b
        }
    };
    let rps = best(|f| &f.rps, true);
    let cpu = best(|f| &f.cpu, false);
    let house_rps = best(|f| &f.house_rps, true);
    let house_p99 = best(|f| &f.house_p99, false);
    println!();
    println!("| server | 1 MiB ranges req/s | CPU s/GB at 0.5 GB/s | wake-ups a request | household req/s | household p99 ms | transcode fps (alone {alone_fps:.1}) | 1,000 slow clients: peak MB anon / PSS / RSS | CPU s/GB | held |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (i, (name, f)) in names.iter().zip(fig).enumerate() {
        let slow = slow[i].as_ref().map_or("| | |".to_owned(), |s| {
            format!(
                "{:.1} / {:.1} / {:.1} | {:.3} | {}/{SLOW_CLIENTS}",
                s.peak.anon, s.peak.pss, s.peak.rss, s.cpu_per_gb, s.held
            )
        });
        println!(
            "| {name} | {:.0} ({:.2}x) | {:.3} ({:.2}x) | {:.1} | {:.0} ({:.2}x) | {:.1} ({:.2}x) | {:.1} | {slow} |",
            m(&f.rps), m(&f.rps) / rps,
            m(&f.cpu), m(&f.cpu) / cpu,
            m(&f.switches),
            m(&f.house_rps), m(&f.house_rps) / house_rps,
            m(&f.house_p99), m(&f.house_p99) / house_p99,
            m(&f.house_fps),
        );
    }
    println!("(medians of {} round(s); each ratio against the better nginx in that column; offered load in the CPU phase: {FIXED_RATE} x 1 MiB/s)", fig[0].rps.len());
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    let hs = &fig[2];
    let (rps_ratio, cpu_ratio) = (m(&hs.rps) / rps, m(&hs.cpu) / cpu);
    let (p99, nginx_p99) = (m(&hs.house_p99), house_p99);
    println!();
    println!("goals (homestream at `warn` against nginx at its best):");
    println!(
        "- requests per second at least 1.0x: {rps_ratio:.2}x, {}",
        check(rps_ratio >= 1.0)
    );
    println!(
        "- CPU per GB at fixed load at most 1.2x: {cpu_ratio:.2}x, {}",
        check(cpu_ratio <= 1.2)
    );
    println!(
        "- household p99 at most nginx's: {p99:.1} ms against {nginx_p99:.1} ms, {}; transcode {:.1} fps beside it (nginx {:.1}, alone {alone_fps:.1})",
        check(p99 <= nginx_p99),
        m(&hs.house_fps),
        m(&fig[0].house_fps).max(m(&fig[1].house_fps)),
    );
    if let Some(s) = &slow[2] {
        println!(
            "- 1,000 slow clients held: {}/{SLOW_CLIENTS}, peak {} MB",
            s.held, s.peak
        );
    }
    if !idle.is_empty() {
        let anon = median(idle.iter().map(|m| m.anon).collect());
        let rss = median(idle.iter().map(|m| m.rss).collect());
        println!(
            "- idle anonymous memory at most 8 MB: {anon:.1} MB, {} (VmRSS {rss:.1} MB)",
            check(anon <= 8.0)
        );
    }
    let info_cost = 1.0 - m(&fig[3].rps) / m(&hs.rps);
    println!(
        "- `info` logging costs under 10% of requests per second against `warn`: {:.1}%, {}",
        info_cost * 100.0,
        check(info_cost < 0.10)
    );
}
