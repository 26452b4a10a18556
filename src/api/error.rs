//! The API's error type and its `application/problem+json` rendering (RFC 9457).
//!
//! The statuses of the services' errors are chosen here: service modules return their
//! own `thiserror` enums, which the `From` impls below map. The HTTP layer's own
//! refusals (the body limits, the security schemes, CORS, ranges, a head that does not
//! parse) choose theirs where they are made, through [`ApiError`]'s constructors.
//! Errors poem raises before a handler runs (malformed JSON, a missing route, a bad
//! bearer header) are turned into the same problem shape by [`problem_from_poem_error`],
//! so a client only ever sees one format.
//!
//! Unknown errors are logged with their whole chain and answered with a bare message:
//! nothing internal reaches a response body.

use poem::http::{header, HeaderValue, StatusCode};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use std::time::Duration;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
#[oai(rename = "Problem")]
pub struct Problem {
    /// A URI reference naming the problem type; `about:blank` means the status says it all.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP reason phrase of the status.
    pub title: String,
    /// The HTTP status code, repeated for clients that only keep the body.
    pub status: u16,
    /// What went wrong with this request, in words meant for the person using the client.
    pub detail: String,
    /// A stable, machine-readable error code (for example `duplicate_username`).
    pub code: String,
    /// For limits: the name of the limit that was reached (for example
    /// `auth.max_failed_logins`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<String>,
}

/// An error answered to an API client.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    limit: Option<String>,
    retry_after: Option<Duration>,
}

impl ApiError {
    /// A problem with an explicit status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            limit: None,
            retry_after: None,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 422: the request is well-formed but a value is not acceptable.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", detail)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403: authenticated, but the role does not allow this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404 for a named kind of resource.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} {id} does not exist"),
        )
    }

    /// 409: the request conflicts with what is stored.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 429 naming the limit that was reached and when to try again.
    pub fn too_many(limit: &str, detail: impl Into<String>, retry_after: Duration) -> Self {
        Self {
            limit: Some(limit.to_owned()),
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
        }
    }

    /// 503: a dependency is busy or away; the client may retry.
    pub fn unavailable(detail: impl Into<String>, retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
        }
    }

    /// 503 with its own code: this server is too busy for the request just now.
    pub fn busy(code: &'static str, detail: impl Into<String>, retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
        }
    }

    /// 500: logs the whole error chain and answers without revealing it.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = ?err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    fn problem(&self) -> Problem {
        Problem {
            problem_type: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            limit: self.limit.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = Response::builder()
            .status(self.status)
            .header(header::CONTENT_TYPE, PROBLEM_JSON)
            .body(body);
        if let Some(after) = self.retry_after {
            // Retry-After is whole seconds; round up so a client never retries early.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        resp
    }
}

impl From<ApiError> for poem::Error {
    fn from(err: ApiError) -> Self {
        poem::Error::from_response(err.into_response())
    }
}

/// The statuses every operation may answer with, and what each means.
const DOCUMENTED: &[(u16, &str)] = &[
    (
        400,
        "The request is malformed: bad JSON, a missing field or a wrong type.",
    ),
    (
        401,
        "No valid credentials: a missing, tampered or expired token, or an ended session.",
    ),
    (403, "The caller's role does not allow this operation."),
    (
        404,
        "The resource does not exist, or is not visible to the caller.",
    ),
    (
        408,
        "The request body did not arrive within `server.body_read_timeout`; the connection is closed.",
    ),
    (
        409,
        "The request conflicts with stored data (for example a taken username).",
    ),
    (
        413,
        "The request body is larger than `server.max_body_size`.",
    ),
    (
        422,
        "A value is well-formed but not acceptable (for example a too-short password).",
    ),
    (
        429,
        "A limit was reached; retry after the `Retry-After` seconds.",
    ),
    (500, "An unexpected error; it has been logged."),
    (
        503,
        "A dependency is busy or unavailable; retry after the `Retry-After` seconds.",
    ),
];

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: DOCUMENTED
                .iter()
                .map(|&(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: Problem::schema_ref(),
                    }],
                    headers: if status == 429 || status == 503 {
                        vec![MetaHeader {
                            name: "Retry-After".to_owned(),
                            description: Some("Seconds to wait before retrying.".to_owned()),
                            required: true,
                            deprecated: false,
                            schema: u64::schema_ref(),
                        }]
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// Turns any error poem produced outside our handlers into a problem response.
///
/// Errors that already carry a response (ours, converted with `From<ApiError>`) pass
/// through unchanged; the rest keep their status and get a problem body.
pub fn problem_from_poem_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let detail = err.to_string();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => {
            tracing::error!(error = %detail, status = s.as_u16(), "unhandled server error");
            return ApiError::new(
                s,
                "internal",
                "an internal error occurred; it has been logged",
            )
            .into_response();
        }
        _ => "bad_request",
    };
    ApiError::new(status, code, detail).into_response()
}

