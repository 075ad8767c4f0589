//! The product catalogue: tiers and the features each includes.

use actix_web::HttpResponse;
use domain::access::Action;
use domain::tiers::{Feature, Tier};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiError;

/// A feature of the product.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierFeature {
    /// Stable id; switch on this.
    #[schema(example = "training_courses")]
    pub id: &'static str,
    /// Name for people.
    #[schema(example = "Training courses")]
    pub name: &'static str,
}

/// A product tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierInfo {
    /// Stable id, as in a customer's `tier`.
    #[schema(example = "professional")]
    pub id: &'static str,
    /// Name for people.
    #[schema(example = "Professional")]
    pub name: &'static str,
    /// The tier whose features this one includes, if any.
    #[schema(example = "starter")]
    pub includes: Option<&'static str>,
    /// Every feature of the tier, those of the included tier first.
    pub features: Vec<TierFeature>,
}

/// The tiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierList {
    /// From the smallest to the largest.
    pub items: Vec<TierInfo>,
}

/// Lists the product tiers and their features.
///
/// The catalogue is the same for every MSP: each tier lists every feature it has, those of the tier
/// it includes first. A customer's `tier` is one of these ids.
#[utoipa::path(
    get, path = "/api/v1/tiers", tag = "customers", operation_id = "listTiers",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Every tier, smallest first.", body = TierList),
    )
)]
pub async fn list_tiers(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.authorize(Action::ReadCatalogue)?;
    let items = Tier::ALL
        .iter()
        .map(|tier| TierInfo {
            id: tier.as_str(),
            name: tier.title(),
            includes: tier.builds_on().map(Tier::as_str),
            features: tier.features().into_iter().map(feature).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(TierList { items }))
}

pub(crate) fn feature(feature: Feature) -> TierFeature {
    TierFeature { id: feature.as_str(), name: feature.title() }
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_tiers, list_tiers);
}
