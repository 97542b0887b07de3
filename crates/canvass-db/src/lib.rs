//! PostGIS access for Canvass.
//!
//! - [`cluster`]: the private PostgreSQL + PostGIS cluster of the embedded default.
//! - [`connect`]: where the database is ([`Target`]) and the connection pool.
//! - [`migrate`]: the numbered migrations of `sql/`, applied once each, checked by checksum.
//! - [`camera_points`]: the active cameras for the in-memory tile index, and what changed.
//! - [`canvasses`]: the officer's canvasses, the cameras they found, and each outcome.
//! - [`features`]: the feature-query core's SQL executor (filters, keyset pages, audited
//!   contact disclosure, streaming exports).
//! - [`demo`]: deterministic synthetic data for a Concord-sized city.
//! - [`intake`]: registration intake, shared by the public form and the bulk import.
//! - [`outbox`]: the mail outbox: every owner message, queued, claimed, settled.
//! - [`server_secrets`]: secrets every `serve` replica shares (the cursor-sealing key).
//! - [`places`]: imported address points and the jurisdiction; geocoding and the boundary test.
//! - `testing` (feature): one throwaway cluster per test run, a fresh database per test.

pub mod access;
pub mod audit;
pub mod camera_points;
pub mod canvasses;
pub mod change_feed;
pub mod cluster;
pub mod connect;
pub mod contacts;
pub mod demo;
mod error;
pub mod features;
pub mod footage_requests;
pub mod intake;
pub mod migrate;
pub mod outbox;
mod pg_binaries;
pub mod places;
pub mod registrations;
pub mod server_secrets;
pub mod sessions;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use cluster::{ClusterState, EmbeddedCluster, StartMode};
pub use connect::{Database, Target};
pub use error::DbError;
pub use pg_binaries::PgBinaries;
