//! SCIM 2.0 (RFC 7643, RFC 7644): what a customer's identity provider may
//! send and how it maps onto accounts. Parsing of filters and attribute
//! paths, PATCH semantics and the resource schemas are rules, so they live
//! here, free of HTTP and storage.
//!
//! Identity providers differ from the RFC in known ways, and each is
//! tolerated here rather than refused: PATCH `op` values in any case
//! (`Replace`), booleans sent as strings (`"False"`), PATCH values without a
//! `path` whose keys are attribute paths (`{"name.givenName": "Ann"}`),
//! filtered paths that match nothing yet (`emails[type eq "work"].value` on
//! a user without a work address adds one), attributes this service does not
//! keep (ignored). What cannot be understood is refused with the SCIM error
//! type that says why.

pub mod document;
pub mod filter;
pub mod patch;
pub mod schema;

/// The `scimType` of an error (RFC 7644 §3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// A filter that does not parse or cannot be evaluated.
    InvalidFilter,
    /// A request body that is not what the message schema says.
    InvalidSyntax,
    /// A PATCH path that does not parse or names nothing.
    InvalidPath,
    /// A PATCH operation with no target.
    NoTarget,
    /// A value of the wrong type or outside what the attribute allows.
    InvalidValue,
    /// A value that must be unique and is not.
    Uniqueness,
    /// An attempt to change what cannot be changed.
    Mutability,
    /// More results than the service provider returns.
    TooMany,
}

impl ScimType {
    /// The spelling in error responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::TooMany => "tooMany",
        }
    }
}

/// Why a SCIM request was refused: its `scimType` and a `detail` written for
/// the admin who reads it in the identity provider's provisioning log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    /// The error type.
    pub scim_type: ScimType,
    /// What was wrong, and where.
    pub detail: String,
}

impl Refusal {
    /// A refusal of type `scim_type`.
    pub fn new(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self { scim_type, detail: detail.into() }
    }
}
