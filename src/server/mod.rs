//! The accept loop: connections, their limits and timeouts, the HTTP/1.1 sendfile
//! path, and the hand-over to hyper.
//!
//! # A connection's life
//! 0. **Which thread.** With one pinned thread per CPU ([`cores`], the default on more
//!    than one CPU), the connection goes to the socket of the CPU its packets arrive
//!    on, and that CPU's thread runs every step below for it.
//! 1. **Accept.** [`serve`] accepts, sets `TCP_NODELAY`, and admits the connection to
//!    the [`conns::Registry`] (`server.max_connections`; when full, the connection idle
//!    longest is closed to make room, or the new one is closed when all are busy).
//! 2. **sendfile path.** [`http1::serve`] reads request heads itself. A bodiless
//!    HTTP/1.1 `GET`/`HEAD` under `/api/stream/` runs through the same poem endpoint
//!    (every middleware) and, when the answer is a file transfer, the kernel copies the
//!    file into the socket. A head that does not parse, or is too large, is answered
//!    here (400, 431) with the same security headers as every other answer.
//! 3. **Hand-over.** Anything else (another route or method, a body, HTTP/1.0, HTTP/2's
//!    preface, `Upgrade`) is handed to hyper with the bytes already read
//!    ([`http1::Prefixed`]), and the connection stays with hyper. The hand-over is one
//!    way: hyper cannot give a connection back.
//!
//! # Timeouts
//! On both paths: a request head must arrive within `server.header_read_timeout` of
//! its first byte, and a connection with no request in progress and no byte moved for
//! `server.keep_alive_timeout` is closed. A client that accepts no bytes of a transfer
//! for 60 s is closed (nginx's `send_timeout`).
//!
//! # Closing
//! A connection closed with bytes its client sent still unread (a 413 for a body over
//! the limit, a 431 for a head too large) lingers briefly, reading and discarding, so
//! the client reads the answer instead of a reset ([`linger`], nginx's
//! `lingering_close`). A connection whose media transfer's stream ended (its session
//! ended, an administrator ended it) is reset at once instead, on either path, even
//! while it waits for a slow client: what it has not sent, and what the client has
//! not read, goes.
//!
//! # Shutdown
//! When the shutdown future completes, the listener is dropped (new connections are
//! refused by the kernel), sendfile connections finish their transfer and close
//! instead of reading another head, hyper's connections are told to finish gracefully,
//! and [`serve`] returns when all are done or after the shutdown timeout.

pub mod conns;
pub mod cores;
pub mod http1;
pub mod linger;
pub mod memory;

use crate::error::problem_from_poem_error;
use crate::streaming::limits::EndSignal;
use conns::{Registry, Tracked};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use http1::Endpoint;

/// Pending connections the kernel keeps while all workers are busy: a player opening
/// many range requests at once, or a burst of clients, must not overflow it.
const LISTEN_BACKLOG: u32 = 4096;

/// The limits every connection lives under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub keep_alive_timeout: Duration,
    /// Whether stream requests may be answered with sendfile(2).
    pub sendfile: bool,
    /// Whether a listener in a `SO_REUSEPORT` group is served by one pinned thread per
    /// CPU ([`cores`]).
    pub accept_per_cpu: bool,
}

impl Limits {
    /// From the settings; a `max_connections` of 0 means three quarters of the open
    /// file limit (`ulimit -n`), leaving the rest for files, the database, Redis and
    /// ffmpeg.
    pub fn from_settings(server: &crate::config::ServerSettings) -> Self {
        let max_connections = match server.max_connections {
            0 => {
                let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
                    .current
                    .unwrap_or(65_536);
                usize::try_from(soft.saturating_mul(3) / 4)
                    .unwrap_or(usize::MAX)
                    .max(16)
            }
            n => n as usize,
        };
        Self {
            max_connections,
            header_read_timeout: server.header_read_timeout.get(),
            keep_alive_timeout: server.keep_alive_timeout.get(),
            sendfile: server.sendfile,
            accept_per_cpu: server.accept_per_cpu,
        }
    }
}

