//! The one error type of the render crate.

/// A result of this crate.
pub type Result<T, E = RenderError> = std::result::Result<T, E>;

/// Why a panel could not be rendered. Bad data (NaN, empty series, unknown units) is drawn
/// as well as it can be, never an error; these are the requests that cannot be drawn at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The image size is outside `1..=`[`MAX_SIDE`](crate::MAX_SIDE) pixels per side.
    #[error(
        "invalid image size {width}x{height}: width and height must be between 1 and {max} pixels"
    )]
    InvalidSize {
        /// The requested width.
        width: u32,
        /// The requested height.
        height: u32,
        /// The largest side allowed.
        max: u32,
    },
    /// The time range is empty or reversed.
    #[error("invalid time range: from ({from_ms}) must be before to ({to_ms})")]
    InvalidTimeRange {
        /// Start, unix ms.
        from_ms: i64,
        /// End, unix ms.
        to_ms: i64,
    },
    /// A time zone that is neither an IANA name nor a UTC offset.
    #[error(
        "unknown time zone {0:?}: expected an IANA name (Europe/Berlin), UTC, or an offset (+02:00)"
    )]
    InvalidTimeZone(String),
    /// The embedded font could not be loaded (a broken build).
    #[error("the embedded font cannot be loaded")]
    Font,
    /// The drawing library failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}
