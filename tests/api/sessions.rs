//! Sessions: listing, ending another device, the per-user cap, inactivity, and
//! preferences carried into new sessions; on every store.

use crate::helpers::{assert_problem, on_each_store, spawn_store, Store, TestApp, PASSWORD};
use homestream::accounts::Role;
use homestream::config::{HumanDuration, PositiveInt};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_each_store!(
    a_user_lists_and_ends_their_own_sessions,
    a_login_beyond_the_cap_ends_the_least_recently_used_session,
    an_idle_session_expires_and_the_sweep_ends_it,
    preferences_are_validated_stored_and_copied_into_new_sessions,
    every_end_is_recorded_with_its_reason_and_shared_under_the_documented_keys,
    activity_is_written_to_the_row_once_per_tenth_of_the_idle_timeout,
);

async fn login_as(
    app: &TestApp,
    username: &str,
    user_agent: &str,
    body: Value,
) -> (String, String) {
    let mut body = body;
    body["username"] = json!(username);
    body["password"] = json!(PASSWORD);
    let resp = app
        .client
        .post(app.url("/api/auth/login"))
        .header("user-agent", user_agent)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    (
        v["access_token"].as_str().unwrap().to_owned(),
        v["session_id"].as_str().unwrap().to_owned(),
    )
}

