//! Why a transcode cannot be served: one error for HLS segments, progressive streams
//! and subtitles, which the API answers as named 404, 422 and 503 problems.

use std::time::Duration;

/// Why a transcode cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be served for this video (a transcode of a file with no
    /// picture).
    #[error("{0}")]
    Invalid(String),
    /// Every slot is busy: `reason` says whether the queue was full or the wait ran out.
    #[error("{reason}")]
    Busy {
        retry_after: Duration,
        reason: String,
    },
    #[error("transcoding this video failed repeatedly; it is not tried again for a while")]
    BreakerOpen { retry_after: Duration },
    #[error("ffmpeg could not transcode this video: {0}")]
    Failed(String),
    #[error("ffmpeg's output was not ready in time")]
    TimedOut,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl TranscodeError {
    /// The same answer for another request that waited on the same attempt.
    pub fn shared(&self) -> Self {
        match self {
            Self::NotFound(s) => Self::NotFound(s.clone()),
            Self::Invalid(s) => Self::Invalid(s.clone()),
            Self::Busy {
                retry_after,
                reason,
            } => Self::Busy {
                retry_after: *retry_after,
                reason: reason.clone(),
            },
            Self::BreakerOpen { retry_after } => Self::BreakerOpen {
                retry_after: *retry_after,
            },
            Self::Failed(s) => Self::Failed(s.clone()),
            Self::TimedOut => Self::TimedOut,
            Self::Io(e) => Self::Failed(e.to_string()),
        }
    }
}
