//! What every area shares about HTTP: the access layer (policies, authentication, the
//! principal), cookies, the one refusal type, response headers, the page shell, and extractors
//! for the language and the client. It imports no area, so any area may use it.

pub(crate) mod access;
pub(crate) mod client;
pub(crate) mod cookies;
pub(crate) mod language;
pub(crate) mod page;
pub(crate) mod refusal;
pub(crate) mod response;

pub use access::{Access, AccessState, Principal, Routes, SessionSettings};
pub use client::ClientInfo;
pub use refusal::Refusal;
pub(crate) use response::no_store;