async fn sessions(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn a_user_lists_and_ends_their_own_sessions(store: Store) {
    let Some(app) = spawn_store(store, |_| {}).await else {
        return;
    };
    app.create_user("ann", Role::User).await;
    let admin = app.token_for("root", Role::Admin).await;
    let phone_ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile";
    let (phone, phone_id) = login_as(&app, "ann", phone_ua, json!({})).await;
    let tv_body = json!({"device_type": "tv", "device_name": "Living room"});
    let (tv, tv_id) = login_as(&app, "ann", "curl/8", tv_body).await;

    let mine = sessions(&app, &phone, "/api/sessions").await;
    assert_eq!(mine.len(), 2, "{mine:?}");
    let by_id = |id: &str| mine.iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(by_id(&phone_id)["current"], true);
    assert_eq!(by_id(&phone_id)["device_type"], "mobile");
    assert_eq!(by_id(&phone_id)["user_agent"], phone_ua);
    assert_eq!(by_id(&tv_id)["current"], false);
    assert_eq!(by_id(&tv_id)["device_type"], "tv");
    assert_eq!(by_id(&tv_id)["device_name"], "Living room");
    assert_eq!(by_id(&tv_id)["client_address"], "127.0.0.1");

    // Someone else's session is not there to end.
    let admin_sessions = sessions(&app, &admin, "/api/sessions").await;
    let admin_sid = admin_sessions[0]["id"].as_str().unwrap();
    let foreign = app
        .send_json(
            Method::DELETE,
            &format!("/api/sessions/{admin_sid}"),
            &phone,
            &json!({}),
        )
        .await;
    assert_problem(foreign, 404, "not_found").await;

    // The phone logs the TV out; the TV's token stops working at once.
    let ended = app
        .send_json(
            Method::DELETE,
            &format!("/api/sessions/{tv_id}"),
            &phone,
            &json!({}),
        )
        .await;
    assert_eq!(ended.status(), 204);
    assert_problem(app.get("/api/users/me", &tv).await, 401, "session_ended").await;
    assert_eq!(app.get("/api/users/me", &phone).await.status(), 200);
    assert_eq!(sessions(&app, &phone, "/api/sessions").await.len(), 1);

    // Administrators see every user's sessions; others may not.
    let all = sessions(&app, &admin, "/api/admin/sessions").await;
    let names: Vec<&str> = all
        .iter()
        .map(|s| s["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ann") && names.contains(&"root"),
        "{names:?}"
    );
    assert_problem(
        app.get("/api/admin/sessions", &phone).await,
        403,
        "forbidden",
    )
    .await;

    // Logging out ends the session too.
    let out = app
        .send_json(Method::POST, "/api/auth/logout", &phone, &json!({}))
        .await;
    assert_eq!(out.status(), 204);
    assert_problem(app.get("/api/sessions", &phone).await, 401, "session_ended").await;
}

async fn a_login_beyond_the_cap_ends_the_least_recently_used_session(store: Store) {
    let Some(app) = spawn_store(store, |s| s.auth.max_sessions_per_user = PositiveInt(2)).await
    else {
        return;
    };
    app.create_user("ann", Role::User).await;
    let first = app.login_token("ann").await;
    let second = app.login_token("ann").await;
    // The first is used after the second, so the second is the least recently used.
    app.state.clock.advance(Duration::from_secs(1));
    assert_eq!(app.get("/api/users/me", &first).await.status(), 200);
    app.state.clock.advance(Duration::from_secs(1));
    let third = app.login_token("ann").await;
    assert_problem(
        app.get("/api/users/me", &second).await,
        401,
        "session_ended",
    )
    .await;
    assert_eq!(app.get("/api/users/me", &first).await.status(), 200);
    assert_eq!(app.get("/api/users/me", &third).await.status(), 200);
    assert_eq!(sessions(&app, &third, "/api/sessions").await.len(), 2);

    // Ten logins at once still leave exactly two sessions.
    let logins: Vec<_> = (0..10).map(|_| app.login("ann", PASSWORD)).collect();
    for resp in futures_util::future::join_all(logins).await {
        assert_eq!(resp.status(), 200);
    }
    let admin = app.token_for("root", Role::Admin).await;
    let all = sessions(&app, &admin, "/api/admin/sessions").await;
    assert_eq!(
        all.iter().filter(|s| s["username"] == "ann").count(),
        2,
        "{all:?}"
    );
}

async fn an_idle_session_expires_and_the_sweep_ends_it(store: Store) {
    let Some(app) = spawn_store(store, |s| {
        s.auth.session_timeout = HumanDuration(Duration::from_secs(2))
    })
    .await
    else {
        return;
    };
    app.create_user("ann", Role::User).await;
    let active = app.login_token("ann").await;
    let idle = app.login_token("ann").await;
    // Requests keep one session alive past the timeout.
    // Every 500 ms against a 2 s timeout: a request four times late still keeps it.
    for _ in 0..6 {
        app.state.clock.advance(Duration::from_millis(500));
        assert_eq!(app.get("/api/users/me", &active).await.status(), 200);
    }
    assert_problem(app.get("/api/users/me", &idle).await, 401, "session_ended").await;
    // The sweep ends idle sessions without a request: the active one is the only one
    // listed, and after a pause it too is gone from the record.
    assert_eq!(sessions(&app, &active, "/api/sessions").await.len(), 1);
    app.state.clock.advance(Duration::from_secs(3));
    // The sweep runs every second here; a loaded machine may delay a run, so wait for
    // the record up to a deadline rather than for a fixed pause.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut rows = session_rows(&app).await;
    while rows != (0, 2) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        rows = session_rows(&app).await;
    }
    assert_eq!(rows, (0, 2), "the sweep ended both sessions");
    assert_problem(
        app.get("/api/users/me", &active).await,
        401,
        "session_ended",
    )
    .await;
}

/// Rows not yet marked ended, and those ended as idle.
async fn session_rows(app: &TestApp) -> (i64, i64) {
    use homestream::db::Database;
    let open = "SELECT COUNT(*) FROM user_sessions WHERE revoked_at IS NULL";
    let idle = "SELECT COUNT(*) FROM user_sessions WHERE end_reason = 'idle'";
    match &app.state.db {
        Database::Sqlite(p) => (
            sqlx::query_scalar(open).fetch_one(p).await.unwrap(),
            sqlx::query_scalar(idle).fetch_one(p).await.unwrap(),
        ),
        Database::Postgres(p) => (
            sqlx::query_scalar(open).fetch_one(p).await.unwrap(),
            sqlx::query_scalar(idle).fetch_one(p).await.unwrap(),
        ),
    }
}

