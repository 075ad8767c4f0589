//! Answers for requests no route takes: unknown paths and wrong methods.

use actix_web::{HttpResponse, Resource, web};

use crate::error::ApiError;

/// 404 problem for a path no route has.
pub async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}

/// A resource at `path` that answers methods it has no route for with a 405
/// problem listing `allow`.
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, ApiError>(ApiError::MethodNotAllowed { allow })
    }))
}
