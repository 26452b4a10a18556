//! The response body of a file transfer: an async stream that reads at most
//! `chunk_size` bytes per step with positional reads on the blocking pool, so memory per
//! transfer stays within one chunk and a slow client is met with backpressure (the next
//! chunk is read only when the connection has taken the last one).

use super::limits::StreamLease;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

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
}

/// A body streaming `segments` from `file`. The lease, if any, counts the bytes, stops
/// the transfer when its stream is ended, and is released when the body is dropped.
pub fn body(
    file: File,
    segments: Vec<Segment>,
    chunk: usize,
    lease: Option<StreamLease>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let state = State {
        file: Arc::new(file),
        segments: segments.into(),
        chunk: chunk.max(4096),
        lease,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.lease.as_ref().is_some_and(StreamLease::is_ended) {
            state.segments.clear();
            let err = io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "stream ended by an administrator",
            );
            return Some((Err(err), state));
        }
        let item = match state.segments.pop_front()? {
            Segment::Literal(bytes) => Ok(bytes),
            Segment::File(range) if range.is_empty() => return Some((Ok(Bytes::new()), state)),
            Segment::File(range) => {
                let want = (range.end - range.start).min(state.chunk as u64) as usize;
                let file = state.file.clone();
                let start = range.start;
                let read = tokio::task::spawn_blocking(move || read_at(&file, start, want))
                    .await
                    .unwrap_or_else(|e| Err(io::Error::other(e)));
                match read {
                    Ok(bytes) => {
                        let next = range.start + bytes.len() as u64;
                        if next < range.end {
                            state.segments.push_front(Segment::File(next..range.end));
                        }
                        Ok(bytes)
                    }
                    Err(e) => {
                        state.segments.clear();
                        Err(e)
                    }
                }
            }
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

/// Reads up to `len` bytes at `offset`; a file that ends early is an error, since the
/// length was already promised in `Content-Length`.
fn read_at(file: &File, offset: u64, len: usize) -> io::Result<Bytes> {
    let mut buf = BytesMut::zeroed(len);
    let mut filled = 0;
    while filled < len {
        let n = file.read_at(&mut buf[filled..], offset + filled as u64)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file became shorter during the transfer",
            ));
        }
        filled += n;
    }
    Ok(buf.freeze())
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
        let file = File::open(tmp.path()).unwrap();
        let segments = vec![
            Segment::Literal(Bytes::from_static(b"--a\r\n")),
            Segment::File(10..20_000),
            Segment::File(99_990..100_000),
        ];
        let chunks: Vec<Bytes> = body(file, segments, 8192, None)
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert!(chunks.iter().all(|c| c.len() <= 8192));
        let joined: Vec<u8> = chunks.concat();
        let mut want = b"--a\r\n".to_vec();
        want.extend_from_slice(&data[10..20_000]);
        want.extend_from_slice(&data[99_990..]);
        assert_eq!(joined, want);
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_is_an_error() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&[1u8; 100]).unwrap();
        let file = File::open(tmp.path()).unwrap();
        let items: Vec<io::Result<Bytes>> = body(file, vec![Segment::File(0..200)], 4096, None)
            .collect()
            .await;
        assert!(items.last().unwrap().is_err());
    }
}
