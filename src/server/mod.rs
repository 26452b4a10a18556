//! The accept loop: connections, their limits and timeouts, the HTTP/1.1 sendfile
//! path, and the hand-over to hyper.
//!
//! # A connection's life
//! Everything runs on the shared runtime, the connection's task on whichever worker
//! the I/O driver wakes, and the work a request starts (a scan, a transcode's
//! supervisor, a database connection) beside it.
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
pub mod http1;
pub mod linger;
pub mod memory;

use crate::api::error::problem_from_poem_error;
use crate::streaming::limits::EndSignal;
use conns::{now_ms, Registry, Tracked};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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

/// Binds a listener with a deep backlog.
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Accepts and serves connections until `shutdown` completes, then lets open requests
/// finish for up to `timeout`.
///
/// The accept loop runs as a task of its own on a worker: awaited in `block_on`, it
/// would run on the main thread, and each connection would wait for two wake-ups
/// between threads (the I/O driver's worker wakes the main thread to accept, which
/// wakes a worker to read) before its first byte. On a worker, the thread that sees the
/// listener ready accepts, and runs the connection's task next, itself. Dropping this
/// future (a caller's `select!`, an aborted task) stops the loop too.
pub async fn serve(
    listener: tokio::net::TcpListener,
    endpoint: Endpoint,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeout: Duration,
    limits: Limits,
) {
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let registry = Registry::new(limits.max_connections);
    let accepting = accept_loop(listener, endpoint, registry, shutdown, (timeout, limits));
    let mut accepting = AbortOnDrop(tokio::spawn(accepting));
    match (&mut accepting.0).await {
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        _ => {}
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    endpoint: Endpoint,
    registry: Arc<Registry>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    (timeout, limits): (Duration, Limits),
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // Connections in the sendfile path: told to stop taking requests by `stopping`,
    // and counted by the permits they hold.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let open = Arc::new(tokio::sync::Semaphore::new(u32::MAX as usize));
    let local = listener
        .local_addr()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
    tokio::pin!(shutdown);
    let mut failed_accepts = (0u64, Instant::now() - Duration::from_secs(1));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener, &mut failed_accepts) => accepted,
            () = &mut shutdown => break,
        };
        let Some(tracked) = registry.admit() else {
            tracing::debug!(%peer, "connection refused: server.max_connections, all busy");
            continue;
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
        tokio::spawn(connection(conn, ctx, tracked, permit, limits));
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
    tracked: Tracked,
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

/// I/O that records when it last moved a byte.
struct Watched<T> {
    inner: T,
    last: Arc<AtomicU64>,
}

impl<T> Watched<T> {
    fn moved<R>(
        &self,
        polled: Poll<std::io::Result<R>>,
        n: impl FnOnce(&R) -> usize,
    ) -> Poll<std::io::Result<R>> {
        if let Poll::Ready(Ok(r)) = &polled {
            if n(r) > 0 {
                self.last.store(now_ms(), Ordering::Relaxed);
            }
        }
        polled
    }
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
        self.moved(polled, |()| n)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.moved(polled, |n| *n)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.moved(polled, |n| *n)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
