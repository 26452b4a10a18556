//! The response body of a file transfer: an async stream of chunks of at most
//! `chunk_size` bytes.
//!
//! Two things keep it lean on a small machine:
//! - **One chunk in flight, one buffer.** Each chunk is a `Bytes` whose owner hands its
//!   buffer back when the connection has dropped it (written it to the socket); the
//!   next chunk is read only then, into the same buffer. hyper would otherwise queue
//!   several hundred KiB per connection, so a thousand slow clients would cost hundreds
//!   of MB; this way each costs one buffer, allocated once.
//! - **No thread hop for cached data.** A read first tries `preadv2(RWF_NOWAIT)` on the
//!   async thread, which succeeds only when the bytes are already in the page cache;
//!   anything that would touch the disk goes to the blocking pool as before, so a slow
//!   disk never stalls the reactor.

use super::limits::StreamLease;
use bytes::Bytes;
use futures_util::Stream;
use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use tokio::sync::Notify;

/// One piece of a response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Bytes to send as they are (multipart headers).
    Literal(Bytes),
    /// A range of the file.
    File(Range<u64>),
}

struct State {
    file: Arc<File>,
    segments: VecDeque<Segment>,
    chunk: usize,
    lease: Option<StreamLease>,
    /// Where the chunk handed out comes back when the connection drops it.
    returned: Arc<Returned>,
    in_flight: bool,
}

/// The one buffer of a transfer, on its way back from the connection: reusing it
/// saves an allocation, its zeroing and its page faults per chunk.
#[derive(Default)]
struct Returned {
    notify: Notify,
    buffer: std::sync::Mutex<Option<Vec<u8>>>,
}

impl Returned {
    fn take(&self) -> Option<Vec<u8>> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A chunk's bytes; dropping it hands the buffer back and lets the transfer read the
/// next chunk.
struct Chunk {
    data: Vec<u8>,
    returned: Arc<Returned>,
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        *self
            .returned
            .buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(data);
        self.returned.notify.notify_one();
    }
}

/// A body streaming `segments` from `file`. The lease, if any, counts the bytes, stops
/// the transfer when its stream is ended, and is released when the body is dropped.
pub fn body(
    file: Arc<File>,
    segments: Vec<Segment>,
    chunk: usize,
    lease: Option<StreamLease>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let state = State {
        file,
        segments: segments.into(),
        chunk: chunk.max(4096),
        lease,
        returned: Arc::default(),
        in_flight: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.lease.as_ref().is_some_and(StreamLease::is_ended) {
            state.segments.clear();
            return Some((Err(super::limits::StreamEnded::error()), state));
        }
        let item = match state.segments.pop_front()? {
            Segment::Literal(bytes) => Ok(bytes),
            Segment::File(range) if range.is_empty() => return Some((Ok(Bytes::new()), state)),
            Segment::File(range) => state.next_chunk(range).await,
        };
        if let (Ok(bytes), Some(lease)) = (&item, state.lease.as_mut()) {
            lease.sent(bytes.len() as u64);
            if state.segments.is_empty() {
                lease.complete();
            }
        }
        Some((item, state))
    })
}

impl State {
    /// Reads the next chunk of `range` (from the page cache when it is there, else on a
    /// blocking thread) and puts back what is left of the range.
    async fn next_chunk(&mut self, range: Range<u64>) -> io::Result<Bytes> {
        if self.in_flight {
            self.returned.notify.notified().await;
        }
        let want = (range.end - range.start).min(self.chunk as u64) as usize;
        let start = range.start;
        // The read overwrites what the buffer held; only growth needs zeroing.
        let mut buf = self.returned.take().unwrap_or_default();
        buf.resize(want, 0);
        let read = match read_cached(&self.file, start, buf) {
            Ok(read) => read,
            Err(buf) => {
                let file = self.file.clone();
                tokio::task::spawn_blocking(move || read_at(&file, start, buf))
                    .await
                    .unwrap_or_else(|e| Err(io::Error::other(e)))
            }
        };
        match read {
            Ok(data) => {
                self.in_flight = true;
                let next = range.start + data.len() as u64;
                if next < range.end {
                    self.segments.push_front(Segment::File(next..range.end));
                }
                Ok(Bytes::from_owner(Chunk {
                    data,
                    returned: self.returned.clone(),
                }))
            }
            Err(e) => {
                self.segments.clear();
                Err(e)
            }
        }
    }
}

/// The hand-off of a file transfer from the stream endpoint to the server loop.
///
/// The endpoint answers with [`Deferred::respond`]: a response whose body streams the
/// file in chunks through hyper, and which also carries the whole [`super::Body`] for
/// [`Deferred::claim`]. The sendfile path ([`crate::server::http1`]) claims it and lets
/// the kernel copy the file; whichever path gets the body first sends it, the other gets
/// nothing, and the transfer is counted under the path that sent it
/// ([`super::limits::StreamRegistry::transfers`]).
#[derive(Clone)]
pub struct Deferred(Arc<std::sync::Mutex<Option<super::Body>>>);

