//! A segment sent while ffmpeg makes it, the way low-latency HLS sends a part: its
//! bytes go out as ffmpeg writes them (each packet is flushed), so a player that reads
//! a segment as it arrives (hls.js with `progressive`) shows the first pictures of a
//! start, a seek or a new rung before the whole segment is made, and every player has
//! the segment's last byte the moment ffmpeg begins the next one.
//!
//! ffmpeg writes segment n into a file of its own run ([`super::encode::part_name`]),
//! which becomes `{n}.ts` when complete by a rename that keeps the file: a descriptor
//! opened on the part reads the whole segment. A part is complete once its run has
//! begun the next one or its `{n}.ts` is this very file. A run that stops before that
//! (a seek elsewhere, a takeover, a failure) leaves the answer cut off, never short and
//! whole: the player sees a failed load and asks again.

use super::ts;
use bytes::Bytes;
use futures_util::Stream;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// How often a reader at the end of what ffmpeg wrote so far looks again.
const POLL: Duration = Duration::from_millis(15);
/// The longest a part may stay the same size before the answer is given up.
const STALLED: Duration = Duration::from_secs(60);
/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// What a followed part needs of the job whose ffmpeg writes it ([`super::jobs`]).
pub trait Writer: Send + Sync {
    /// Whether the run of `generation` is still the job's running one.
    fn runs(&self, generation: u64) -> bool;
    /// An answer following one of its parts is being read (or waits for ffmpeg): the
    /// job is not idle. An answer whose client stopped reading is not polled, so it
    /// does not keep an ffmpeg and its slot for ever.
    fn active(&self);
}

/// A segment being written, opened on its part file. Its job is not idle while it is
/// read.
pub struct Growing {
    job: Arc<dyn Writer>,
    generation: u64,
    file: tokio::fs::File,
    /// `(device, inode)` of the part: the same file once renamed.
    identity: (u64, u64),
    /// The segment's name once complete.
    done: PathBuf,
    /// The part of the segment after it, in the same run.
    next_part: PathBuf,
    complete: bool,
}

impl Growing {
    /// Opens the part of run `generation` of `job` at `part`; `None` when it is gone
    /// (renamed meanwhile: the segment is complete).
    pub(super) async fn open(
        job: Arc<dyn Writer>,
        generation: u64,
        part: PathBuf,
        done: PathBuf,
        next_part: PathBuf,
    ) -> io::Result<Option<Self>> {
        let file = match tokio::fs::File::open(&part).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata().await?;
        Ok(Some(Self {
            job,
            generation,
            file,
            identity: (meta.dev(), meta.ino()),
            done,
            next_part,
            complete: false,
        }))
    }

    /// Whether ffmpeg is done with the part: the segment's final name is this file, or
    /// its run began the next segment. The part is named `{n}.ts` (and counted in the
    /// cache size) by its run's supervisor alone, at its next look or when the run ends:
    /// a reader naming it could do so just as the run is stopped, and nobody would
    /// count it.
    fn is_complete(&self) -> bool {
        std::fs::metadata(&self.done).is_ok_and(|m| (m.dev(), m.ino()) == self.identity)
            || self.next_part.exists()
    }

    /// Reads what ffmpeg has written past what was read, waiting for more at its end;
    /// 0 at the segment's end.
    ///
    /// # Errors
    /// When the part cannot be read, its run stopped before it was complete, or it
    /// did not grow for [`STALLED`].
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let since = Instant::now();
        loop {
            self.job.active();
            let n = self.file.read(buf).await?;
            if n > 0 || self.complete {
                return Ok(n);
            }
            // At the end of what is written (looked at only here, not per chunk). Once
            // complete, ffmpeg wrote its last byte before: the next read reaches the end.
            if self.is_complete() {
                self.complete = true;
                continue;
            }
            if !self.job.runs(self.generation) && !self.is_complete() {
                return Err(io::Error::other(
                    "ffmpeg stopped before the segment was complete",
                ));
            }
            if since.elapsed() > STALLED {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the segment stopped growing",
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The segment's start: as much as [`ts::discontinuity_prefix`] needs (the program
    /// tables and a packet of every stream, at most [`ts::HEAD`]), led by that prefix.
    async fn head(&mut self) -> io::Result<Bytes> {
        let mut head = Vec::with_capacity(CHUNK);
        let mut buf = vec![0; CHUNK];
        loop {
            let n = self.read(&mut buf).await?;
            head.extend_from_slice(&buf[..n]);
            let (mut prefix, complete) = ts::discontinuity_prefix(&head);
            if complete || n == 0 || head.len() >= ts::HEAD {
                prefix.extend_from_slice(&head);
                return Ok(prefix.into());
            }
        }
    }

    /// The segment as it is written, led by its discontinuity prefix; ends in an error
    /// (the answer cut off) when its run stops before it is complete.
    pub fn into_stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        futures_util::stream::unfold(Some((self, false)), |state| async move {
            let (mut growing, started) = state?;
            let next = if started {
                let mut buf = vec![0; CHUNK];
                match growing.read(&mut buf).await {
                    Ok(0) => return None,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(Bytes::from(buf))
                    }
                    Err(e) => Err(e),
                }
            } else {
                growing.head().await
            };
            match next {
                Ok(bytes) => Some((Ok(bytes), Some((growing, true)))),
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
