//! Direct play: answering GET and HEAD on a video's file with RFC 9110 range semantics,
//! under the stream limits.
//!
//! - [`range`]: parsing and planning (pure).
//! - [`file`]: the bounded, backpressured body.
//! - [`limits`]: streams, their slots and leases.
//! - [`shared`]: the slots every instance shares through Redis.

pub mod file;
pub mod limits;
pub mod range;
pub mod shared;

use crate::db::videos::VideoRow;
use crate::library::{FileError, MediaLibrary};
use bytes::Bytes;
use file::Segment;
use limits::SlotKey;
use limits::{LimitReached, StreamLease, StreamRegistry, Viewer};
use poem::http::{header, StatusCode};
use range::{Conditions, Plan, Representation};
use shared::SharedSlots;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};
use uuid::Uuid;

/// The MIME type of a container.
pub fn content_type(container: &str) -> &'static str {
    match container {
        "mp4" | "m4v" => "video/mp4",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "mov" => "video/quicktime",
        "ts" => "video/mp2t",
        _ => "application/octet-stream",
    }
}

/// Why a transfer cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("stream limit reached: {}", .0.limit)]
    Limit(LimitReached),
    #[error("cannot open the file: {0}")]
    Io(#[from] std::io::Error),
}

/// A planned answer, ready to become an HTTP response.
pub struct Transfer {
    pub plan: Plan,
    pub representation: Representation,
    pub content_type: &'static str,
    /// For multipart answers: the boundary.
    pub boundary: Option<String>,
    pub content_length: u64,
    /// The body, for GET answers that carry one.
    pub body: Option<Body>,
}

/// A transfer's body and the stream it belongs to.
pub struct Body {
    pub file: Arc<std::fs::File>,
    pub segments: Vec<Segment>,
    pub chunk: usize,
    pub lease: StreamLease,
}

/// The direct-play service.
#[derive(Debug)]
pub struct Streamer {
    library: Arc<MediaLibrary>,
    registry: Arc<StreamRegistry>,
    shared: Option<Arc<SharedSlots>>,
    chunk: usize,
    /// Files opened in the last [`OPEN_FILE_TTL`], by video: a player's many range
    /// requests then cost no path resolution and no open (two hops to the blocking
    /// pool each), and an `fstat` of the open file at most once per
    /// [`OPEN_FILE_RECHECK`]. A file replaced on disk is seen within the TTL, one
    /// changed in place within the recheck.
    open_files: std::sync::Mutex<HashMap<Uuid, OpenFile>>,
    /// Streams refused since start-up: by the server-wide limit, by the per-user one.
    refused: [AtomicU64; 2],
}

/// Streams refused since start-up, by the limit that refused them (this instance's
/// or the one shared through Redis), for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refusals {
    /// `streaming.max_concurrent_streams`.
    pub server_wide: u64,
    /// `streaming.max_streams_per_user`.
    pub per_user: u64,
}

/// A file kept open, with what its last `fstat` said.
#[derive(Debug)]
struct OpenFile {
    file: Arc<std::fs::File>,
    representation: Representation,
    opened: Instant,
    checked: Instant,
}

/// How long an opened file is reused.
const OPEN_FILE_TTL: Duration = Duration::from_secs(5);
/// How long an open file's length and modification time are taken as read.
const OPEN_FILE_RECHECK: Duration = Duration::from_secs(1);
/// Most files kept open.
const OPEN_FILE_CAPACITY: usize = 1024;

