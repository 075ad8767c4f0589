//! A customer's SCIM token, as shown once when it is made (by the
//! provisioning route or the onboarding step that makes it).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A new SCIM token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScimToken {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// The token, for the identity provider's "Secret token" field. Only a
    /// hash is stored: it cannot be shown again; rotate to get a new one.
    #[schema(example = "mscim_3q2-7wEVrGb0m1Yk4c8hX9Zp5sTnLdAaFfJjUuIiOoQ")]
    pub token: String,
    /// Its first characters, as the provisioning status shows them.
    #[schema(example = "mscim_3q2-7w")]
    pub token_prefix: String,
    /// The customer's SCIM base URL, for the identity provider's "Tenant URL".
    #[schema(example = "https://api.msp-portal.example/scim/v2/0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub base_url: String,
    /// When made (UTC). Any earlier token of the customer stopped working then.
    pub created_at: DateTime<Utc>,
}
