//! The sign-in body shared by admins and platform operators.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Credentials of an admin.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in e-mail address.
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "owner@example-msp.com", min_length = 1, max_length = 254)]
    pub email: String,
    /// Password.
    #[validate(length(min = 1, max = 1024))]
    #[schema(example = "correct horse battery staple", min_length = 1, max_length = 1024)]
    pub password: String,
}
