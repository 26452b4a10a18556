//! The bearer security scheme: every protected operation takes a [`BearerAuth`], whose
//! checker verifies the token and its session before the handler runs.

use super::access::{self, AccessTable};
use crate::accounts::Role;
use crate::api::error::{ApiError, ApiResult};
use crate::auth::{CurrentUser, LinkClaims};
use crate::library::Catalog;
use crate::state::AppState;
use poem::{PathPattern, Request, RequestBody};
use poem_openapi::auth::{ApiKey, Bearer};
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};
use std::sync::Arc;
use uuid::Uuid;

impl CurrentUser {
    /// Refuses callers below `role` with 403.
    ///
    /// # Errors
    /// [`ApiError::forbidden`].
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this operation needs the {} role",
                role.as_str()
            )))
        }
    }
}

/// A JWT from `POST /api/auth/login`, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerAuth(pub CurrentUser);

/// A signed player link from `POST /api/videos/{id}/stream-url`, sent as `?token=`.
/// Accepted by the streaming routes only, and only for the video it names.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "token",
    key_in = "query",
    checker = "authenticate_link"
)]
pub struct LinkAuth(pub Arc<LinkClaims>);

/// Either credential, for the streaming routes.
pub enum StreamAuth {
    Bearer(BearerAuth),
    Link(LinkAuth),
}

/// Tries the bearer token, then the link, as poem-openapi's derived scheme would, but
/// answers with the refusal that says what happened: an outage (503 with
/// `Retry-After`) or a role refusal from either check wins over a missing or bad
/// credential, and of two 401s the link's when a link was sent. A player reads 401 as
/// "signed out"; during a database outage its valid token must get the same 503 as on
/// every other route.
impl<'a> ApiExtractor<'a> for StreamAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <BearerAuth as ApiExtractor>::register(registry);
        <LinkAuth as ApiExtractor>::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        let mut schemes = <BearerAuth as ApiExtractor>::security_schemes();
        schemes.extend(<LinkAuth as ApiExtractor>::security_schemes());
        schemes
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let bearer =
            match <BearerAuth as ApiExtractor>::from_request(req, body, param_opts.clone()).await {
                Ok(bearer) => return Ok(Self::Bearer(bearer)),
                Err(e) => e,
            };
        let link = match <LinkAuth as ApiExtractor>::from_request(req, body, param_opts).await {
            Ok(link) => return Ok(Self::Link(link)),
            Err(e) => e,
        };
        let unauthorized = |e: &poem::Error| e.status() == poem::http::StatusCode::UNAUTHORIZED;
        let link_sent = req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("token=")));
        Err(match (unauthorized(&bearer), unauthorized(&link)) {
            (false, _) => bearer,
            (true, false) => link,
            (true, true) if link_sent => link,
            (true, true) => bearer,
        })
    }
}

impl BearerAuth {
    /// The catalog as this caller may see it.
    pub fn catalog<'a>(&'a self, state: &'a AppState) -> Catalog<'a> {
        state.library.for_caller(&self.0.scope)
    }
}

impl StreamAuth {
    /// The libraries the caller may see. A link was signed for one video after the
    /// signer's own libraries were checked, and dies with its session, which a change
    /// of libraries ends.
    pub fn scope(&self) -> crate::library::Scope {
        match self {
            Self::Bearer(b) => b.0.scope.clone(),
            Self::Link(_) => crate::library::Scope::all(),
        }
    }

    /// The caller, and the one video a link is limited to.
    pub fn caller(&self) -> (Uuid, &str, Uuid, Option<Uuid>) {
        match self {
            Self::Bearer(b) => (b.0.id, &b.0.username, b.0.session_id, None),
            Self::Link(l) => (l.0.sub, &l.0.username, l.0.sid, Some(l.0.vid)),
        }
    }
}

async fn authenticate_link(req: &Request, key: ApiKey) -> poem::Result<Arc<LinkClaims>> {
    let claims = state(req)?
        .accounts
        .authenticate_link(&key.key)
        .await
        .map_err(ApiError::from)?;
    let span = tracing::Span::current();
    span.record("user_id", tracing::field::display(claims.sub));
    span.record("session_id", tracing::field::display(claims.sid));
    Ok(claims)
}

fn state(req: &Request) -> Result<&AppState, ApiError> {
    req.data::<AppState>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let user = state(req)?
        .accounts
        .authenticate(&bearer.token)
        .await
        .map_err(ApiError::from)?;
    let span = tracing::Span::current();
    span.record("user_id", tracing::field::display(user.id));
    span.record("session_id", tracing::field::display(user.session_id));
    allowed(req, &user)?;
    Ok(user)
}

/// The one place roles are enforced: the operation's entry in [`access::TABLE`]. An
/// operation the table does not know is refused (it cannot be reached: a unit test
/// holds the table and the document equal).
fn allowed(req: &Request, user: &CurrentUser) -> Result<(), ApiError> {
    let needed = req
        .data::<Arc<AccessTable>>()
        .zip(req.data::<PathPattern>())
        .and_then(|(table, pattern)| table.needed(req.method(), &pattern.0));
    match needed.map(access::Access::least_role) {
        Some(Some(role)) => user.require(role),
        Some(None) => Ok(()),
        None => Err(ApiError::forbidden(format!(
            "{} {} is not in the access table",
            req.method(),
            req.uri().path()
        ))),
    }
}
