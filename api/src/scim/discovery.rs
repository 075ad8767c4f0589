//! What the service provider supports (RFC 7644 §4): `ServiceProviderConfig`,
//! `ResourceTypes` and `Schemas`, all from the definitions in
//! `domain::scim::schema`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use domain::scim::schema::{LIST_RESPONSE_SCHEMA, ResourceKind, SERVICE_PROVIDER_CONFIG_SCHEMA, all_schemas};
use serde_json::{Value, json};

use super::client::ScimClient;
use super::error::ScimError;
use super::lists::MAX_COUNT;
use super::wire;

fn list(resources: Vec<Value>) -> HttpResponse {
    wire::scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": resources.len(),
            "startIndex": 1,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(client: ScimClient) -> Result<HttpResponse, ScimError> {
    Ok(wire::scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": MAX_COUNT },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The customer's SCIM token, made or rotated by an MSP admin with \
                                POST /api/v1/customers/{id}/scim-token, in Authorization: Bearer <token>.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}/ServiceProviderConfig", client.base_url),
            },
        }),
    ))
}

fn resource_type(client: &ScimClient, kind: ResourceKind) -> Value {
    kind.resource_type_json(&client.location("ResourceTypes", kind.name()))
}

/// `GET /ResourceTypes`.
pub async fn resource_types(client: ScimClient) -> Result<HttpResponse, ScimError> {
    Ok(list(ResourceKind::ALL.iter().map(|&kind| resource_type(&client, kind)).collect()))
}

/// `GET /ResourceTypes/{name}`.
pub async fn resource_type_by_name(
    client: ScimClient,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimError> {
    let name = path.into_inner().1;
    let kind = ResourceKind::ALL
        .into_iter()
        .find(|kind| kind.name() == name)
        .ok_or_else(|| ScimError::not_found("Resource type", &name))?;
    Ok(wire::scim_json(StatusCode::OK, &resource_type(&client, kind)))
}

/// `GET /Schemas`.
pub async fn schemas(client: ScimClient) -> Result<HttpResponse, ScimError> {
    Ok(list(all_schemas().iter().map(|schema| schema.to_json(&client.location("Schemas", schema.id))).collect()))
}

/// `GET /Schemas/{urn}`.
pub async fn schema_by_id(client: ScimClient, path: web::Path<(String, String)>) -> Result<HttpResponse, ScimError> {
    let id = path.into_inner().1;
    let schema =
        all_schemas().into_iter().find(|schema| schema.id == id).ok_or_else(|| ScimError::not_found("Schema", &id))?;
    Ok(wire::scim_json(StatusCode::OK, &schema.to_json(&client.location("Schemas", schema.id))))
}