impl Deferred {
    /// Finishes `builder` with `body` as a deferred transfer.
    pub fn respond(builder: poem::ResponseBuilder, body: super::Body) -> poem::Response {
        let ended = body.lease.end_signal();
        let deferred = Self(Arc::new(std::sync::Mutex::new(Some(body))));
        builder
            .extension(deferred.clone())
            .extension(ended)
            .body(poem::Body::from_bytes_stream(deferred.stream()))
    }

    /// The transfer of `resp`, for the sendfile path; `None` when the answer is no file
    /// transfer (or hyper already started it).
    pub fn claim(resp: &poem::Response) -> Option<super::Body> {
        let body = resp.extensions().get::<Self>()?.take()?;
        body.lease.sent_by(super::limits::TransferPath::Sendfile);
        Some(body)
    }

    fn take(&self) -> Option<super::Body> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The transfer as a stream of chunks, read on first poll.
    fn stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        use futures_util::StreamExt;
        futures_util::stream::once(async move { self.take() })
            .filter_map(futures_util::future::ready)
            .flat_map(|b| {
                b.lease.sent_by(super::limits::TransferPath::Hyper);
                body(b.file, b.segments, b.chunk, Some(b.lease))
            })
    }
}

/// Fills `buf` with what of it is already in the page cache at `offset`, without
/// blocking; gives the buffer back when nothing is (or the kernel cannot tell), so the
/// caller reads on the blocking pool.
fn read_cached(file: &File, offset: u64, mut buf: Vec<u8>) -> Result<io::Result<Vec<u8>>, Vec<u8>> {
    let flags = rustix::io::ReadWriteFlags::NOWAIT;
    match rustix::io::preadv2(file, &mut [io::IoSliceMut::new(&mut buf)], offset, flags) {
        Ok(0) => Ok(Err(shorter())),
        Ok(n) => {
            buf.truncate(n);
            Ok(Ok(buf))
        }
        Err(_) => Err(buf),
    }
}

/// Fills `buf` from `offset`; a file that ends early is an error, since the length
/// was already promised in `Content-Length`.
fn read_at(file: &File, offset: u64, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
    let len = buf.len();
    let mut filled = 0;
    while filled < len {
        let n = file.read_at(&mut buf[filled..], offset + filled as u64)?;
        if n == 0 {
            return Err(shorter());
        }
        filled += n;
    }
    Ok(buf)
}

pub(crate) fn shorter() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file became shorter during the transfer",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::io::Write;

    #[tokio::test]
    async fn segments_are_read_in_chunks_in_order() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&data).unwrap();
        let file = Arc::new(File::open(tmp.path()).unwrap());
        let segments = vec![
            Segment::Literal(Bytes::from_static(b"--a\r\n")),
            Segment::File(10..20_000),
            Segment::File(99_990..100_000),
        ];
        // Each chunk is copied and dropped before the next is asked for, as a
        // connection does: the body reads the next chunk only once the last is released.
        let (joined, largest) = body(file, segments, 8192, None)
            .fold((Vec::new(), 0), |(mut all, largest), c| async move {
                let c = c.unwrap();
                all.extend_from_slice(&c);
                (all, largest.max(c.len()))
            })
            .await;
        assert!(largest <= 8192);
        let mut want = b"--a\r\n".to_vec();
        want.extend_from_slice(&data[10..20_000]);
        want.extend_from_slice(&data[99_990..]);
        assert_eq!(joined, want);
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_is_an_error() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&[1u8; 100]).unwrap();
        let file = Arc::new(File::open(tmp.path()).unwrap());
        let outcomes: Vec<bool> = body(file, vec![Segment::File(0..200)], 4096, None)
            .map(|item| item.is_ok())
            .collect()
            .await;
        assert_eq!(outcomes.last(), Some(&false));
    }

    #[tokio::test]
    async fn the_next_chunk_waits_until_the_last_is_released() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&[7u8; 3 * 4096]).unwrap();
        let file = Arc::new(File::open(tmp.path()).unwrap());
        let mut stream = Box::pin(body(file, vec![Segment::File(0..3 * 4096)], 4096, None));
        let first = stream.next().await.unwrap().unwrap();
        let held = tokio::time::timeout(std::time::Duration::from_millis(200), stream.next());
        assert!(
            held.await.is_err(),
            "a second chunk was read while the first was held"
        );
        drop(first);
        let second = stream.next().await.unwrap().unwrap();
        assert_eq!(second.len(), 4096);
    }
}
