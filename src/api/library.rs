//! Library scans: progress for everyone, starting one for administrators.

use super::tags::ApiTags;
use crate::accounts::Role;
use crate::api::guard::BearerAuth;
use crate::error::ApiResult;
use crate::library::ScanProgress;
use crate::state::AppState;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

pub struct LibraryApi;

#[derive(ApiResponse)]
enum ScanStarted {
    /// A scan is running (this one, or one already under way); poll
    /// `GET /api/library/scan` for its progress.
    #[oai(status = 202)]
    Accepted(Json<ScanProgress>),
}

#[OpenApi(tag = "ApiTags::Library")]
impl LibraryApi {
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
        Ok(Json(state.library.scan_progress()))
    }

    /// Starts a scan of every library (administrators). New, changed, moved and removed
    /// files are picked up; unchanged files are not probed again.
    #[oai(
        path = "/api/library/scan",
        method = "post",
        operation_id = "startScan"
    )]
    async fn start(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<ScanStarted> {
        auth.0.require(Role::Admin)?;
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
        Ok(ScanStarted::Accepted(Json(progress)))
    }
}
