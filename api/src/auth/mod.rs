//! Who is calling: password hashing, access tokens, refresh tokens, API keys,
//! and the extractor that turns an `Authorization: Bearer` header into a
//! caller.

pub mod api_key_secrets;
mod caller;
pub mod passwords;
pub mod refresh_tokens;
pub mod tokens;

pub use caller::{Actor, AuditEvent, Caller, Credential, admin_permissions, audit_state};
