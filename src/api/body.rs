//! Request bodies under limits: read only when a handler asks for one, within a
//! deadline, within the size limit, and within one memory budget for all bodies in
//! flight.
//!
//! No byte of a body is read before routing: the middleware only wraps it
//! ([`guard`]). A handler reads it when it extracts its payload, and poem-openapi
//! extracts an operation's parameters in their order, so an operation that takes a
//! [`super::guard::BearerAuth`] before its body checks the token and the session
//! first (a test sends every such operation a body that never arrives and expects its
//! 401 at once). A route that takes no body never reads one: the connection closes
//! after the answer.
//!
//! The wrapped body, when read, reserves its declared length (a chunked one: each chunk
//! as it comes) from the budget of [`BodyLimits`], reads until the deadline, and checks for
//! the NUL character. A refusal is recorded in the request's [`Watch`]: the handler
//! sees a failed read, and the middleware answers the refusal instead of whatever the
//! handler made of it (413, 408, 503 or 422, the first two closing the connection).

use crate::api::error::ApiError;
use crate::config::ServerSettings;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use poem::http::{header, HeaderValue, StatusCode};
use poem::{Body, Request};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a client is told to wait when the body budget is spent.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(2);

/// The limits every request body is read under.
#[derive(Debug)]
pub struct BodyLimits {
    /// `server.max_body_size`.
    pub max: u64,
    timeout: Duration,
    min_rate: u64,
    /// `server.body_memory_budget`, in KiB.
    budget: Arc<Semaphore>,
}

impl BodyLimits {
    /// The budget holds at least one body of `server.max_body_size`: a smaller one
    /// would refuse every such body.
    pub fn from_settings(server: &ServerSettings) -> Arc<Self> {
        let budget = server
            .body_memory_budget
            .get()
            .max(server.max_body_size.get());
        let kib = usize::try_from(budget.div_ceil(1024))
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        Arc::new(Self {
            max: server.max_body_size.get(),
            timeout: server.body_read_timeout.get(),
            min_rate: server.body_min_rate.get().max(1),
            budget: Arc::new(Semaphore::new(kib)),
        })
    }

    /// How long a body of `len` bytes may take: the timeout, and a second more for
    /// every `min_rate` bytes past what that rate moves in the timeout.
    fn time_for(&self, len: u64) -> Duration {
        let in_timeout = self.min_rate.saturating_mul(self.timeout.as_secs().max(1));
        self.timeout + Duration::from_secs(len.saturating_sub(in_timeout) / self.min_rate)
    }

    /// KiB of the budget free now.
    pub fn budget_free_kib(&self) -> usize {
        self.budget.available_permits()
    }
}

/// Why a body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooLarge,
    TimedOut,
    Busy,
    Nul,
}

impl Refusal {
    /// The answer for it, and whether the connection must close (the rest of the body
    /// may still be on its way, and cannot be told from a next request).
    pub fn answer(self, limits: &BodyLimits) -> (ApiError, bool) {
        match self {
            Self::TooLarge => (too_large(limits.max), true),
            Self::TimedOut => (
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!(
                        "the request body did not arrive within server.body_read_timeout ({} s)",
                        limits.timeout.as_secs()
                    ),
                ),
                true,
            ),
            Self::Busy => (
                ApiError::busy(
                    "server_busy",
                    "too many request bodies are arriving at once (server.body_memory_budget)",
                    BUSY_RETRY_AFTER,
                ),
                true,
            ),
            Self::Nul => (nul(), false),
        }
    }
}

/// What a guarded body tells the middleware: its refusal, and the budget it holds
/// until the answer is made.
#[derive(Debug, Default)]
pub struct Watch {
    refusal: OnceLock<Refusal>,
    held: Mutex<Vec<OwnedSemaphorePermit>>,
}

impl Watch {
    pub fn refusal(&self) -> Option<Refusal> {
        self.refusal.get().copied()
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is larger than server.max_body_size ({max} bytes)"),
    )
}

fn nul() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_text",
        "text cannot contain the NUL character (U+0000)",
    )
}