/// A listening socket handed over by whoever started this process, systemd's way
/// (socket activation): `LISTEN_FDS=1` with the socket as descriptor 3, and
/// `LISTEN_PID`, when set, naming this process. The tests start the server on a port
/// they have bound themselves this way, so no port is ever released and raced for.
pub fn inherited_listener() -> Option<std::net::TcpListener> {
    use std::os::fd::FromRawFd;
    let fds: u32 = std::env::var("LISTEN_FDS").ok()?.parse().ok()?;
    let for_us = std::env::var("LISTEN_PID")
        .ok()
        .is_none_or(|pid| pid.parse() == Ok(std::process::id()));
    if fds != 1 || !for_us {
        return None;
    }
    // SAFETY: descriptor 3 was handed to this process to own (the protocol's contract);
    // it is checked to be a listening TCP socket before use.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    listener.local_addr().ok()?;
    listener.set_nonblocking(true).ok()?;
    Some(listener)
}

/// Binds a listener with a deep backlog. With `group`, the socket is the first of an
/// `SO_REUSEPORT` group that [`serve`] spreads over the CPUs; a port some process
/// already listens on is refused all the same (checked with a plain socket first, since
/// a group would let a second server of the same user join it silently).
pub fn bind(addr: std::net::SocketAddr, group: bool) -> std::io::Result<tokio::net::TcpListener> {
    let socket = || {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        std::io::Result::Ok(socket)
    };
    if group && addr.port() != 0 {
        let probe = socket()?;
        probe.bind(addr)?;
        drop(probe.listen(1)?);
    }
    if group {
        return tokio::net::TcpListener::from_std(cores::join(addr, LISTEN_BACKLOG)?);
    }
    let socket = socket()?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Accepts and serves connections until `shutdown` completes, then lets open requests
/// finish for up to `timeout`.
///
/// A listener bound as a group ([`bind`], or handed over with `SO_REUSEPORT` set) is
/// served, when `limits.accept_per_cpu` and more than one CPU is allowed, by one thread
/// per CPU, pinned to it, each with a single-threaded runtime and its own socket in the
/// group ([`cores`]): a connection is accepted and all its requests served on the CPU
/// that receives its packets. Work a request starts (a transcode's supervisor, a scan)
/// runs on that thread's runtime too. Any other listener is served on the caller's
/// runtime.
///
/// The returned [`Threads`] keeps the per-CPU runtimes alive (parked) until dropped:
/// database and Redis connections opened during a request belong to the runtime that
/// opened them, so it must outlive their last use (the caller drops it after closing
/// the database pool).
pub async fn serve(
    listener: tokio::net::TcpListener,
    endpoint: Endpoint,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeout: Duration,
    limits: Limits,
) -> Threads {
    let serving = Serving {
        endpoint,
        registry: Registry::new(limits.max_connections),
        timeout,
        limits,
    };
    let cpus = cores::allowed();
    if limits.accept_per_cpu && cpus.len() > 1 && cores::in_group(&listener) {
        match listener.into_std() {
            Ok(first) => match cores::spread(&first, &cpus, LISTEN_BACKLOG) {
                Ok(more) => {
                    let listeners = std::iter::once(first).chain(more).zip(cpus).collect();
                    return serve_per_cpu(listeners, serving, shutdown).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open a socket per CPU; serving on one");
                    match tokio::net::TcpListener::from_std(first) {
                        Ok(listener) => serve_one(listener, serving, shutdown).await,
                        Err(e) => tracing::error!(error = %e, "cannot serve the listener"),
                    }
                }
            },
            Err(e) => tracing::error!(error = %e, "cannot serve the listener"),
        }
        return Threads::none();
    }
    serve_one(listener, serving, shutdown).await;
    Threads::none()
}

/// The per-CPU connection threads of [`serve`]: dropping this lets their runtimes end
/// (each waits up to a second for its blocking tasks).
#[must_use = "dropping it ends the per-CPU runtimes"]
pub struct Threads {
    _release: Option<tokio::sync::watch::Sender<()>>,
}

impl Threads {
    fn none() -> Self {
        Self { _release: None }
    }
}

/// What every accept loop of one [`serve`] shares.
#[derive(Clone)]
struct Serving {
    endpoint: Endpoint,
    /// Shared by all loops, so `server.max_connections` bounds them together.
    registry: Arc<Registry>,
    /// How long a shutdown waits for open requests.
    timeout: Duration,
    limits: Limits,
}

/// [`serve`] on the caller's runtime, one accept loop.
async fn serve_one(
    listener: tokio::net::TcpListener,
    serving: Serving,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // The loop runs as a task of its own, on a worker: awaited in `block_on`, it would
    // run on the main thread, and each connection would wait for two wake-ups between
    // threads (the I/O driver's worker wakes the main thread to accept, which wakes a
    // worker to read) before its first byte. On a worker, the thread that sees the
    // listener ready accepts, and runs the connection's task next, itself.
    // Dropping this future (a caller's `select!`, an aborted task) stops the loop too.
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut accepting = AbortOnDrop(tokio::spawn(accept_loop(listener, serving, shutdown, None)));
    match (&mut accepting.0).await {
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        _ => {}
    }
}

/// [`serve`] with one pinned thread per `(socket, CPU)`. Dropping this future (before
/// or after `shutdown`) stops the threads' accept loops as a shutdown does.
async fn serve_per_cpu(
    listeners: Vec<(std::net::TcpListener, usize)>,
    serving: Serving,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Threads {
    use tokio::sync::{oneshot, watch};
    // `stop` ends the accept loops when it says so or is dropped; the runtimes wait
    // for `release` to be dropped.
    let (stop, stopping) = watch::channel(false);
    let (release, released) = watch::channel(());
    let mut ended = Vec::with_capacity(listeners.len());
    let shares = cores::shares(listeners.len());
    let port = listeners
        .first()
        .and_then(|(l, _)| l.local_addr().ok())
        .map_or(0, |a| a.port());
    for ((listener, cpu), share) in listeners.into_iter().zip(shares) {
        let (done, end) = oneshot::channel::<()>();
        let ctx = (
            serving.clone(),
            share,
            stopping.clone(),
            released.clone(),
            done,
        );
        let spawned = std::thread::Builder::new()
            .name(format!("http{port}:cpu{cpu}"))
            .spawn(move || connection_thread(listener, cpu, ctx));
        match spawned {
            Ok(_) => ended.push(end),
            Err(e) => tracing::error!(cpu, error = %e, "cannot start the connection thread"),
        }
    }
    let count = ended.len();
    tracing::debug!(threads = count, "serving one connection thread per CPU");
    let all_ended = futures_util::future::join_all(ended);
    tokio::pin!(all_ended);
    tokio::select! {
        () = shutdown => {}
        _ = &mut all_ended => tracing::error!("every connection thread has stopped"),
    }
    let _ = stop.send(true);
    all_ended.await;
    Threads {
        _release: Some(release),
    }
}

/// One per-CPU thread: pinned to `cpu`, a single-threaded runtime accepting on
/// `listener` until `stopping`, then kept running (its tasks, its I/O driver) until
/// `released`. `done` is sent when its accept loop has finished, or dropped if it fails.
fn connection_thread(
    listener: std::net::TcpListener,
    cpu: usize,
    (serving, share, mut stopping, mut released, done): (
        Serving,
        cores::Share<Tracked>,
        tokio::sync::watch::Receiver<bool>,
        tokio::sync::watch::Receiver<()>,
        tokio::sync::oneshot::Sender<()>,
    ),
) {
    if let Err(e) = cores::pin(cpu) {
        tracing::warn!(cpu, error = %e, "cannot pin the connection thread to its CPU");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(32)
        .thread_keep_alive(Duration::from_secs(2))
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(cpu, error = %e, "cannot start the connection thread's runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(cpu, error = %e, "cannot serve the CPU's listener");
                return;
            }
        };
        let stop = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        accept_loop(listener, serving, stop, Some(share)).await;
        let _ = done.send(());
        while released.changed().await.is_ok() {}
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    serving: Serving,
    shutdown: impl Future<Output = ()> + Send + 'static,
    share: Option<cores::Share<Tracked>>,
) {
    let Serving {
        endpoint,
        registry,
        timeout,
        limits,
    } = serving;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let (placer, mut inbox) = match share {
        Some(share) => (Some(share.placer), Some(share.inbox)),
        None => (None, None),
    };
    // Connections in the sendfile path: told to stop taking requests by `stopping`,
    // and each holds a permit of `open` until it ends.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let open = Arc::new(tokio::sync::Semaphore::new(u32::MAX as usize));
    let local = listener
        .local_addr()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
    tokio::pin!(shutdown);
    let mut failed_accepts = (0u64, Instant::now() - Duration::from_secs(1));
    loop {
        // Admitted before it may be handed to another thread, so that connections in
        // the hand-over queue count against `server.max_connections` too.
        let (stream, peer, tracked, counted) = tokio::select! {
            (stream, peer) = accept(&listener, &mut failed_accepts) => {
                let Some(tracked) = registry.admit() else {
                    tracing::debug!(%peer, "connection refused: server.max_connections, all busy");
                    continue;
                };
                match &placer {
                    Some(placer) => match placer.place(stream, peer, tracked) {
                        Some((stream, tracked, open)) => (stream, peer, tracked, Some(open)),
                        None => {
                            registry.settle().await;
                            continue;
                        }
                    },
                    None => (stream, peer, tracked, None),
                }
            },
            Some((stream, peer, tracked, open)) = handed(&mut inbox) => {
                (stream, peer, tracked, Some(open))
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = http1::Conn {
            stream,
            local,
            peer,
        };
        let ctx = (endpoint.clone(), stopping.clone(), graceful.watcher());
        tokio::spawn(connection(conn, ctx, (tracked, counted), permit, limits));
        registry.settle().await;
    }
    drop(listener);
    let _ = stop.send(true);
    let all = async {
        graceful.shutdown().await;
        let _ = open.acquire_many(u32::MAX).await;
    };
    tokio::select! {
        () = all => {}
        () = tokio::time::sleep(timeout) => tracing::warn!("shutdown timeout: closing open connections"),
    }
}

/// The next connection handed to this thread by another per-CPU thread; never, on one
/// socket.
async fn handed(
    inbox: &mut Option<cores::Inbox<Tracked>>,
) -> Option<(
    tokio::net::TcpStream,
    std::net::SocketAddr,
    Tracked,
    cores::Open,
)> {
    match inbox {
        Some(inbox) => inbox.next().await,
        None => std::future::pending().await,
    }
}

/// The next connection. A failed accept (out of descriptors, a reset before accept)
/// waits a moment and goes on; it is said once a second at most, with the count.
async fn accept(
    listener: &tokio::net::TcpListener,
    failed: &mut (u64, Instant),
) -> (tokio::net::TcpStream, std::net::SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(conn) => return conn,
            Err(e) => {
                failed.0 += 1;
                if failed.1.elapsed() >= Duration::from_secs(1) {
                    tracing::warn!(error = %e, failed = failed.0, "accept failed");
                    *failed = (0, Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// One connection's life: the sendfile path while its requests are file transfers,
/// then hyper if it hands over. `permit` marks it open for the shutdown's count while
/// in the sendfile path (hyper's graceful watcher counts it after).
async fn connection(
    conn: http1::Conn,
    (endpoint, stopping, watcher): (
        Endpoint,
        tokio::sync::watch::Receiver<bool>,
        hyper_util::server::graceful::Watcher,
    ),
    (tracked, _open): (Tracked, Option<cores::Open>),
    permit: tokio::sync::OwnedSemaphorePermit,
    limits: Limits,
) {
    let tracked = Arc::new(tracked);
    let (local, peer) = (conn.local, conn.peer);
    let rest = if limits.sendfile {
        http1::serve(conn, &endpoint, stopping, &tracked, &limits).await
    } else {
        Some(http1::Prefixed::whole(conn.stream, tracked.clone()))
    };
    drop(permit);
    if let Some(io) = rest {
        serve_hyper(io, endpoint, (local, peer), tracked, watcher, &limits).await;
    }
}

/// Serves a connection handed over to hyper, closing it when it is evicted or has had
/// no request in progress and no byte moved for the keep-alive timeout.
async fn serve_hyper(
    io: http1::Prefixed,
    endpoint: Endpoint,
    (local, peer): (std::net::SocketAddr, std::net::SocketAddr),
    tracked: Arc<Tracked>,
    watcher: hyper_util::server::graceful::Watcher,
    limits: &Limits,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let last = Arc::new(AtomicU64::new(now_ms()));
    let io = Watched {
        inner: io,
        last: last.clone(),
        pending: Vec::new(),
    };
    let requests = tracked.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let endpoint = endpoint.clone();
        let busy = requests.busy();
        let local = poem::web::LocalAddr(poem::Addr::SocketAddr(local));
        let remote = poem::web::RemoteAddr(poem::Addr::SocketAddr(peer));
        async move {
            let req = poem::Request::from((req, local, remote, poem::http::uri::Scheme::HTTP));
            let resp = endpoint
                .call(req)
                .await
                .unwrap_or_else(problem_from_poem_error);
            // A media transfer: when its stream ends (its session ended, an
            // administrator ended it), the connection is reset at once, even while hyper
            // waits for a slow client to make room.
            // The watch ends with the response (its body dropped).
            let done = resp.extensions().get::<EndSignal>().cloned().map(|ended| {
                let conn = busy.conn_arc();
                let (done, finished) = tokio::sync::oneshot::channel::<()>();
                tokio::spawn(async move {
                    tokio::select! {
                        () = ended.0.wait() => conn.abort(),
                        _ = finished => {}
                    }
                });
                done
            });
            let resp = hyper::Response::from(resp).map(|body| Guarded {
                body,
                _busy: busy,
                _done: done,
            });
            Ok::<_, std::convert::Infallible>(resp)
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let conn = builder
        .serve_connection_with_upgrades(TokioIo::new(io), service)
        .into_owned();
    let conn = watcher.watch(conn);
    tokio::pin!(conn);
    let idle_limit = u64::try_from(limits.keep_alive_timeout.as_millis()).unwrap_or(u64::MAX);
    let check_every =
        (limits.keep_alive_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = &mut conn => return,
            () = tracked.evicted() => return,
            () = tokio::time::sleep(check_every) => {
                let quiet = now_ms().saturating_sub(last.load(Ordering::Relaxed));
                if quiet >= idle_limit && tracked.is_idle() {
                    return;
                }
            }
        }
    }
}

/// Milliseconds on a process-wide monotonic clock.
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    u64::try_from(START.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A response body that keeps its connection marked busy until it is done.
struct Guarded<B> {
    body: B,
    _busy: conns::Busy,
    /// Ends the watch of a media transfer's stream when the body is dropped.
    _done: Option<tokio::sync::oneshot::Sender<()>>,
}

impl<B: hyper::body::Body<Error = std::io::Error> + Unpin> hyper::body::Body for Guarded<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Err(e))) = &polled {
            if crate::streaming::limits::StreamEnded::is(e) {
                self._busy.conn().reset_on_close();
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// I/O that records when it last moved a byte, and gives hyper's own answers (the 400
/// or 431 it writes itself for a request head it cannot parse, with no endpoint
/// involved) the security headers every other answer carries.
struct Watched<T> {
    inner: T,
    last: Arc<AtomicU64>,
    /// A patched head still to be written before anything else.
    pending: Vec<u8>,
}

impl<T> Watched<T> {
    fn moved(&self, n: usize) {
        if n > 0 {
            self.last.store(now_ms(), Ordering::Relaxed);
        }
    }
}

impl<T: AsyncWrite + Unpin> Watched<T> {
    /// Writes what is pending; ready once nothing is.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                    self.moved(n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// hyper's own error answer (a 4xx head with no body and none of the security
/// headers, which every answer from the endpoint has) with the headers added; `None`
/// for anything else.
fn with_security_headers(data: &[u8]) -> Option<Vec<u8>> {
    if !(data.starts_with(b"HTTP/1.1 4") || data.starts_with(b"HTTP/1.0 4")) {
        return None;
    }
    let end = data.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = data[..end].to_ascii_lowercase();
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if has(b"x-content-type-options") || !has(b"content-length: 0") {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() + 160);
    out.extend_from_slice(&data[..end + 2]);
    for (name, value) in crate::api::middleware::SECURITY_HEADERS {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(&data[end + 2..]);
    Some(out)
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.moved(n);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Some(patched) = with_security_headers(data) {
            this.pending = patched;
            // Written from `pending` now or on the flush hyper does next.
            if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(data.len()));
        }
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = polled {
            this.moved(n);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty());
        if !self.pending.is_empty() || first.is_some_and(|b| with_security_headers(b).is_some()) {
            // Rare (hyper's own error heads): the plain path handles them.
            let data = first.map_or(&[][..], |b| &b[..]);
            return self.poll_write(cx, data);
        }
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            self.moved(n);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_s_own_bare_error_heads_get_the_headers() {
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let patched = String::from_utf8(with_security_headers(own).unwrap()).unwrap();
        assert!(patched.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"));
        assert!(patched.contains("x-content-type-options: nosniff\r\n"));
        assert!(
            patched.ends_with("referrer-policy: no-referrer\r\n\r\n"),
            "{patched}"
        );
        let ours = b"HTTP/1.1 404 Not Found\r\nx-content-type-options: nosniff\r\ncontent-length: 0\r\n\r\n";
        assert!(with_security_headers(ours).is_none());
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n{\"a\":1}";
        assert!(with_security_headers(with_body).is_none());
        assert!(with_security_headers(b"\x47\x40 ts packet").is_none());
        assert!(with_security_headers(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
