//! Account management: roles, duplicates, deactivation and password changes.

use crate::helpers::{assert_problem, on_both_backends, TestApp, PASSWORD};
use homestream::accounts::Role;
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    a_user_creating_a_user_gets_403,
    an_admin_creates_lists_and_deletes_users,
    a_duplicate_username_is_409_whatever_its_case,
    an_invalid_new_account_is_refused_by_the_contract,
    deactivating_an_account_ends_its_sessions_and_blocks_login,
    the_last_admin_cannot_be_demoted_or_deleted,
    an_admin_cannot_take_away_all_of_their_own_libraries,
    changing_a_password_ends_sessions_and_needs_the_current_one,
    users_see_only_their_own_account,
    an_admin_resets_another_password_but_not_their_own,
);

async fn a_user_creating_a_user_gets_403(app: TestApp) {
    let token = app.token_for("ann", Role::User).await;

    let resp = app
        .send_json(
            Method::POST,
            "/api/users",
            &token,
            &json!({"username": "bob", "password": PASSWORD}),
        )
        .await;

    assert_problem(resp, 403, "forbidden").await;
    assert_problem(app.get("/api/users", &token).await, 403, "forbidden").await;
}

async fn an_admin_creates_lists_and_deletes_users(app: TestApp) {
    let token = app.token_for("admin", Role::Admin).await;

    let resp = app
        .send_json(
            Method::POST,
            "/api/users",
            &token,
            &json!({"username": "bob", "password": PASSWORD, "email": "bob@example.org", "role": "guest"}),
        )
        .await;

    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let bob: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/users/{}", bob["id"].as_str().unwrap())
    );
    assert_eq!(bob["role"], "guest");
    assert_eq!(bob["email"], "bob@example.org");
    assert_eq!(app.login("bob", PASSWORD).await.status(), 200);
    let page: Value = app
        .get("/api/users?limit=1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["username"], "admin");
    let deleted = app
        .client
        .delete(app.url(&location))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(app.get(&location, &token).await, 404, "not_found").await;
    assert_eq!(app.login("bob", PASSWORD).await.status(), 401);
}

async fn a_duplicate_username_is_409_whatever_its_case(app: TestApp) {
    let token = app.token_for("admin", Role::Admin).await;
    app.create_user("ann", Role::User).await;

    for name in ["ann", "ANN"] {
        let resp = app
            .send_json(
                Method::POST,
                "/api/users",
                &token,
                &json!({"username": name, "password": PASSWORD}),
            )
            .await;
        assert_problem(resp, 409, "duplicate_username").await;
    }
    let page: Value = app.get("/api/users", &token).await.json().await.unwrap();
    assert_eq!(page["total"], 2, "no half-written row");
}

async fn an_invalid_new_account_is_refused_by_the_contract(app: TestApp) {
    let token = app.token_for("admin", Role::Admin).await;
    let cases = [
        json!({"username": "ann smith", "password": PASSWORD}),
        json!({"username": "ann", "password": PASSWORD, "email": "not-an-address"}),
    ];
    for body in cases {
        // The spec's patterns for username and email: refused as it says (400).
        let resp = app
            .send_json(Method::POST, "/api/users", &token, &body)
            .await;
        assert_problem(resp, 400, "bad_request").await;
    }
    let short = app
        .send_json(
            Method::POST,
            "/api/users",
            &token,
            &json!({"username": "ann", "password": "short"}),
        )
        .await;
    assert_problem(short, 400, "bad_request").await;
}

async fn deactivating_an_account_ends_its_sessions_and_blocks_login(app: TestApp) {
    let admin = app.token_for("admin", Role::Admin).await;
    let ann_token = app.token_for("ann", Role::User).await;
    let ann: Value = app
        .get("/api/users/me", &ann_token)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/users/{}", ann["id"].as_str().unwrap());

    let resp = app
        .send_json(Method::PATCH, &path, &admin, &json!({"is_active": false}))
        .await;

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["is_active"], false);
    assert_problem(
        app.get("/api/users/me", &ann_token).await,
        401,
        "session_ended",
    )
    .await;
    assert_problem(app.login("ann", PASSWORD).await, 401, "invalid_credentials").await;
    app.send_json(
        Method::PATCH,
        &path,
        &admin,
        &json!({"is_active": true, "role": "admin"}),
    )
    .await;
    let relogin: Value = app.login("ann", PASSWORD).await.json().await.unwrap();
    assert_eq!(relogin["user"]["role"], "admin");
}

