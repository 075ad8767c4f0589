//! SCIM 2.0 service provider per customer, at `/scim/v2/{customer_id}/`:
//! the customer's identity provider (Entra ID, Okta, Google Workspace)
//! creates, updates, deactivates and deletes its accounts, and keeps groups
//! of them. Authenticated by the customer's SCIM token; answered in
//! `application/scim+json` with SCIM errors, unlike the rest of the API.
//!
//! The rules (filters, PATCH, schemas, how a user maps onto an account) are
//! in `domain::scim`; accounts are written through the same storage
//! functions and limits as the accounts API.

pub mod client;
pub mod discovery;
pub mod error;
pub mod groups;
pub mod lists;
pub mod users;
pub mod wire;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, Resource, web};

use self::client::ScimClient;
use self::error::ScimError;

/// A resource at `path` that answers other methods with a SCIM 405.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move |_client: ScimClient| async move {
        Err::<HttpResponse, ScimError>(ScimError::method_not_allowed(allow))
    }))
}

async fn not_found(_client: ScimClient) -> Result<HttpResponse, ScimError> {
    Err(ScimError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        None,
        "No SCIM endpoint has this path; the service provider serves Users, Groups, ServiceProviderConfig, \
         ResourceTypes and Schemas.",
    ))
}

/// The SCIM routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2/{customer_id}")
            .wrap(from_fn(client::record_outcome))
            .service(resource("/Users/.search", "POST").route(web::post().to(lists::search_users)))
            .service(
                resource("/Users", "GET, POST")
                    .route(web::get().to(lists::list_users))
                    .route(web::post().to(users::create_user)),
            )
            .service(
                resource("/Users/{id}", "GET, PUT, PATCH, DELETE")
                    .route(web::get().to(users::get_user))
                    .route(web::put().to(users::replace_user))
                    .route(web::patch().to(users::patch_user))
                    .route(web::delete().to(users::delete_user)),
            )
            .service(resource("/Groups/.search", "POST").route(web::post().to(lists::search_groups)))
            .service(
                resource("/Groups", "GET, POST")
                    .route(web::get().to(lists::list_groups))
                    .route(web::post().to(groups::create_group)),
            )
            .service(
                resource("/Groups/{id}", "GET, PUT, PATCH, DELETE")
                    .route(web::get().to(groups::get_group))
                    .route(web::put().to(groups::replace_group))
                    .route(web::patch().to(groups::patch_group))
                    .route(web::delete().to(groups::delete_group)),
            )
            .service(resource("/.search", "POST").route(web::post().to(lists::search_all)))
            .service(resource("/ServiceProviderConfig", "GET").route(web::get().to(discovery::service_provider_config)))
            .service(resource("/ResourceTypes", "GET").route(web::get().to(discovery::resource_types)))
            .service(resource("/ResourceTypes/{id}", "GET").route(web::get().to(discovery::resource_type_by_name)))
            .service(resource("/Schemas", "GET").route(web::get().to(discovery::schemas)))
            .service(resource("/Schemas/{id}", "GET").route(web::get().to(discovery::schema_by_id)))
            .default_service(web::to(not_found)),
    );
}