/// A shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::db::DbError> for ApiError {
    fn from(err: crate::db::DbError) -> Self {
        use crate::db::DbError;
        match err {
            DbError::Busy => Self::unavailable(
                "the database is busy; try again shortly",
                Duration::from_secs(1),
            ),
            DbError::Duplicate(what) => Self::conflict(
                "duplicate",
                format!("this would duplicate an existing record ({what})"),
            ),
            DbError::MissingReference(what) => {
                Self::invalid(format!("a referenced record does not exist ({what})"))
            }
            DbError::Unreachable(why) => {
                tracing::warn!(error = %why, "database unreachable");
                Self {
                    retry_after: Some(Duration::from_secs(5)),
                    ..Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "database_unavailable",
                        "the database is unreachable; try again shortly",
                    )
                }
            }
            DbError::InvalidText(_) => {
                Self::invalid("text fields cannot contain the NUL character".to_owned())
            }
            other => Self::internal(other),
        }
    }
}

impl From<crate::accounts::AccountError> for ApiError {
    fn from(err: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError as E;
        use crate::sessions::SessionError;
        match err {
            E::BadCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                err.to_string(),
            ),
            E::Busy => Self {
                retry_after: Some(Duration::from_secs(1)),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "login_busy",
                    err.to_string(),
                )
            },
            E::Throttled(t) => Self::too_many(
                t.limit,
                "too many failed logins; wait before trying again",
                t.retry_after,
            ),
            E::Invalid(detail) => Self::invalid(detail),
            E::UsernameTaken(_) => Self::conflict("duplicate_username", err.to_string()),
            E::EmailTaken => Self::conflict("duplicate_email", err.to_string()),
            E::NotFound(id) => Self::not_found("user", id),
            E::LastAdmin => Self::conflict("last_admin", err.to_string()),
            E::GuestPass(crate::accounts::GuestPassRefusal::Unknown) => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_guest_pass",
                err.to_string(),
            ),
            E::GuestPass(_) => {
                Self::new(StatusCode::FORBIDDEN, "guest_pass_spent", err.to_string())
            }
            E::Token(e) => Self::new(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string()),
            E::Session(SessionError::Db(e)) | E::Db(e) => e.into(),
            E::Session(e) => Self::new(StatusCode::UNAUTHORIZED, "session_ended", e.to_string()),
            E::Internal(e) => Self::internal(e),
        }
    }
}

impl From<crate::library::FileError> for ApiError {
    fn from(err: crate::library::FileError) -> Self {
        use crate::library::FileError as E;
        match err {
            E::NotFound(id) => Self::not_found("video", id),
            E::NotFoundAt(path) => Self::not_found("video", path),
            E::SeriesNotFound(id) => Self::not_found("series", id),
            E::NoImage(why) => {
                tracing::warn!(%why, "artwork cannot be served");
                Self::new(
                    StatusCode::NOT_FOUND,
                    "no_image",
                    format!("no image: {why}"),
                )
            }
            E::OutsideLibrary(id) => {
                tracing::warn!(video = %id, "file resolves outside its library; refused");
                Self::not_found("video", id)
            }
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::streaming::StreamError> for ApiError {
    fn from(err: crate::streaming::StreamError) -> Self {
        use crate::streaming::StreamError as E;
        match err {
            E::File(e) => e.into(),
            E::Limit(l) => Self::too_many(
                l.limit,
                format!(
                    "{} is {}: no stream slot is free; try again later",
                    l.limit, l.max
                ),
                l.retry_after,
            ),
            E::Io(e) if e.kind() == std::io::ErrorKind::NotFound => Self::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "the video's file is gone; a rescan will remove it",
            ),
            E::Io(e) => Self::internal(e),
        }
    }
}

impl From<crate::transcode::TranscodeError> for ApiError {
    fn from(err: crate::transcode::TranscodeError) -> Self {
        use crate::transcode::TranscodeError as E;
        let unavailable = |code, detail: String, retry_after| Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
        };
        match err {
            E::NotFound(what) => Self::new(StatusCode::NOT_FOUND, "not_found", what),
            E::Invalid(what) => Self::invalid(what),
            E::Busy {
                retry_after,
                reason,
            } => unavailable(
                "transcode_busy",
                format!("{reason}; try again shortly"),
                retry_after,
            ),
            e @ E::BreakerOpen { retry_after } => {
                unavailable("transcode_failing", e.to_string(), retry_after)
            }
            e @ E::Failed(_) => {
                unavailable("transcode_failed", e.to_string(), Duration::from_secs(10))
            }
            e @ E::TimedOut => unavailable("transcode_slow", e.to_string(), Duration::from_secs(2)),
            E::Io(e) => Self::internal(e),
        }
    }
}

impl From<crate::watching::WatchError> for ApiError {
    fn from(err: crate::watching::WatchError) -> Self {
        use crate::watching::WatchError as E;
        match err {
            E::Invalid(detail) => Self::invalid(detail),
            E::File(e) => e.into(),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::playlists::PlaylistError> for ApiError {
    fn from(err: crate::playlists::PlaylistError) -> Self {
        use crate::playlists::PlaylistError as E;
        match err {
            E::NotFound(id) => Self::not_found("playlist", id),
            E::NotOwner => Self::forbidden(err.to_string()),
            E::AlreadyIn(_) => Self::conflict("already_in_playlist", err.to_string()),
            E::NotIn(_) => Self::new(StatusCode::NOT_FOUND, "not_in_playlist", err.to_string()),
            E::Full | E::BlankName => Self::invalid(err.to_string()),
            E::File(e) => e.into(),
            E::Db(e) => e.into(),
        }
    }
}