async fn preferences_are_validated_stored_and_copied_into_new_sessions(store: Store) {
    let Some(app) = spawn_store(store, |_| {}).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    let defaults: Value = app
        .get("/api/users/me/preferences", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(defaults["quality"], "auto");
    assert_eq!(defaults["device_type"], "desktop");

    let bad = [
        json!({"quality": "8k"}),
        json!({"quality": "720p", "max_bandwidth_kbps": 10}),
        json!({"device_type": "fridge"}),
        json!({"audio_language": "english"}),
        json!({"subtitle_language": "E"}),
        json!({"max_bandwidth_kbps": "fast"}),
    ];
    for body in bad {
        let resp = app
            .send_json(Method::PUT, "/api/users/me/preferences", &token, &body)
            .await;
        assert!(resp.status().is_client_error(), "{body}: {}", resp.status());
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    let unchanged: Value = app
        .get("/api/users/me/preferences", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged, defaults, "a refused update changes nothing");

    let good = json!({
        "quality": "720p",
        "max_bandwidth_kbps": 4000,
        "device_type": "tv",
        "audio_language": "fra",
        "subtitle_language": "en"
    });
    let saved = app
        .send_json(Method::PUT, "/api/users/me/preferences", &token, &good)
        .await;
    assert_eq!(saved.status(), 200);
    let stored: Value = app
        .get("/api/users/me/preferences", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, good);

    // A new session carries them, and takes its device type from them when the client
    // does not say and its user agent does not tell.
    let (fresh, fresh_id) = login_as(&app, "ann", "", json!({})).await;
    let list = sessions(&app, &fresh, "/api/sessions").await;
    let s = list.iter().find(|s| s["id"] == fresh_id.as_str()).unwrap();
    assert_eq!(s["preferences"], good);
    assert_eq!(s["device_type"], "tv");
}

/// The reason recorded on a session's row, once it has ended.
async fn end_reason(app: &TestApp, session_id: &str) -> Option<String> {
    use homestream::db::Database;
    let id = uuid::Uuid::parse_str(session_id).unwrap();
    match &app.state.db {
        Database::Sqlite(p) => {
            sqlx::query_scalar("SELECT end_reason FROM user_sessions WHERE id = ?")
                .bind(id)
                .fetch_one(p)
                .await
        }
        Database::Postgres(p) => {
            sqlx::query_scalar("SELECT end_reason FROM user_sessions WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await
        }
    }
    .unwrap()
}

/// One Redis command against the test's Redis, under its key prefix.
fn redis_cli(app: &TestApp, args: &[&str], key: &str) -> String {
    let key = format!("{}{key}", app.settings.redis.key_prefix);
    let out = std::process::Command::new("redis-cli")
        .args(["-u", app.settings.redis.url.expose()])
        .args(args)
        .arg(&key)
        .output()
        .expect("redis-cli runs (package redis-tools)");
    String::from_utf8(out.stdout).unwrap()
}

async fn every_end_is_recorded_with_its_reason_and_shared_under_the_documented_keys(store: Store) {
    let Some(app) = spawn_store(store, |_| {}).await else {
        return;
    };
    let ann = app.create_user("ann", Role::User).await;
    let admin = app.token_for("root", Role::Admin).await;
    let (phone, phone_id) = login_as(&app, "ann", "curl/8", json!({})).await;
    let (_tv, tv_id) = login_as(&app, "ann", "curl/8", json!({})).await;
    if store.redis {
        // The README's cache keys: a user's shared session copies, by session id.
        let copies = redis_cli(&app, &["HKEYS"], &format!("user:session:{}", ann.id));
        assert!(copies.contains(&tv_id), "{copies:?}");
    }
    assert_eq!(end_reason(&app, &tv_id).await, None);

    let path = format!("/api/sessions/{tv_id}");
    let ended = app
        .send_json(Method::DELETE, &path, &phone, &json!({}))
        .await;
    assert_eq!(ended.status(), 204);
    assert_eq!(end_reason(&app, &tv_id).await.as_deref(), Some("revoked"));
    if store.redis {
        let marker = redis_cli(&app, &["EXISTS"], &format!("session:ended:{tv_id}"));
        assert_eq!(marker.trim(), "1", "the end marker is shared");
    }
    let out = app
        .send_json(Method::POST, "/api/auth/logout", &phone, &json!({}))
        .await;
    assert_eq!(out.status(), 204);
    assert_eq!(end_reason(&app, &phone_id).await.as_deref(), Some("logout"));

    let (laptop, laptop_id) = login_as(&app, "ann", "curl/8", json!({})).await;
    let change = json!({"current_password": PASSWORD, "new_password": PASSWORD});
    let changed = app
        .send_json(Method::PUT, "/api/users/me/password", &laptop, &change)
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        end_reason(&app, &laptop_id).await.as_deref(),
        Some("password")
    );

    let (_, desk_id) = login_as(&app, "ann", "curl/8", json!({})).await;
    let path = format!("/api/users/{}", ann.id);
    let off = app
        .send_json(Method::PATCH, &path, &admin, &json!({"is_active": false}))
        .await;
    assert_eq!(off.status(), 200);
    assert_eq!(
        end_reason(&app, &desk_id).await.as_deref(),
        Some("deactivated")
    );
    // Another access change (a role, the libraries) is recorded as what it was.
    let on = app
        .send_json(Method::PATCH, &path, &admin, &json!({"is_active": true}))
        .await;
    assert_eq!(on.status(), 200);
    let (_, den_id) = login_as(&app, "ann", "curl/8", json!({})).await;
    let promoted = app
        .send_json(Method::PATCH, &path, &admin, &json!({"role": "admin"}))
        .await;
    assert_eq!(promoted.status(), 200);
    assert_eq!(
        end_reason(&app, &den_id).await.as_deref(),
        Some("access_changed")
    );
}

/// The `last_activity` stored on a session's row.
async fn stored_activity(app: &TestApp, session_id: &str) -> chrono::DateTime<chrono::Utc> {
    use homestream::db::Database;
    let id = uuid::Uuid::parse_str(session_id).unwrap();
    match &app.state.db {
        Database::Sqlite(p) => {
            sqlx::query_scalar("SELECT last_activity FROM user_sessions WHERE id = ?")
                .bind(id)
                .fetch_one(p)
                .await
        }
        Database::Postgres(p) => {
            sqlx::query_scalar("SELECT last_activity FROM user_sessions WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await
        }
    }
    .unwrap()
}

/// Requests do not each write the session row: activity is stored when it moved by a
/// tenth of `auth.session_timeout` (at most a minute), which bounds the writes.
async fn activity_is_written_to_the_row_once_per_tenth_of_the_idle_timeout(store: Store) {
    let Some(app) = spawn_store(store, |s| {
        s.auth.session_timeout = HumanDuration(Duration::from_secs(40));
    })
    .await
    else {
        return;
    };
    app.create_user("ann", Role::User).await;
    let (token, id) = login_as(&app, "ann", "curl/8", json!({})).await;
    let first = stored_activity(&app, &id).await;
    for _ in 0..3 {
        app.state.clock.advance(Duration::from_millis(1200));
        assert_eq!(app.get("/api/users/me", &token).await.status(), 200);
    }
    assert_eq!(
        stored_activity(&app, &id).await,
        first,
        "within 3.6 s of the 4 s granularity: no write"
    );
    // Past the granularity (4 s here) a request stores its activity.
    app.state.clock.advance(Duration::from_millis(600));
    assert_eq!(app.get("/api/users/me", &token).await.status(), 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while stored_activity(&app, &id).await == first {
        assert!(
            tokio::time::Instant::now() < deadline,
            "activity was stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
