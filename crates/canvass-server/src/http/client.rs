//! Where a request came from, for the audit trail.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use canvass_db::audit::{Actor, Event};

/// The peer address and user agent of a request.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Peer address.
    pub addr: Option<IpAddr>,
    /// User-Agent header (cut to 512 characters).
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The client of a request from `addr` with `headers`.
    pub(crate) fn new(addr: Option<IpAddr>, headers: &HeaderMap) -> Self {
        ClientInfo {
            addr,
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
        }
    }

    /// An audit event of `actor` doing `action`, from this client.
    pub fn event(&self, actor: Actor, action: &'static str) -> Event {
        Event {
            client_addr: self.addr,
            user_agent: self.user_agent.clone(),
            ..Event::new(actor, action)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientInfo::new(addr, &parts.headers))
    }
}
