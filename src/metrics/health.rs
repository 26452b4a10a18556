//! The figures alerts compare with: users with a session, logins by outcome, stream
//! refusals, the limits streams, transcodes and the transcode cache are measured
//! against, and the state of the database and Redis as `/ready` reports it. Exported
//! as series so an alert needs no copy of the configuration.

use super::{
    advance, gauge, set_state, LimitLabels, Metrics, OutcomeLabels, Snapshot, StatusLabels,
};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

impl Metrics {
    /// The figures alerts compare with: users, logins, refusals, the limits and the
    /// state of the database and Redis.
    pub(super) fn register_health(&mut self) {
        let r = &mut self.registry;
        r.register(
            "active_users",
            "Users with an open login session",
            self.users.clone(),
        );
        r.register(
            "logins",
            "Logins by outcome: ok, failed (bad credentials), throttled (auth.max_failed_logins), error",
            self.logins.clone(),
        );
        r.register(
            "stream_limit",
            "streaming.max_concurrent_streams: streams this instance plays at once",
            self.stream_limit.clone(),
        );
        r.register(
            "stream_refusals",
            "Streams refused by a limit: max_concurrent_streams (server-wide) or max_streams_per_user",
            self.stream_refusals.clone(),
        );
        r.register(
            "analytics_events_lost",
            "Playback events not stored: dropped (the queue was full while the database was slow), failed (the database refused them)",
            self.analytics_lost.clone(),
        );
        r.register(
            "transcode_job_limit",
            "ffmpeg job capacity by state: running (slots, transcode.max_concurrent_jobs), queued (transcode.max_queued_jobs)",
            self.transcode_limits.clone(),
        );
        r.register(
            "transcode_cache_limit_bytes",
            "transcode.cache_size: the transcode cache's cap",
            self.transcode_cache_cap.clone(),
        );
        r.register(
            "database_status",
            "1 for the database's state as /ready reports it (ok, unreachable, outdated), 0 for the others",
            self.database.clone(),
        );
        r.register(
            "redis_status",
            "1 for Redis's state as /ready reports it (ok, unavailable, disabled), 0 for the others",
            self.redis.clone(),
        );
    }

    /// Users, logins, refusals, limits, the database and Redis.
    pub(super) fn record_health(&self, now: &Snapshot) {
        if let Some(users) = now.active_users {
            self.users.set(users);
        }
        let l = &now.logins;
        for (outcome, total) in [
            ("ok", l.ok),
            ("failed", l.failed),
            ("throttled", l.throttled),
            ("error", l.error),
        ] {
            advance(
                &self.logins,
                &OutcomeLabels {
                    outcome: outcome.to_owned(),
                },
                total,
            );
        }
        self.stream_limit.set(gauge(now.stream_limit));
        let refused = &now.stream_refusals;
        for (limit, total) in [
            ("max_concurrent_streams", refused.server_wide),
            ("max_streams_per_user", refused.per_user),
        ] {
            advance(
                &self.stream_refusals,
                &LimitLabels {
                    limit: limit.to_owned(),
                },
                total,
            );
        }
        let (dropped, failed) = now.analytics_lost;
        for (outcome, total) in [("dropped", dropped), ("failed", failed)] {
            advance(
                &self.analytics_lost,
                &OutcomeLabels {
                    outcome: outcome.to_owned(),
                },
                total,
            );
        }
        let (slots, queue) = now.transcode_limits;
        set_state(&self.transcode_limits, "running", slots);
        set_state(&self.transcode_limits, "queued", queue);
        self.transcode_cache_cap.set(gauge(now.transcode_cache_cap));
        let states = crate::db::Health::ALL.map(|h| (h.as_str(), h == now.database));
        set_status(&self.database, states);
        let states = crate::cache::RedisHealth::ALL.map(|h| (h.as_str(), h == now.redis));
        set_status(&self.redis, states);
    }
}

/// An enumeration as gauges: 1 for the current state, 0 for every other.
fn set_status<const N: usize>(family: &Family<StatusLabels, Gauge>, states: [(&str, bool); N]) {
    for (status, current) in states {
        family
            .get_or_create(&StatusLabels {
                status: status.to_owned(),
            })
            .set(i64::from(current));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_figures_limits_and_process_series_are_exposed() {
        let m = Metrics::new(["/api/videos".to_owned()]);
        let snapshot = || Snapshot {
            active_streams: 3,
            active_users: Some(2),
            stream_limit: 8,
            stream_refusals: crate::streaming::Refusals {
                server_wide: 4,
                per_user: 1,
            },
            logins: crate::accounts::LoginCounts {
                ok: 5,
                failed: 2,
                throttled: 1,
                error: 0,
            },
            database: crate::db::Health::Unreachable,
            redis: crate::cache::RedisHealth::Ok,
            transcode_limits: (2, 4),
            transcodes_refused: 6,
            transcode_cache_cap: 1000,
            analytics_lost: (7, 0),
            ..Snapshot::default()
        };
        m.render(snapshot());
        // Totals kept by the services since start-up are not added twice.
        let text = m.render(snapshot());
        for line in [
            "homestream_active_users 2",
            "homestream_stream_limit 8",
            r#"homestream_stream_refusals_total{limit="max_concurrent_streams"} 4"#,
            r#"homestream_analytics_events_lost_total{outcome="dropped"} 7"#,
            r#"homestream_stream_refusals_total{limit="max_streams_per_user"} 1"#,
            r#"homestream_logins_total{outcome="ok"} 5"#,
            r#"homestream_logins_total{outcome="failed"} 2"#,
            r#"homestream_logins_total{outcome="throttled"} 1"#,
            r#"homestream_logins_total{outcome="error"} 0"#,
            r#"homestream_database_status{status="unreachable"} 1"#,
            r#"homestream_database_status{status="ok"} 0"#,
            r#"homestream_database_status{status="outdated"} 0"#,
            r#"homestream_redis_status{status="ok"} 1"#,
            r#"homestream_redis_status{status="disabled"} 0"#,
            r#"homestream_transcode_job_limit{state="running"} 2"#,
            r#"homestream_transcode_job_limit{state="queued"} 4"#,
            r#"homestream_transcode_job_outcomes_total{state="refused"} 6"#,
            "homestream_transcode_cache_limit_bytes 1000",
            "# TYPE process_cpu_seconds counter",
            "# TYPE process_resident_memory_bytes gauge",
            "process_open_fds ",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        assert!(
            !text.contains("homestream_process_"),
            "process series keep their names"
        );
        assert_eq!(text.matches("# EOF").count(), 1);
        assert!(text.ends_with("# EOF\n"));
    }
}
