//! MSPs: the partner accounts that own customers and admins.

use std::fmt;

pub use crate::text::NameError;

/// An MSP's name: trimmed, inner whitespace collapsed, 1–200 characters.
/// Names are unique without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspName(String);

impl MspName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name typed by a person.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        crate::text::normalise_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MspName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
