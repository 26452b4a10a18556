//! Guest passes: made by an administrator, used by someone without an account for a
//! temporary guest session; used up, expired and revoked passes open nothing, and
//! revocation ends their sessions at once, on every instance.

use crate::helpers::{assert_problem, on_each_store, pair, Store, TestApp};
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};

async fn issue(app: &TestApp, admin: &str, max_uses: u32) -> Value {
    let resp = app
        .send_json(
            Method::POST,
            "/api/admin/guest-passes",
            admin,
            &json!({ "label": "visit", "valid_hours": 1, "max_uses": max_uses }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

async fn redeem(app: &TestApp, code: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/guest"))
        .json(&json!({ "code": code, "device_name": "Living room TV" }))
        .send()
        .await
        .unwrap()
}

async fn token_of(resp: reqwest::Response) -> (String, Value) {
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_owned(), body)
}

/// A pass opens up to `max_uses` guest sessions, each a guest of its own whose session
/// ends with the pass; the code is shown once and only administrators see passes.
async fn a_pass_opens_guest_sessions_up_to_its_uses(store: Store) {
    let Some((app, _)) = pair(store).await else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let issued = issue(&app, &admin, 2).await;
    let code = issued["code"].as_str().unwrap();
    assert!(code.len() >= 32, "{issued}");
    assert!(issued["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/guest?code={code}")));
    assert_eq!(issued["pass"]["uses"], 0);

    let (first, body) = token_of(redeem(&app, code).await).await;
    assert_eq!(body["user"]["role"], "guest", "{body}");
    let lifetime = body["expires_in"].as_i64().unwrap();
    assert!(
        (3590..=3600).contains(&lifetime),
        "ends with the pass: {body}"
    );
    let (second, body2) = token_of(redeem(&app, code).await).await;
    assert_ne!(body["user"]["id"], body2["user"]["id"], "a guest each");
    assert_problem(redeem(&app, code).await, 403, "guest_pass_spent").await;
    assert_problem(redeem(&app, "not-a-code").await, 401, "invalid_guest_pass").await;

    // A guest browses and creates nothing.
    assert_eq!(app.get("/api/videos", &first).await.status(), 200);
    let made = app
        .send_json(
            Method::POST,
            "/api/playlists",
            &second,
            &json!({ "name": "mine" }),
        )
        .await;
    assert_problem(made, 403, "forbidden").await;
    assert_problem(
        app.get("/api/admin/guest-passes", &first).await,
        403,
        "forbidden",
    )
    .await;

    let passes: Value = app
        .get("/api/admin/guest-passes", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(passes[0]["uses"], 2, "{passes}");
    assert_eq!(passes[0]["open_sessions"], 2, "{passes}");
    assert!(
        passes[0].get("code").is_none(),
        "the code is never shown again"
    );
}

/// Revoking a pass ends its guests' sessions at once, on the instance that revoked it
/// and on another sharing the database and Redis, and it opens nothing more.
async fn revoking_a_pass_ends_its_sessions_everywhere_at_once(store: Store) {
    let Some((app, other)) = pair(store).await else {
        return;
    };
    let other = other.as_ref().unwrap_or(&app);
    let admin = app.token_for("root", Role::Admin).await;
    let issued = issue(&app, &admin, 5).await;
    let code = issued["code"].as_str().unwrap();
    let (here, _) = token_of(redeem(&app, code).await).await;
    let (there, _) = token_of(redeem(other, code).await).await;
    assert_eq!(other.get("/api/users/me", &there).await.status(), 200);
    assert_eq!(other.get("/api/users/me", &here).await.status(), 200);

    let id = issued["pass"]["id"].as_str().unwrap();
    let resp = app
        .client
        .delete(app.url(&format!("/api/admin/guest-passes/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    for token in [&here, &there] {
        assert_eq!(app.get("/api/users/me", token).await.status(), 401);
        assert_eq!(other.get("/api/users/me", token).await.status(), 401);
    }
    assert_problem(redeem(other, code).await, 403, "guest_pass_spent").await;
    let missing = app
        .client
        .delete(app.url(&format!("/api/admin/guest-passes/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not_found").await;
}

/// An expired pass opens nothing, and the sweep removes the guests it let in.
async fn an_expired_pass_opens_nothing_and_its_guests_go(store: Store) {
    let Some((app, _)) = pair(store).await else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let issued = issue(&app, &admin, 5).await;
    let code = issued["code"].as_str().unwrap();
    let (guest, _) = token_of(redeem(&app, code).await).await;
    expire_every_pass(&app).await;
    assert_problem(redeem(&app, code).await, 403, "guest_pass_spent").await;
    assert_eq!(app.state.accounts.sweep_guest_passes().await.unwrap(), 1);
    assert_eq!(app.get("/api/users/me", &guest).await.status(), 401);
}

async fn expire_every_pass(app: &TestApp) {
    use homestream::db::Database;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let sql = "UPDATE guest_passes SET expires_at = $1";
    let changed = match &app.state.db {
        Database::Sqlite(p) => sqlx::query(sql)
            .bind(past)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Database::Postgres(p) => sqlx::query(sql)
            .bind(past)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(changed, 1);
}

on_each_store!(
    a_pass_opens_guest_sessions_up_to_its_uses,
    revoking_a_pass_ends_its_sessions_everywhere_at_once,
    an_expired_pass_opens_nothing_and_its_guests_go
);
