//! Who may call what. Every route is registered through [`Routes::add`] with its
//! [`Access`] rule, so a route cannot exist without one; the same table drives the role
//! matrix test. A global middleware resolves the caller (bearer token, or an event ticket
//! on the event stream) once per request; a per-route check answers 401 or 403.

use aduan_api::account::Role;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;

use super::{ApiError, AppState};
use crate::auth::cache::Lookup;
use crate::auth::{self, AuthUser};
use crate::db;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login, health).
    Public,
    /// Any signed-in user.
    AnyUser,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

pub const STAFF: Access = Access::Roles(&[Role::Intake, Role::Officer, Role::Admin]);
pub const OFFICERS: Access = Access::Roles(&[Role::Officer, Role::Admin]);
pub const ADMINS: Access = Access::Roles(&[Role::Admin]);

impl Access {
    pub fn admits(self, user: Option<&AuthUser>) -> Result<(), ApiError> {
        match (self, user) {
            (Access::Public, _) => Ok(()),
            (_, None) => Err(unauthorized()),
            (Access::AnyUser, Some(_)) => Ok(()),
            (Access::Roles(roles), Some(u)) if roles.contains(&u.role) => Ok(()),
            (Access::Roles(_), Some(_)) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your role does not allow this action.",
            )),
        }
    }
}

pub fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Please sign in: the session is missing, has expired or was ended.",
    )
}

/// One registered route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    /// The path template under `/api/v1` (or at the root for health routes).
    pub path: &'static str,
    pub access: Access,
}

/// A router that records the access rule of every route it is given.
pub struct Routes {
    pub router: Router<AppState>,
    pub table: Vec<RouteSpec>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

impl Routes {
    /// Register `handler` (e.g. `get(list)`) for `method` at `path` behind `access`.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let guarded = handler.route_layer(middleware::from_fn(
            move |req: Request, next: Next| async move {
                if let Err(e) = access.admits(req.extensions().get::<AuthUser>()) {
                    return e.into_response();
                }
                next.run(req).await
            },
        ));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }
}

/// Resolve the caller once per request and put it in the request's extensions.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_string());
    // EventSource cannot send headers: the event stream also takes a one-time ticket.
    // (Inside the nested `/api/v1` router the path is seen without that prefix.)
    let uri = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| req.uri().clone());
    let ticket = (uri.path() == "/api/v1/events")
        .then(|| query_param(uri.query().unwrap_or(""), "ticket"))
        .flatten();
    let user = match caller(&state, authorization, ticket).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    if let Some(user) = user {
        req.extensions_mut().insert(user);
    }
    next.run(req).await
}

/// Look a session up in the database and bring the cache in line with the answer.
async fn resolve_session(
    state: &AppState,
    hash: [u8; 32],
) -> Result<Option<AuthUser>, sqlx::Error> {
    let user = db::sessions::resolve(&state.pool, &hash, state.session_policy).await?;
    match &user {
        Some(u) => state.sessions.put(u.clone()),
        None => state.sessions.forget_session(&hash),
    }
    Ok(user)
}

async fn caller(
    state: &AppState,
    authorization: Option<String>,
    ticket: Option<String>,
) -> Result<Option<AuthUser>, ApiError> {
    if let Some(value) = authorization {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        let hash = auth::token_hash(token);
        match state.sessions.get(&hash) {
            Lookup::Hit(user) => return Ok(Some(user)),
            Lookup::Refresh(user) => {
                let state = state.clone();
                tokio::spawn(async move {
                    // On a database error the entry simply expires, and requests resolve
                    // the session themselves again.
                    if let Err(e) = resolve_session(&state, hash).await {
                        tracing::warn!(error = %e, "revalidating a session failed");
                    }
                });
                return Ok(Some(user));
            }
            Lookup::Miss => return Ok(resolve_session(state, hash).await?),
        }
    }
    if let Some(ticket) = ticket {
        let hash = auth::token_hash(&ticket);
        // The stream then lives as long as the session that asked for the ticket.
        let user = db::sessions::consume_ticket(&state.pool, &hash).await?;
        return Ok(user.map(|(u, session)| AuthUser {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            session,
        }));
    }
    Ok(None)
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// Handlers take the caller with this extractor; the route's access rule already admitted
/// them, so a missing user here is a 401.
impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<AuthUser>()
            .cloned()
            .ok_or_else(unauthorized)
    }
}

/// The caller's address and user agent, for the audit log and throttling.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = match parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
            Some(peer) => {
                let trusted = &state.trusted_proxies;
                super::client_addr::client_ip(peer.0.ip(), &parts.headers, trusted).to_string()
            }
            None => "unknown".into(),
        };
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        Ok(ClientMeta { ip, user_agent })
    }
}

impl ClientMeta {
    pub fn actor(&self, user: &AuthUser) -> db::audit::Actor {
        db::audit::Actor::user(user, Some(self.ip.clone()), self.user_agent.clone())
    }

    /// The signed-in user as the caller of a domain operation.
    pub fn caller<'a>(&self, user: &'a AuthUser) -> crate::service::Caller<'a> {
        crate::service::Caller {
            user,
            actor: self.actor(user),
        }
    }
}

/// Apply [`authenticate`] to a router.
pub fn with_authentication(router: Router<AppState>, state: AppState) -> Router<AppState> {
    router.layer(middleware::from_fn_with_state(state, authenticate))
}
