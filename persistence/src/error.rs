//! Errors of the storage layer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A storage failure, classified so that the API can answer it correctly:
/// conflicts are the client's business, unavailability is temporary, and
/// everything else is our fault (logged, never shown).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// No connection could be had in time (pool exhausted or database down).
    #[error("database unavailable")]
    Unavailable(#[source] r2d2::Error),
    /// A concurrent transaction won; retrying may succeed.
    #[error("serialization failure")]
    SerializationFailure(#[source] DieselError),
    /// Applying migrations failed.
    #[error("migrations failed: {0}")]
    Migration(String),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] DieselError),
    /// A stored value this code cannot read back.
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// The configured database location is unusable.
    #[error("invalid database configuration: {0}")]
    Config(String),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                Self::UniqueViolation(info.constraint_name().unwrap_or(info.message()).to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::SerializationFailure(error),
            other => Self::Database(other),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        Self::Unavailable(error)
    }
}

/// Errors that may go away when the whole transaction is run again.
pub trait Retryable {
    /// True for serialization failures and the like.
    fn is_retryable(&self) -> bool;
}

impl Retryable for StoreError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::SerializationFailure(_))
    }
}
