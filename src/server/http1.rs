//! File transfers over HTTP/1.1 with sendfile(2), beside hyper.
//!
//! hyper writes a body from user-space buffers: each slow client holds a chunk while its
//! socket drains, and every byte crosses user space twice. For the requests that move
//! nearly all the bytes (a `GET` or `HEAD` under `/api/stream/` on an HTTP/1.1
//! connection), this module reads the request head itself, runs the same endpoint
//! (every middleware: authentication, limits, logging, metrics, security headers), and
//! when the answer is a file transfer ([`file::Deferred`]), writes its head and lets the
//! kernel copy the file into the socket: no buffer per connection and no copy through
//! user space. Other answers of those routes (errors, 304, 416) are written from their
//! bytes.
//!
//! Anything else (another path, another method, a request body, `Expect`, `Upgrade`,
//! HTTP/1.0, HTTP/2's preface) goes to hyper with the bytes already read, and the
//! connection stays with hyper from then on, so hyper's handling of the rest of HTTP is
//! unchanged. A head that does not parse (400) or is larger than 16 KiB (431) is
//! answered here, as problem+json with the security headers, and the connection closed.
//!
//! Data not yet in the page cache is read on the blocking pool first (a one-byte
//! `RWF_NOWAIT` probe at each end of every MiB tells), so a slow disk never stalls the
//! reactor.

use super::conns::Tracked;
use super::Limits;
use crate::api::error::{problem_from_poem_error, ApiError};
use crate::streaming::file::{self, Segment};
use crate::streaming::limits::StreamEnded;
use crate::streaming::Body;
use bytes::{Buf, Bytes, BytesMut};
use poem::http::{header, HeaderMap, StatusCode, Version};
use poem::IntoResponse;
use std::fs::File;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

pub type Endpoint = Arc<dyn poem::endpoint::DynEndpoint<Output = poem::Response>>;

/// Why a request framed by both `Content-Length` and `Transfer-Encoding` is refused.
const FRAMED_TWICE: &str = "a request cannot carry both Content-Length and Transfer-Encoding";

/// The routes served here.
const PREFIX: &str = "/api/stream/";
/// A request head larger than this is answered 431.
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// How long a client may accept no bytes at all before its connection is closed.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// The most one sendfile(2) call is asked for, and the span checked for page-cache
/// residency at once.
const WINDOW: u64 = 1 << 20;

/// One accepted connection.
pub struct Conn {
    pub stream: TcpStream,
    pub local: SocketAddr,
    pub peer: SocketAddr,
}

/// Serves `conn` while its requests are file transfers; gives back the connection,
/// with what was read of the next request, when hyper must take over, or `None` when
/// the connection is finished.
pub async fn serve(
    mut conn: Conn,
    endpoint: &Endpoint,
    mut shutdown: watch::Receiver<bool>,
    tracked: &Arc<Tracked>,
    limits: &Limits,
) -> Option<Prefixed> {
    let mut buf = BytesMut::new();
    loop {
        let waiting = Waiting {
            shutdown: &mut shutdown,
            tracked,
            limits,
        };
        let request = match next_request(&mut conn.stream, &mut buf, waiting).await {
            Next::Closed => return None,
            Next::Other => {
                return Some(Prefixed {
                    prefix: buf.freeze(),
                    io: conn.stream,
                    tracked: tracked.clone(),
                })
            }
            Next::Refused(status, detail) => {
                let _ = refuse(&conn.stream, status, detail).await;
                // The rest of a head too large may still be on its way.
                super::linger::close(&conn.stream, tracked);
                return None;
            }
            Next::Request(r) => r,
        };
        let _busy = tracked.busy();
        match respond(&conn, endpoint, request).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = conn.stream.shutdown().await;
                return None;
            }
            // The client went away or the transfer could not go on: a half-sent body
            // leaves nothing to do but close.
            Err(e) => {
                log_transfer_error(&e, conn.peer);
                if StreamEnded::is(&e) {
                    tracked.reset_on_close();
                    reset(&conn.stream);
                }
                return None;
            }
        }
    }
}