async fn the_last_admin_cannot_be_demoted_or_deleted(app: TestApp) {
    let token = app.token_for("admin", Role::Admin).await;
    let me: Value = app.get("/api/users/me", &token).await.json().await.unwrap();
    let path = format!("/api/users/{}", me["id"].as_str().unwrap());

    let demote = app
        .send_json(Method::PATCH, &path, &token, &json!({"role": "user"}))
        .await;
    assert_problem(demote, 409, "last_admin").await;
    let delete = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(delete, 409, "last_admin").await;
    assert_eq!(app.get("/api/users/me", &token).await.status(), 200);
}

async fn an_admin_cannot_take_away_all_of_their_own_libraries(app: TestApp) {
    let token = app.token_for("admin", Role::Admin).await;
    let other = app.token_for("root", Role::Admin).await;
    let me: Value = app.get("/api/users/me", &token).await.json().await.unwrap();
    let path = format!("/api/users/{}", me["id"].as_str().unwrap());
    let none = json!({"libraries": []});
    let own = app.send_json(Method::PATCH, &path, &token, &none).await;
    assert_problem(own, 403, "forbidden").await;
    // Nothing changed: the session still works and sees every library.
    let still: Value = app.get("/api/users/me", &token).await.json().await.unwrap();
    assert_eq!(still, me);
    // Another administrator can, and the change ends the account's sessions.
    let by_other = app.send_json(Method::PATCH, &path, &other, &none).await;
    assert_eq!(by_other.status(), 200);
    assert_eq!(app.get("/api/users/me", &token).await.status(), 401);
}

async fn changing_a_password_ends_sessions_and_needs_the_current_one(app: TestApp) {
    let token = app.token_for("ann", Role::User).await;
    let path = "/api/users/me/password";

    let wrong = app
        .send_json(
            Method::PUT,
            path,
            &token,
            &json!({"current_password": "nope", "new_password": "a new password"}),
        )
        .await;
    assert_problem(wrong, 401, "invalid_credentials").await;

    let ok = app
        .send_json(
            Method::PUT,
            path,
            &token,
            &json!({"current_password": PASSWORD, "new_password": "a new password"}),
        )
        .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(app.get("/api/users/me", &token).await.status(), 401);
    assert_eq!(app.login("ann", PASSWORD).await.status(), 401);
    assert_eq!(app.login("ann", "a new password").await.status(), 200);
}

async fn users_see_only_their_own_account(app: TestApp) {
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.create_user("bob", Role::User).await;

    assert_problem(
        app.get(&format!("/api/users/{}", bob.id), &ann).await,
        403,
        "forbidden",
    )
    .await;
    let me: Value = app.get("/api/users/me", &ann).await.json().await.unwrap();
    let own = app
        .get(&format!("/api/users/{}", me["id"].as_str().unwrap()), &ann)
        .await;
    assert_eq!(own.status(), 200);
}

async fn an_admin_resets_another_password_but_not_their_own(app: TestApp) {
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let ann_id = app.my_id(&ann).await;
    let root_id = app.my_id(&admin).await;
    let reset = json!({"new_password": "a reset password"});

    let by_user = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{root_id}/password"),
            &ann,
            &reset,
        )
        .await;
    assert_problem(by_user, 403, "forbidden").await;
    // An administrator's own password needs the current one: not through this route.
    let own = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{root_id}/password"),
            &admin,
            &reset,
        )
        .await;
    assert_problem(own, 403, "forbidden").await;
    assert_eq!(app.login("root", PASSWORD).await.status(), 200);

    let done = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{ann_id}/password"),
            &admin,
            &reset,
        )
        .await;
    assert_eq!(done.status(), 204);
    assert_eq!(
        app.get("/api/users/me", &ann).await.status(),
        401,
        "ann's sessions ended"
    );
    assert_eq!(app.login("ann", PASSWORD).await.status(), 401);
    assert_eq!(app.login("ann", "a reset password").await.status(), 200);
}
