//! The answer for requests no route takes: unknown paths. (Wrong methods on
//! known paths are answered by `crate::operations`.)

use actix_web::HttpResponse;

use crate::error::ApiError;

/// 404 problem for a path no route has.
pub async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