/// Makes the socket's close a reset (`SO_LINGER` 0): what it has not sent yet is
/// dropped, and the client's queued bytes with it.
pub fn reset(stream: &TcpStream) {
    let _ = rustix::net::sockopt::set_socket_linger(stream, Some(Duration::ZERO));
}

/// A client that went away is routine; anything else is worth a line.
fn log_transfer_error(e: &io::Error, peer: SocketAddr) {
    use io::ErrorKind as K;
    match e.kind() {
        K::BrokenPipe | K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => {
            tracing::debug!(error = %e, %peer, "transfer ended: client gone");
        }
        K::TimedOut => tracing::info!(error = %e, %peer, "transfer ended: client stopped reading"),
        _ => tracing::warn!(error = %e, %peer, "transfer failed"),
    }
}

#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and consumed at once; boxing would add an allocation per request"
)]
enum Next {
    Closed,
    Other,
    /// A head that cannot be served: 400 or 431, and why.
    Refused(StatusCode, &'static str),
    Request(Request),
}

/// What ends a wait for the next request head besides the head itself.
struct Waiting<'a> {
    shutdown: &'a mut watch::Receiver<bool>,
    tracked: &'a Tracked,
    limits: &'a Limits,
}

struct Request {
    parts: poem::http::request::Parts,
    head: bool,
    keep_alive: bool,
}

#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and consumed at once; boxing would add an allocation per request"
)]
enum Parse {
    Partial,
    Other,
    Invalid,
    /// Both `Content-Length` and `Transfer-Encoding`.
    FramedTwice,
    Complete(Request, usize),
}

async fn next_request(stream: &mut TcpStream, buf: &mut BytesMut, waiting: Waiting<'_>) -> Next {
    let Waiting {
        shutdown,
        tracked,
        limits,
    } = waiting;
    // Between requests the keep-alive timeout runs; from a head's first byte, the
    // header-read timeout.
    let mut started = !buf.is_empty();
    let mut deadline = tokio::time::Instant::now()
        + if started {
            limits.header_read_timeout
        } else {
            limits.keep_alive_timeout
        };
    loop {
        if !buf.is_empty() {
            match parse(buf) {
                Parse::Complete(request, len) => {
                    buf.advance(len);
                    if buf.is_empty() {
                        // Hold no buffer through a long transfer.
                        *buf = BytesMut::new();
                    }
                    return Next::Request(request);
                }
                Parse::Other => return Next::Other,
                Parse::Invalid => {
                    return Next::Refused(
                        StatusCode::BAD_REQUEST,
                        "the request head is not valid HTTP/1.1",
                    )
                }
                Parse::FramedTwice => return Next::Refused(StatusCode::BAD_REQUEST, FRAMED_TWICE),
                Parse::Partial if buf.len() >= MAX_HEAD => {
                    return Next::Refused(
                        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "the request head is larger than 16 KiB",
                    )
                }
                Parse::Partial => {}
            }
        } else if *shutdown.borrow() {
            return Next::Closed;
        }
        buf.reserve(4096);
        tokio::select! {
            read = stream.read_buf(buf) => match read {
                Ok(0) | Err(_) => return Next::Closed,
                Ok(_) if !started => {
                    started = true;
                    deadline = tokio::time::Instant::now() + limits.header_read_timeout;
                }
                Ok(_) => {}
            },
            () = tokio::time::sleep_until(deadline) => return Next::Closed,
            () = tracked.evicted() => return Next::Closed,
            _ = shutdown.changed(), if buf.is_empty() => return Next::Closed,
        }
    }
}

/// Answers a head that cannot be served, with the headers every answer carries, and
/// asks for the connection to close.
async fn refuse(stream: &TcpStream, status: StatusCode, detail: &'static str) -> io::Result<()> {
    let code = if status == StatusCode::BAD_REQUEST {
        "bad_request"
    } else {
        "header_too_large"
    };
    let mut resp = ApiError::new(status, code, detail).into_response();
    for (name, value) in crate::api::middleware::SECURITY_HEADERS {
        resp.headers_mut()
            .insert(name, poem::http::HeaderValue::from_static(value));
    }
    let body = resp.take_body().into_bytes().await.unwrap_or_default();
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, body.len().into());
    let mut out = head(status, resp.headers(), false);
    out.extend_from_slice(&body);
    write_all(stream, &out, false).await
}