impl Streamer {
    pub fn new(
        library: Arc<MediaLibrary>,
        registry: Arc<StreamRegistry>,
        shared: Option<Arc<SharedSlots>>,
        chunk: usize,
    ) -> Self {
        Self {
            library,
            registry,
            shared,
            chunk,
            open_files: std::sync::Mutex::default(),
            refused: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    /// The video's file, open, and what validators and ranges are computed against:
    /// reused when opened within the TTL, its metadata re-read at most once per
    /// [`OPEN_FILE_RECHECK`].
    async fn open(
        &self,
        video: &VideoRow,
    ) -> Result<(Arc<std::fs::File>, Representation), StreamError> {
        {
            let mut open = self.open_files.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(f) = open
                .get_mut(&video.id)
                .filter(|f| f.opened.elapsed() < OPEN_FILE_TTL)
            {
                if f.checked.elapsed() >= OPEN_FILE_RECHECK {
                    f.representation = representation_of(&f.file.metadata()?);
                    f.checked = Instant::now();
                }
                return Ok((f.file.clone(), f.representation.clone()));
            }
        }
        // Opened once beneath its library: the descriptor checked is the one served.
        let file = self.library.open(video).await?.file().clone();
        let representation = representation_of(&file.metadata()?);
        let mut open = self.open_files.lock().unwrap_or_else(|p| p.into_inner());
        // Expired files are closed whenever one is opened, so a deleted file's space
        // is not held long.
        open.retain(|_, f| f.opened.elapsed() < OPEN_FILE_TTL);
        if open.len() >= OPEN_FILE_CAPACITY {
            open.clear();
        }
        let now = Instant::now();
        open.insert(
            video.id,
            OpenFile {
                file: file.clone(),
                representation: representation.clone(),
                opened: now,
                checked: now,
            },
        );
        Ok((file, representation))
    }

    /// The slots shared with other instances, when Redis is configured.
    pub fn shared(&self) -> Option<&Arc<SharedSlots>> {
        self.shared.as_ref()
    }

    /// Takes a share in the viewer's stream of a video: joins it if open, otherwise
    /// opens it within the shared limits (when Redis answers) and this instance's.
    ///
    /// # Errors
    /// [`LimitReached`] naming the limit.
    pub async fn lease(
        &self,
        viewer: &Viewer,
        video_id: Uuid,
    ) -> Result<StreamLease, LimitReached> {
        let leased = self.lease_within_limits(viewer, video_id).await;
        if let Err(refused) = &leased {
            let per_user = refused.limit == "streaming.max_streams_per_user";
            self.refused[usize::from(per_user)].fetch_add(1, Ordering::Relaxed);
        }
        leased
    }

    /// Streams refused since start-up.
    pub fn refusals(&self) -> Refusals {
        Refusals {
            server_wide: self.refused[0].load(Ordering::Relaxed),
            per_user: self.refused[1].load(Ordering::Relaxed),
        }
    }

    async fn lease_within_limits(
        &self,
        viewer: &Viewer,
        video_id: Uuid,
    ) -> Result<StreamLease, LimitReached> {
        if let Some(shared) = &self.shared {
            if !self.registry.is_open(viewer.session_id, video_id) {
                let slot = SlotKey {
                    session_id: viewer.session_id,
                    video_id,
                    user_id: viewer.user_id,
                };
                if let Some(verdict) = shared.admit(&slot).await {
                    verdict?;
                }
            }
        }
        self.registry.acquire(viewer, video_id)
    }

    /// Ends a session's stream of a video (its player stopped, or an administrator
    /// ended it): here at once, freeing its shared slot if it was served here, and on
    /// the other instances serving it at their next refresh, unless a request of it
    /// comes first (a player that stopped and plays it again).
    pub async fn stop(&self, slot: &SlotKey) {
        let here = self.registry.stop(slot.session_id, slot.video_id);
        if let Some(shared) = &self.shared {
            if here {
                shared.release(slot).await;
            }
            shared.request_end(slot).await;
        }
    }

    /// Ends the streams of a session that ended: here at once (their transfers are
    /// reset, their shared slots freed), and on the other instances at their next
    /// refresh (which find the session's end themselves as soon).
    pub async fn end_session(&self, session_id: Uuid) {
        for slot in self.registry.end_session(session_id) {
            if let Some(shared) = &self.shared {
                shared.release(&slot).await;
                shared.request_end(&slot).await;
            }
        }
    }

    /// After a refresh: ends the streams whose end was asked for through another
    /// instance, and frees their slots; a stream requested again since the end was asked
    /// for is a new playback, and stays.
    pub async fn end_requested(&self, slots: Vec<(SlotKey, f64)>) {
        for (slot, asked_us) in slots {
            let ended =
                self.registry
                    .stop_unless_active_since(slot.session_id, slot.video_id, asked_us);
            if let (true, Some(shared)) = (ended, &self.shared) {
                shared.release(&slot).await;
            }
        }
    }

    /// Every open stream: of every instance when Redis is configured and answers,
    /// else of this one. A session's stream of a video served by several instances is
    /// listed once, with their bytes and connections added up.
    pub async fn list(&self) -> Vec<limits::StreamInfo> {
        let mine = self.registry.list();
        let Some(everyone) = self.shared.as_ref() else {
            return mine;
        };
        let Some(everyone) = everyone.list().await else {
            return mine;
        };
        let mut merged: Vec<limits::StreamInfo> = Vec::new();
        // This instance's own figures first: they are the freshest.
        for s in mine.into_iter().chain(everyone) {
            match merged
                .iter_mut()
                .find(|m| m.session_id == s.session_id && m.video_id == s.video_id)
            {
                Some(m) if m.id == s.id => {}
                Some(m) => {
                    m.bytes_sent += s.bytes_sent;
                    m.connections += s.connections;
                    m.started_at = m.started_at.min(s.started_at);
                    m.last_activity_at = m.last_activity_at.max(s.last_activity_at);
                }
                None => merged.push(s),
            }
        }
        merged.sort_by_key(|s| s.started_at);
        merged
    }

    /// Ends stream `id` (as [`Self::list`] names it) wherever it is served: here at
    /// once, on other instances at their next refresh (within a second). Returns
    /// whether it was open.
    pub async fn end(&self, id: uuid::Uuid) -> bool {
        let Some(s) = self.list().await.into_iter().find(|s| s.id == id) else {
            return false;
        };
        let slot = SlotKey {
            session_id: s.session_id,
            video_id: s.video_id,
            user_id: s.user_id,
        };
        self.stop(&slot).await;
        true
    }

    pub fn registry(&self) -> &Arc<StreamRegistry> {
        &self.registry
    }

    /// Plans the answer to a request for a video's file. Only answers that carry file
    /// bytes (200 and 206 to GET) open or join a stream; HEAD, 304 and 416 do not.
    ///
    /// # Errors
    /// [`StreamError::File`] when the file is gone or outside its library,
    /// [`StreamError::Limit`] when a stream limit is reached.
    pub async fn prepare(
        &self,
        video: &VideoRow,
        conditions: &Conditions<'_>,
        head: bool,
        viewer: &Viewer,
    ) -> Result<Transfer, StreamError> {
        let (file, representation) = self.open(video).await?;
        // RFC 9110 §14.2: Range is ignored on any method but GET, so a HEAD describes
        // the whole file as its GET without Range would.
        let whole;
        let conditions = if head {
            whole = Conditions {
                range: None,
                if_range: None,
                ..conditions.clone()
            };
            &whole
        } else {
            conditions
        };
        let plan = range::plan(&representation, conditions);
        let content_type = content_type(&video.format);
        let (segments, boundary, content_length) = layout(&plan, representation.len, content_type);
        let carries_bytes = matches!(plan, Plan::Full | Plan::Partial(_) | Plan::Multipart(_));
        let body = if carries_bytes && !head {
            let lease = self
                .lease(viewer, video.id)
                .await
                .map_err(StreamError::Limit)?;
            let segments = segments
                .into_iter()
                .filter(|s| !matches!(s, Segment::File(r) if r.is_empty()))
                .collect();
            Some(Body {
                file,
                segments,
                chunk: self.chunk,
                lease,
            })
        } else {
            None
        };
        Ok(Transfer {
            plan,
            representation,
            content_type,
            boundary,
            content_length,
            body,
        })
    }
}

/// What validators and ranges are computed against: the file's length and mtime.
fn representation_of(meta: &std::fs::Metadata) -> Representation {
    let mtime_ns = meta
        .mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec());
    Representation {
        len: meta.len(),
        etag: format!("\"{:x}-{:x}\"", meta.len(), mtime_ns),
        modified: UNIX_EPOCH + Duration::from_secs(u64::try_from(meta.mtime()).unwrap_or(0)),
    }
}

/// The body's pieces for a plan, the multipart boundary if any, and the body length.
fn layout(plan: &Plan, len: u64, content_type: &str) -> (Vec<Segment>, Option<String>, u64) {
    match plan {
        Plan::Full => (vec![Segment::File(0..len)], None, len),
        Plan::Partial(r) => (vec![Segment::File(r.clone())], None, r.end - r.start),
        Plan::Multipart(ranges) => {
            let boundary = uuid::Uuid::new_v4().simple().to_string();
            let segments = multipart(ranges, len, content_type, &boundary);
            let total = segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(b) => b.len() as u64,
                    Segment::File(r) => r.end - r.start,
                })
                .sum();
            (segments, Some(boundary), total)
        }
        Plan::NotModified | Plan::Unsatisfiable => (Vec::new(), None, 0),
    }
}

