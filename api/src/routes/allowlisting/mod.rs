//! The allowlisting kit of a customer: sending domains and addresses,
//! simulation URLs, marker headers, and the steps for Microsoft 365's
//! advanced delivery, Defender, Mimecast and Proofpoint. The onboarding
//! email checklist links to it.

use actix_web::{HttpResponse, web};
use domain::access::Action;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::path_id;
use crate::resources::allowlisting::AllowlistingKit;
use crate::services::allowlisting;
use crate::state::AppState;

/// What the customer's mail admins must allow so simulations arrive.
///
/// The platform's sending domains and addresses, the simulation URLs and domains, the headers that
/// mark a simulation, and step-by-step guides for Microsoft 365 advanced delivery, Defender,
/// Mimecast and Proofpoint, as data a frontend renders.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/allowlisting", tag = "campaigns", operation_id = "getAllowlistingKit",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses((status = 200, description = "The kit.", body = AllowlistingKit))
)]
pub async fn get_allowlisting_kit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let (domain, public_url) = (state.simulation_domain.clone(), state.public_url.clone());
    let kit =
        db::run(&state.pool, move |conn| Ok(allowlisting::kit(conn, &msp_id, &customer_id, &domain, &public_url)?))
            .await?;
    Ok(HttpResponse::Ok().json(kit))
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_get_allowlisting_kit, get_allowlisting_kit);
}