/// Parses a request head; anything but a bodiless HTTP/1.1 `GET` or `HEAD` under
/// [`PREFIX`] is [`Parse::Other`].
fn parse(buf: &[u8]) -> Parse {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parse::Partial,
        // HTTP/2's preface is no HTTP/1 head: hyper speaks it.
        Err(_) if buf.starts_with(b"PRI * HTTP/2") => return Parse::Other,
        Err(_) => return Parse::Invalid,
    };
    // RFC 9112 section 6.3: a request framed both ways is refused, whatever its route
    // (behind a proxy that reads the other framing, the rest would be another request).
    let framing = |name: &str| {
        req.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    };
    if framing("content-length") && framing("transfer-encoding") {
        return Parse::FramedTwice;
    }
    let (Some(method), Some(path), Some(1)) = (req.method, req.path, req.version) else {
        return Parse::Other;
    };
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Parse::Other,
    };
    if !path.starts_with(PREFIX) {
        return Parse::Other;
    }
    let mut builder = poem::http::Request::builder()
        .method(method)
        .uri(path)
        .version(Version::HTTP_11);
    let mut keep_alive = true;
    for h in req.headers.iter() {
        let name = h.name;
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("transfer-encoding") || is("expect") || is("upgrade") {
            return Parse::Other;
        }
        if is("content-length") && h.value.trim_ascii() != b"0" {
            return Parse::Other;
        }
        if is("connection")
            && h.value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        {
            keep_alive = false;
        }
        builder = builder.header(name, h.value);
    }
    match builder.body(()) {
        Ok(req) => Parse::Complete(
            Request {
                parts: req.into_parts().0,
                head,
                keep_alive,
            },
            len,
        ),
        // A header or target `http` refuses: hyper answers it.
        Err(_) => Parse::Other,
    }
}