/// The answer to a refused body; `close` asks for the connection to close (the rest
/// of the body may still be on its way, and cannot be told from a next request).
pub fn refused(error: ApiError, close: bool) -> poem::Response {
    let mut resp = poem::IntoResponse::into_response(error);
    if close {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Refuses what no handler may see, reading nothing: a declared body over the limit
/// (413), and the NUL character in the URL (422, on both backends alike). Returns
/// whether a body follows, and its declared length. (A request framed by both
/// `Content-Length` and `Transfer-Encoding` never gets here: the first request of a
/// connection is refused by `server::http1`, and hyper reads a later one by its
/// `Transfer-Encoding` alone and closes the connection after it.)
///
/// # Errors
/// The refusal, and whether the connection must close.
pub fn precheck(
    req: &Request,
    limits: &BodyLimits,
) -> Result<(bool, Option<u64>), (ApiError, bool)> {
    let uri = req.uri();
    let has_nul = |part: &str| {
        part.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    // A signed link's `token` is a credential, never stored: one with a NUL is simply
    // not valid (401 from the guard), like any other wrong token.
    let stored_query = uri
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.starts_with("token="));
    if has_nul(uri.path()) || stored_query.into_iter().any(has_nul) {
        return Err((nul(), false));
    }
    let headers = req.headers();
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.max) {
        return Err((too_large(limits.max), true));
    }
    Ok((chunked || declared.unwrap_or(0) > 0, declared))
}

/// Replaces the request's body with one read under `limits` when a handler asks for
/// it; the returned [`Watch`] says afterwards whether it was refused.
pub fn guard(req: &mut Request, declared: Option<u64>, limits: &Arc<BodyLimits>) -> Arc<Watch> {
    let watch = Arc::new(Watch::default());
    let body = req.take_body();
    let read = read(body, declared, limits.clone(), watch.clone());
    req.set_body(Body::from_bytes_stream(futures_util::stream::once(read)));
    watch
}

/// Reads a whole body under the limits, recording a refusal in `watch`.
async fn read(
    body: Body,
    declared: Option<u64>,
    limits: Arc<BodyLimits>,
    watch: Arc<Watch>,
) -> std::io::Result<Bytes> {
    let refuse = |refusal: Refusal| {
        let _ = watch.refusal.set(refusal);
        std::io::Error::other(format!("request body refused: {refusal:?}"))
    };
    let reserve = |bytes: u64| {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        limits.budget.clone().try_acquire_many_owned(kib).ok()
    };
    let deadline = tokio::time::Instant::now() + limits.time_for(declared.unwrap_or(limits.max));
    let mut held = Vec::new();
    let mut reserved = 0u64;
    if let Some(len) = declared {
        held.push(reserve(len).ok_or_else(|| refuse(Refusal::Busy))?);
        reserved = len.div_ceil(1024) * 1024;
    }
    let capacity = usize::try_from(declared.unwrap_or(0)).unwrap_or(0);
    let mut bytes = BytesMut::with_capacity(capacity);
    let mut stream = body.into_bytes_stream();
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| refuse(Refusal::TimedOut))?;
        let chunk = match next {
            None => break,
            Some(chunk) => chunk?,
        };
        let total = (bytes.len() + chunk.len()) as u64;
        if total > limits.max {
            return Err(refuse(Refusal::TooLarge));
        }
        if total > reserved {
            let more = total - reserved;
            held.push(reserve(more).ok_or_else(|| refuse(Refusal::Busy))?);
            reserved += more.div_ceil(1024) * 1024;
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.windows(6).any(|w| w == b"\\u0000") && json_has_nul(&bytes) {
        return Err(refuse(Refusal::Nul));
    }
    watch
        .held
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(held);
    Ok(bytes.freeze())
}

/// Whether a JSON document holds a string (or key) with a NUL character.
fn json_has_nul(bytes: &[u8]) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(walk),
            serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || walk(v)),
            _ => false,
        }
    }
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| walk(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(budget_kib: u64) -> Arc<BodyLimits> {
        let settings = ServerSettings {
            body_memory_budget: crate::config::ByteSize(budget_kib * 1024),
            max_body_size: crate::config::ByteSize(4096),
            body_read_timeout: crate::config::HumanDuration::secs(15),
            ..ServerSettings::default()
        };
        BodyLimits::from_settings(&settings)
    }

    #[test]
    fn a_large_body_gets_a_second_more_for_each_min_rate_past_the_timeout() {
        let l = limits(1024);
        assert_eq!(l.time_for(1000), Duration::from_secs(15));
        assert_eq!(
            limits(1).budget_free_kib(),
            4,
            "room for one whole body at least"
        );
        assert_eq!(l.time_for(15 * 65536), Duration::from_secs(15));
        assert_eq!(l.time_for(25 * 65536), Duration::from_secs(25));
    }

    #[tokio::test]
    async fn a_body_holds_its_share_of_the_budget_until_its_answer_and_none_past_it() {
        let l = limits(4);
        let held = Arc::new(Watch::default());
        let first = read(
            Body::from(vec![b'x'; 3000]),
            Some(3000),
            l.clone(),
            held.clone(),
        );
        assert_eq!(first.await.unwrap().len(), 3000);
        assert_eq!(l.budget_free_kib(), 1, "3 KiB held while the request runs");
        let second = Arc::new(Watch::default());
        let refused = read(
            Body::from(vec![b'x'; 2000]),
            Some(2000),
            l.clone(),
            second.clone(),
        );
        assert!(refused.await.is_err());
        assert_eq!(second.refusal(), Some(Refusal::Busy));
        // Chunked: reserved as it comes, refused past the budget and past the limit.
        let chunked = Arc::new(Watch::default());
        let big = read(
            Body::from(vec![b'x'; 2000]),
            None,
            l.clone(),
            chunked.clone(),
        );
        assert!(big.await.is_err());
        assert_eq!(chunked.refusal(), Some(Refusal::Busy));
        drop(held);
        assert_eq!(l.budget_free_kib(), 4, "given back with the request");
        let over = Arc::new(Watch::default());
        let too_big = read(Body::from(vec![b'x'; 5000]), None, l.clone(), over.clone());
        assert!(too_big.await.is_err());
        assert_eq!(over.refusal(), Some(Refusal::TooLarge));
        assert_eq!(l.budget_free_kib(), 4);
    }
}
