//! What can go wrong in the tile service, its search and its follower.

/// Errors of the camera index, its search and the follower that keeps it current.
#[derive(Debug, thiserror::Error)]
pub enum TilesError {
    /// The first load of the index has not finished.
    #[error("the camera index is still loading; try again in a moment")]
    Loading,
    /// Reading cameras or the change feed from the database failed.
    #[error(transparent)]
    Database(#[from] canvass_db::DbError),
    /// The task building the next snapshot failed.
    #[error("index update failed: {0}")]
    IndexUpdate(#[source] tokio::task::JoinError),
    /// A radius that is negative, NaN or infinite.
    #[error("a search radius must be a finite number of metres, 0 or more, got {0}")]
    Radius(f64),
    /// A polygon with fewer than three corners.
    #[error("a search polygon needs at least 3 corners, got {0}")]
    Polygon(usize),
    /// A route with fewer than two points.
    #[error("a search route needs at least 2 points, got {0}")]
    Route(usize),
    /// A route buffer that is negative, NaN or infinite.
    #[error("a route buffer must be a finite number of metres, 0 or more, got {0}")]
    Buffer(f64),
    /// A box whose west edge is east of its east edge, or whose south edge is north of its
    /// north edge (boxes across the antimeridian are not supported).
    #[error(
        "a search box runs west to east and south to north, got {west}, {south} to {east}, {north}"
    )]
    Box {
        /// West edge.
        west: f64,
        /// South edge.
        south: f64,
        /// East edge.
        east: f64,
        /// North edge.
        north: f64,
    },
}
