//! The libraries a caller sees, and library scans (administrators).

use super::tags::ApiTags;
use crate::api::error::ApiResult;
use crate::api::guard::BearerAuth;
use crate::api::views::ScanProgress;
use crate::state::AppState;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct LibraryApi;

/// A library the caller sees.
#[derive(Debug, Object)]
struct LibraryInfo {
    /// Its name in `media.libraries`, as the catalog's `library` filter takes it.
    name: String,
    /// Playable videos in it.
    videos: i64,
}

#[derive(ApiResponse)]
enum ScanStarted {
    /// A scan is running (this one, or one already under way); poll
    /// `GET /api/library/scan` for its progress.
    #[oai(status = 202)]
    Accepted(Json<ScanProgress>),
}

#[OpenApi(tag = "ApiTags::Library")]
impl LibraryApi {
    /// The libraries the caller sees (all of them, unless an administrator limited the
    /// account), in the configured order, with how many playable videos each holds.
    #[oai(
        path = "/api/libraries",
        method = "get",
        operation_id = "listLibraries"
    )]
    async fn libraries(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<LibraryInfo>>> {
        let libraries = auth.catalog(&state).libraries().await?;
        Ok(Json(
            libraries
                .into_iter()
                .map(|l| LibraryInfo {
                    name: l.name,
                    videos: l.videos,
                })
                .collect(),
        ))
    }

    /// The running scan's progress, or the last scan's result.
    #[oai(
        path = "/api/library/scan",
        method = "get",
        operation_id = "getScanProgress"
    )]
    async fn progress(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
    ) -> ApiResult<Json<ScanProgress>> {
        Ok(Json(state.library.scan_progress().into()))
    }

    /// Starts a scan of every library (administrators). New, changed, moved and removed
    /// files are picked up; unchanged files are not probed again.
    #[oai(
        path = "/api/library/scan",
        method = "post",
        operation_id = "startScan"
    )]
    async fn start(&self, state: Data<&AppState>, _auth: BearerAuth) -> ApiResult<ScanStarted> {
        if !state.library.scan_running() {
            let library = state.library.clone();
            tokio::spawn(async move {
                library.scan(None).await;
            });
            // Let the scan take its lock so the answer shows it running.
            tokio::task::yield_now().await;
        }
        let mut progress = state.library.scan_progress();
        progress.running = true;
        Ok(ScanStarted::Accepted(Json(progress.into())))
    }
}