/// Answers one request; `Ok(true)` when the connection stays open for the next.
async fn respond(conn: &Conn, endpoint: &Endpoint, request: Request) -> io::Result<bool> {
    let parts = poem::RequestParts::from((
        request.parts,
        poem::web::LocalAddr(poem::Addr::SocketAddr(conn.local)),
        poem::web::RemoteAddr(poem::Addr::SocketAddr(conn.peer)),
        poem::http::uri::Scheme::HTTP,
    ));
    let req = poem::Request::from_parts(parts, poem::Body::empty());
    let mut resp = endpoint
        .call(req)
        .await
        .unwrap_or_else(problem_from_poem_error);
    let keep_alive = request.keep_alive
        && !resp
            .headers()
            .get(header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let status = resp.status();
    let transfer = file::Deferred::claim(&resp);
    let stream = &conn.stream;
    if let Some(transfer) = transfer {
        let head = head(status, resp.headers(), keep_alive);
        if request.head || transfer.segments.is_empty() {
            write_all(stream, &head, false).await?;
            return Ok(keep_alive);
        }
        write_all(stream, &head, true).await?;
        send_body(stream, transfer).await?;
        return Ok(keep_alive);
    }
    let bodiless = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let body = if bodiless {
        Bytes::new()
    } else {
        resp.take_body()
            .into_bytes()
            .await
            .map_err(io::Error::other)?
    };
    let headers = resp.headers_mut();
    headers.remove(header::TRANSFER_ENCODING);
    // A HEAD answer keeps the length it announces; others get their body's.
    let announced = request.head && headers.contains_key(header::CONTENT_LENGTH);
    if !bodiless && !announced {
        headers.insert(header::CONTENT_LENGTH, body.len().into());
    }
    let mut out = head(status, headers, keep_alive);
    if !request.head {
        out.extend_from_slice(&body);
    }
    write_all(stream, &out, false).await?;
    Ok(keep_alive)
}

/// The status line and headers, with `Date` (as hyper adds it) and, when the
/// connection closes after this response, `Connection: close`.
fn head(status: StatusCode, headers: &HeaderMap, keep_alive: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if name == header::CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !headers.contains_key(header::DATE) {
        out.extend_from_slice(b"date: ");
        with_http_date(|date| out.extend_from_slice(date));
        out.extend_from_slice(b"\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Calls `f` with the `Date` of now, formatted once per second per thread (as hyper
/// caches its own).
fn with_http_date<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    use std::cell::RefCell;
    thread_local! {
        static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != second {
            *text = crate::streaming::range::format_http_date(now);
            *at = second;
        }
        f(text.as_bytes())
    })
}

/// Writes `data`; `more` tells the kernel the body follows (`MSG_MORE`), so a head
/// and the start of its body leave in one packet.
async fn write_all(stream: &TcpStream, mut data: &[u8], more: bool) -> io::Result<()> {
    let flags = if more {
        rustix::net::SendFlags::MORE | rustix::net::SendFlags::NOSIGNAL
    } else {
        rustix::net::SendFlags::NOSIGNAL
    };
    while !data.is_empty() {
        match stream.try_io(Interest::WRITABLE, || {
            rustix::net::send(stream, data, flags).map_err(io::Error::from)
        }) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => writable(stream).await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn writable(stream: &TcpStream) -> io::Result<()> {
    tokio::time::timeout(SEND_TIMEOUT, stream.writable())
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading"))?
}

/// Sends a transfer's segments; the lease counts the bytes and is released when the
/// transfer is dropped, sent or not.
async fn send_body(stream: &TcpStream, mut body: Body) -> io::Result<()> {
    let segments = std::mem::take(&mut body.segments);
    let count = segments.len();
    for (i, segment) in segments.into_iter().enumerate() {
        let last = i + 1 == count;
        match segment {
            Segment::Literal(bytes) => {
                write_all(stream, &bytes, !last).await?;
                body.lease.sent(bytes.len() as u64);
            }
            Segment::File(range) => send_file(stream, &body, range).await?,
        }
    }
    body.lease.complete();
    Ok(())
}

async fn send_file(stream: &TcpStream, body: &Body, range: Range<u64>) -> io::Result<()> {
    let mut offset = range.start;
    let mut warm_until = offset;
    while offset < range.end {
        if body.lease.is_ended() {
            return Err(StreamEnded::error());
        }
        if offset >= warm_until {
            warm_until = (offset + WINDOW).min(range.end);
            if !cached(&body.file, offset, warm_until) {
                let (file, from, to) = (body.file.clone(), offset, warm_until);
                tokio::task::spawn_blocking(move || warm(&file, from, to))
                    .await
                    .map_err(io::Error::other)??;
            }
        }
        let want = usize::try_from(warm_until - offset).unwrap_or(usize::MAX);
        let mut at = offset;
        match stream.try_io(Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, &*body.file, Some(&mut at), want).map_err(io::Error::from)
        }) {
            Ok(0) => return Err(file::shorter()),
            Ok(n) => {
                offset += n as u64;
                body.lease.sent(n as u64);
                // Let the other connections on this thread have their turn.
                tokio::task::consume_budget().await;
            }
            // A slow client's socket is full: wait for room, or for the stream's end
            // (its session ended), which must not wait for the client to drain.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let ended = body.lease.end_signal();
                tokio::select! {
                    room = writable(stream) => room?,
                    () = ended.0.wait() => return Err(StreamEnded::error()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the first and last page of `from..to` are in the page cache (a read of one
/// byte each with `RWF_NOWAIT`, which fails rather than wait for the disk).
fn cached(file: &File, from: u64, to: u64) -> bool {
    let probe = |at: u64| {
        let mut byte = [0u8; 1];
        let flags = rustix::io::ReadWriteFlags::NOWAIT;
        matches!(
            rustix::io::preadv2(file, &mut [io::IoSliceMut::new(&mut byte)], at, flags),
            Ok(1)
        )
    };
    probe(from) && probe(to.saturating_sub(1).max(from))
}

/// Reads `from..to` once on a blocking thread, so that sendfile(2) finds it in memory.
fn warm(file: &File, mut from: u64, to: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut scratch = vec![0u8; 64 * 1024];
    while from < to {
        let want = usize::try_from(to - from)
            .unwrap_or(usize::MAX)
            .min(scratch.len());
        match file.read_at(&mut scratch[..want], from)? {
            0 => return Err(file::shorter()),
            n => from += n as u64,
        }
    }
    Ok(())
}

/// A connection handed to hyper, with the bytes already read from it.
pub struct Prefixed {
    prefix: Bytes,
    io: TcpStream,
    /// Its place in the registry, kept while it lingers.
    tracked: Arc<Tracked>,
}

impl Prefixed {
    /// A connection hyper gets from its first byte (the sendfile path is off).
    pub fn whole(io: TcpStream, tracked: Arc<Tracked>) -> Self {
        Self {
            prefix: Bytes::new(),
            io,
            tracked,
        }
    }
}

/// hyper answers a body over the limit (413) without reading it, and closes: the
/// socket lingers so that the client, still uploading, reads the answer. A connection
/// whose transfer was cut because its stream ended is reset instead.
impl Drop for Prefixed {
    fn drop(&mut self) {
        if self.tracked.resets_on_close() {
            reset(&self.io);
            return;
        }
        super::linger::close(&self.io, &self.tracked);
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Option<Request> {
        match parse(raw.as_bytes()) {
            Parse::Complete(r, len) => {
                assert_eq!(len, raw.len());
                Some(r)
            }
            _ => None,
        }
    }

    #[test]
    fn only_bodiless_http11_stream_requests_are_taken() {
        let r = parsed("GET /api/stream/abc HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n")
            .expect("a stream GET is taken");
        assert!(!r.head && r.keep_alive);
        assert_eq!(r.parts.uri.path(), "/api/stream/abc");
        assert_eq!(r.parts.headers["range"], "bytes=0-1");
        let r = parsed("HEAD /api/stream/abc HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n")
            .expect("a stream HEAD is taken");
        assert!(r.head && !r.keep_alive);
        assert!(parsed("GET /api/stream/a HTTP/1.1\r\nContent-Length: 0\r\n\r\n").is_some());

        for other in [
            "GET /api/videos HTTP/1.1\r\n\r\n",
            "POST /api/stream/abc HTTP/1.1\r\nContent-Length: 1\r\n\r\n",
            "GET /api/stream/abc HTTP/1.0\r\n\r\n",
            "GET /api/stream/abc HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
            "GET /api/stream/abc HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /api/stream/abc HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET /api/stream/abc HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            "GET http://host/api/stream/abc HTTP/1.1\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ] {
            assert!(
                matches!(parse(other.as_bytes()), Parse::Other),
                "{other:?} goes to hyper"
            );
        }
        assert!(matches!(
            parse(b"GET /api/stream/abc HTTP/1.1\r\nHost: x\r\n"),
            Parse::Partial
        ));
        // Not HTTP at all: answered here (400), not handed on.
        for invalid in [
            "GET /api/stream/\x01 HTTP/1.1\r\n\r\n",
            "GARBAGE\x01\r\n\r\n",
        ] {
            assert!(
                matches!(parse(invalid.as_bytes()), Parse::Invalid),
                "{invalid:?} is refused"
            );
        }
        for twice in [
            "POST /api/auth/login HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /api/stream/x HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n",
        ] {
            assert!(
                matches!(parse(twice.as_bytes()), Parse::FramedTwice),
                "{twice:?} is refused whatever its route"
            );
        }
    }

    #[test]
    fn a_head_carries_the_date_and_says_when_the_connection_closes() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, 5.into());
        headers.insert(header::CONNECTION, "keep-alive".parse().unwrap());
        let text = String::from_utf8(head(StatusCode::PARTIAL_CONTENT, &headers, false)).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 206 Partial Content\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\ncontent-length: 5\r\n"), "{text}");
        assert!(text.contains("\r\ndate: "), "{text}");
        assert!(text.ends_with("connection: close\r\n\r\n"), "{text}");
        assert_eq!(text.matches("connection").count(), 1, "{text}");
    }
}
