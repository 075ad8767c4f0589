//! Running diesel, which blocks, off the actix worker threads.

use actix_web::web;
use persistence::{DbConnection, DbPool, StoreError};

use crate::error::ApiError;

/// Runs `work` with a pooled connection on the blocking thread pool. A pool
/// that cannot hand out a connection in time becomes a 503.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(StoreError::Unavailable)?;
        work(&mut conn)
    })
    .await?
}

/// Runs `work` in one write transaction (see
/// [`persistence::transactions::write_transaction`]: retried from the start
/// when the database asks for it) on the blocking thread pool.
pub async fn write<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| persistence::transactions::write_transaction(conn, work)).await
}
