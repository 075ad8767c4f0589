//! Who is calling: password hashing, access tokens, refresh tokens, and the
//! extractor that turns an `Authorization: Bearer` header into an admin.

mod current_admin;
pub mod passwords;
pub mod refresh_tokens;
pub mod tokens;

pub use current_admin::CurrentAdmin;
