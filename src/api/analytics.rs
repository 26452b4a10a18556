//! Viewing analytics: the whole server's for administrators, one's own for everyone.

use super::tags::ApiTags;
use crate::analytics::{Bucket, Figures, Report};
use crate::api::error::ApiResult;
use crate::api::guard::BearerAuth;
use crate::library::{Scope, Seen};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

pub struct AnalyticsApi;

/// The width of a report's buckets (UTC; weeks start on Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum BucketWidth {
    Hour,
    Day,
    Week,
}

/// The figures of one period.
#[derive(Debug, Object)]
struct PeriodFigures {
    /// Users who played something.
    active_users: u64,
    /// Sessions that played something.
    sessions: u64,
    /// Playbacks started.
    plays: u64,
    /// The most playbacks open at once.
    peak_concurrent_streams: u64,
    /// Hours from each playback's start to its last request, for playbacks that ended.
    watch_hours: f64,
    bytes_streamed: u64,
    /// Shares of the playbacks started, 0 to 1 (0 when none started).
    direct_share: f64,
    remux_share: f64,
    transcode_share: f64,
}

impl From<&Figures> for PeriodFigures {
    fn from(f: &Figures) -> Self {
        let share = |n: u64| {
            if f.plays == 0 {
                0.0
            } else {
                n as f64 / f.plays as f64
            }
        };
        Self {
            active_users: f.active_users,
            sessions: f.sessions,
            plays: f.plays,
            peak_concurrent_streams: f.peak_concurrent_streams,
            watch_hours: f.watch_hours,
            bytes_streamed: f.bytes,
            direct_share: share(f.direct),
            remux_share: share(f.remux),
            transcode_share: share(f.transcode),
        }
    }
}

/// One bucket of a report.
#[derive(Debug, Object)]
struct Period {
    start: DateTime<Utc>,
    figures: PeriodFigures,
}

/// A video's share of a report.
#[derive(Debug, Object)]
struct TopVideo {
    video_id: Uuid,
    /// Absent when the video has left the catalog.
    title: Option<String>,
    plays: u64,
    watch_hours: f64,
}

/// One user's totals in a report.
#[derive(Debug, Object)]
struct UserTotals {
    user_id: Uuid,
    /// Absent when the account is gone.
    username: Option<String>,
    plays: u64,
    watch_hours: f64,
    bytes_streamed: u64,
}

/// Viewing analytics over a period.
#[derive(Debug, Object)]
struct AnalyticsReport {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: Vec<Period>,
    total: PeriodFigures,
    /// The ten videos played most.
    top_videos: Vec<TopVideo>,
    /// Every user who played something, by watch time.
    users: Vec<UserTotals>,
}

/// One's own viewing over a period.
#[derive(Debug, Object)]
struct MyStats {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    total: PeriodFigures,
    /// The ten videos played most.
    top_videos: Vec<TopVideo>,
}

/// The buckets a report may have at most.
const MAX_BUCKETS: i64 = 2000;

/// The period asked for: `to` defaults to now, `from` to 30 days before `to`. A
/// `from` at or after `to` is an empty period; one more than [`MAX_BUCKETS`] buckets
/// before `to` starts that many buckets before it (the answer's `from` says so).
fn period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    width: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let to = to.unwrap_or_else(Utc::now);
    let earliest = to - width * (MAX_BUCKETS - 1) as i32;
    let from = from.unwrap_or(to - Duration::days(30)).clamp(earliest, to);
    (from, to)
}

/// The report's most played videos, less those `scope` hides.
async fn top_videos(state: &AppState, report: &Report, scope: &Scope) -> ApiResult<Vec<TopVideo>> {
    let mut out = Vec::with_capacity(report.top_videos.len());
    let catalog = state.library.for_caller(scope);
    for (id, plays, hours) in &report.top_videos {
        let title = match catalog.seen(*id).await? {
            Seen::Visible(v) => Some(v.title.clone()),
            Seen::Hidden => continue,
            Seen::Unknown => None,
        };
        out.push(TopVideo {
            video_id: *id,
            title,
            plays: *plays,
            watch_hours: *hours,
        });
    }
    Ok(out)
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AnalyticsApi {
    /// Viewing analytics (administrators): per bucket and in total, active users,
    /// sessions, plays, the peak of concurrent streams, watch hours, bytes streamed and
    /// the direct/remux/transcode shares; the most played videos and every user's
    /// totals. A playback counts where it started, its watch time and bytes where it
    /// stopped.
    #[oai(
        path = "/api/admin/analytics",
        method = "get",
        operation_id = "getAnalytics"
    )]
    async fn report(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// The start of the period (default: 30 days before `to`; at most 2,000
        /// buckets before it; at or after `to`, the period is empty).
        from: Query<Option<DateTime<Utc>>>,
        /// The end of the period, exclusive (default: now).
        to: Query<Option<DateTime<Utc>>>,
        /// Defaults to `day`.
        bucket: Query<Option<BucketWidth>>,
    ) -> ApiResult<Json<AnalyticsReport>> {
        let (bucket, width) = match bucket.0.unwrap_or(BucketWidth::Day) {
            BucketWidth::Hour => (Bucket::Hour, Duration::hours(1)),
            BucketWidth::Day => (Bucket::Day, Duration::days(1)),
            BucketWidth::Week => (Bucket::Week, Duration::weeks(1)),
        };
        let (from, to) = period(from.0, to.0, width);
        let report = state.analytics.report(from, to, bucket, None).await?;
        let mut users = Vec::with_capacity(report.users.len());
        for (id, plays, hours, bytes) in &report.users {
            users.push(UserTotals {
                user_id: *id,
                username: state.accounts.get(*id).await.ok().map(|a| a.username),
                plays: *plays,
                watch_hours: *hours,
                bytes_streamed: *bytes,
            });
        }
        Ok(Json(AnalyticsReport {
            from,
            to,
            buckets: report
                .buckets
                .iter()
                .map(|(start, f)| Period {
                    start: *start,
                    figures: f.into(),
                })
                .collect(),
            total: (&report.total).into(),
            top_videos: top_videos(&state, &report, &Scope::all()).await?,
            users,
        }))
    }

    /// The caller's own viewing over a period (default: the last 30 days): plays, watch
    /// hours, bytes, the modes and the videos played most.
    #[oai(
        path = "/api/users/me/stats",
        method = "get",
        operation_id = "getMyStats",
        tag = "ApiTags::Watching"
    )]
    async fn mine(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The start of the period (default: 30 days before `to`).
        from: Query<Option<DateTime<Utc>>>,
        /// The end of the period, exclusive (default: now).
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<MyStats>> {
        let (from, to) = period(from.0, to.0, Duration::weeks(1));
        let report = state
            .analytics
            .report(from, to, Bucket::Week, Some(auth.0.id))
            .await?;
        Ok(Json(MyStats {
            from,
            to,
            total: (&report.total).into(),
            top_videos: top_videos(&state, &report, &auth.0.scope).await?,
        }))
    }
}
