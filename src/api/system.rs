//! Liveness (`/health`) and readiness (`/ready`) for load balancers and systemd.

use super::ApiTags;
use crate::startup::AppState;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct SystemApi;

/// The process is up.
#[derive(Debug, Object)]
struct Health {
    /// Always `ok`.
    status: String,
    /// The server's version.
    version: String,
}

/// Whether this instance can serve requests, and the state of what it depends on.
#[derive(Debug, Object)]
struct Readiness {
    /// `ready` or `not_ready`.
    status: String,
    /// `sqlite` or `postgres`.
    database: String,
    /// `ok`, `unreachable` or `outdated` (migrations not applied).
    database_status: String,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Ready to serve.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// A dependency is missing; the body says which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Liveness: answers as long as the process runs.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// Readiness: the database answers and its schema is current.
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&AppState>) -> ReadyResponse {
        let database_status = match state.db.schema_is_current().await {
            Ok(true) => "ok",
            Ok(false) => "outdated",
            Err(e) => {
                tracing::warn!(error = %e, "readiness check: database unreachable");
                "unreachable"
            }
        };
        let ok = database_status == "ok";
        let body = Json(Readiness {
            status: if ok { "ready" } else { "not_ready" }.to_owned(),
            database: state.db.backend().to_owned(),
            database_status: database_status.to_owned(),
        });
        if ok {
            ReadyResponse::Ready(body)
        } else {
            ReadyResponse::NotReady(body)
        }
    }
}
