//! Progressive streams: one ffmpeg writing fragmented MP4 (the web player's remux and
//! transcode) or MPEG-TS (DLNA) to one response.
//!
//! - **The answer waits for ffmpeg's first bytes.** A file ffmpeg cannot read fails
//!   at once: the client gets the named 503 of a failed transcode (with ffmpeg's last
//!   words), not a 200 with an empty body, and the video's breaker counts it.
//! - **A session's running stream gives its slot up** when the same session asks for
//!   another transcode (HLS, remux or progressive, of this video or another): the
//!   player moved on, as when it seeks or opens the next film, and waiting for the old
//!   response to be noticed closed would cost it the queue's timeout.

use super::error::TranscodeError;
use super::pool::Slot;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, ChildStdout};
use uuid::Uuid;

/// How long ffmpeg may take to write its first bytes (a 4K HEVC source's first
/// fragment on two cores takes a few seconds).
const FIRST_BYTES: Duration = Duration::from_secs(30);

/// The size of the first read.
const HEAD: usize = 64 * 1024;

/// One progressive ffmpeg: whose it is, and its slot until it ends or gives it up.
#[derive(Debug)]
struct Run {
    session: Uuid,
    pid: Option<u32>,
    slot: Mutex<Option<Slot>>,
}

/// The progressive streams running, weakly: a stream that ended is gone.
#[derive(Debug, Default)]
pub struct Runs(Mutex<Vec<Weak<Run>>>);

impl Runs {
    fn add(&self, run: &Arc<Run>) {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        runs.retain(|r| r.strong_count() > 0);
        runs.push(Arc::downgrade(run));
    }

    /// The slot of a progressive stream of `session`, whose ffmpeg is stopped (its
    /// response ends): the session's player moved on and needs the slot now.
    pub fn yield_to(&self, session: Uuid) -> Option<Slot> {
        let runs: Vec<Arc<Run>> = {
            let runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            runs.iter().filter_map(Weak::upgrade).collect()
        };
        runs.iter().filter(|r| r.session == session).find_map(|run| {
            let slot = run
                .slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()?;
            if let Some(pid) = run.pid.and_then(|p| i32::try_from(p).ok()) {
                super::jobs::signal(pid, rustix::process::Signal::KILL);
            }
            tracing::info!(%session, "progressive ffmpeg stopped: its viewer moved on and needs the slot");
            Some(slot)
        })
    }
}

/// ffmpeg's output; dropping it kills ffmpeg and frees its slot.
pub struct ProgressiveStream {
    head: Vec<u8>,
    sent: usize,
    stdout: ChildStdout,
    _child: Child,
    _run: Arc<Run>,
}

impl ProgressiveStream {
    /// Waits for the first bytes of `child` (spawned with its standard error piped),
    /// registered in `runs` as `session`'s with `slot`.
    ///
    /// # Errors
    /// [`TranscodeError::Failed`] with ffmpeg's last words when it ends without writing
    /// anything; [`TranscodeError::TimedOut`] when it writes nothing for
    /// [`FIRST_BYTES`].
    pub(super) async fn start(
        mut child: Child,
        runs: &Runs,
        session: Uuid,
        slot: Slot,
    ) -> Result<Self, TranscodeError> {
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| TranscodeError::Failed("ffmpeg has no output".to_owned()))?;
        let stderr = child.stderr.take();
        let run = Arc::new(Run {
            session,
            pid: child.id(),
            slot: Mutex::new(Some(slot)),
        });
        runs.add(&run);
        let mut head = vec![0; HEAD];
        let n = match tokio::time::timeout(FIRST_BYTES, stdout.read(&mut head)).await {
            Err(_) => return Err(TranscodeError::TimedOut),
            Ok(read) => read?,
        };
        if n == 0 {
            let why = super::jobs::tail(stderr).await;
            let status = child.wait().await?;
            return Err(TranscodeError::Failed(if why.is_empty() {
                format!("ffmpeg wrote nothing ({status})")
            } else {
                why
            }));
        }
        head.truncate(n);
        if let Some(mut stderr) = stderr {
            // Drained, so that ffmpeg never blocks on a full pipe.
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
            });
        }
        Ok(Self {
            head,
            sent: 0,
            stdout,
            _child: child,
            _run: run,
        })
    }
}

impl AsyncRead for ProgressiveStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.sent < this.head.len() {
            let n = buf.remaining().min(this.head.len() - this.sent);
            buf.put_slice(&this.head[this.sent..this.sent + n]);
            this.sent += n;
            if this.sent == this.head.len() {
                this.head = Vec::new();
                this.sent = 0;
            }
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut this.stdout).poll_read(cx, buf)
    }
}