/// The parts of a `multipart/byteranges` body (RFC 9110 §14.6).
fn multipart(
    ranges: &[std::ops::Range<u64>],
    len: u64,
    content_type: &str,
    boundary: &str,
) -> Vec<Segment> {
    let mut segments = Vec::with_capacity(ranges.len() * 2 + 1);
    for r in ranges {
        let head = format!(
            "\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: {}\r\n\r\n",
            range::content_range(r, len)
        );
        segments.push(Segment::Literal(Bytes::from(head)));
        segments.push(Segment::File(r.clone()));
    }
    segments.push(Segment::Literal(Bytes::from(format!(
        "\r\n--{boundary}--\r\n"
    ))));
    segments
}

impl Transfer {
    /// The HTTP answer: validators, the status the plan calls for, and the body (handed
    /// to sendfile where it can be).
    pub fn into_response(self) -> poem::Response {
        let t = self;
        let rep = &t.representation;
        let mut builder = poem::Response::builder()
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::ETAG, rep.etag.as_str())
            .header(header::LAST_MODIFIED, range::format_http_date(rep.modified))
            .header(header::CACHE_CONTROL, "private");
        builder = match &t.plan {
            Plan::NotModified => return builder.status(StatusCode::NOT_MODIFIED).finish(),
            Plan::Unsatisfiable => {
                return builder
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{}", rep.len))
                    .finish()
            }
            Plan::Full => builder.status(StatusCode::OK).content_type(t.content_type),
            Plan::Partial(r) => builder
                .status(StatusCode::PARTIAL_CONTENT)
                .content_type(t.content_type)
                .header(header::CONTENT_RANGE, range::content_range(r, rep.len)),
            Plan::Multipart(_) => {
                builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .content_type(format!(
                        "multipart/byteranges; boundary={}",
                        t.boundary.as_deref().unwrap_or_default()
                    ))
            }
        };
        builder = builder.header(header::CONTENT_LENGTH, t.content_length);
        match t.body {
            Some(b) => file::Deferred::respond(builder, b),
            None => builder.finish(),
        }
    }
}

/// A body's bytes (a transcode's output, a segment as ffmpeg writes it) counted against
/// its stream lease as they go out. The lease completes at the end; a stream that ends
/// in an error (cut off) leaves it unfinished.
pub fn counted(
    stream: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    lease: StreamLease,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    use futures_util::StreamExt;
    futures_util::stream::unfold(
        (Box::pin(stream), Some(lease)),
        |(mut stream, mut lease)| async move {
            match stream.next().await {
                Some(Ok(bytes)) => {
                    if let Some(lease) = &mut lease {
                        lease.sent(bytes.len() as u64);
                    }
                    Some((Ok(bytes), (stream, lease)))
                }
                Some(Err(e)) => Some((Err(e), (stream, None))),
                None => {
                    if let Some(mut lease) = lease {
                        lease.complete();
                    }
                    None
                }
            }
        },
    )
}

/// What `reader` hands out, counted against `lease` ([`counted`]).
pub fn counted_reader(
    reader: impl tokio::io::AsyncRead + Send + 'static,
    lease: StreamLease,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    counted(tokio_util::io::ReaderStream::new(reader), lease)
}
