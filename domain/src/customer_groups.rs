//! Customer groups: named sets of customers (by sector, by location, or any
//! grouping the MSP likes). A customer may be in several groups; a group
//! never owns its customers, so deleting it deletes no customer.

use crate::spelling::spelled_enum;
pub use crate::text::NameError;

/// A group's name: trimmed, inner whitespace collapsed, 1–100 characters,
/// unique within the MSP without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name typed by a person.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        crate::text::normalise_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes names unique and sorts them: lower case.
    pub fn sort_key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A group's description: free text up to 1,000 characters (line breaks
/// allowed), trimmed; may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupDescription(String);

/// Why a description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptionError {
    /// Longer than the limit.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character other than a line break or tab.
    #[error("must not contain control characters other than line breaks and tabs")]
    ControlCharacter,
}

impl GroupDescription {
    /// Longest accepted description, in characters.
    pub const MAX_CHARS: usize = 1000;

    /// Parses a description.
    pub fn parse(raw: &str) -> Result<Self, DescriptionError> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(DescriptionError::TooLong { max: Self::MAX_CHARS });
        }
        if raw.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(DescriptionError::ControlCharacter);
        }
        Ok(Self(raw.trim().to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

spelled_enum! {
    /// What a group gathers customers by.
    pub enum GroupKind {
        /// An industry.
        Sector => "sector",
        /// A place.
        Location => "location",
        /// Anything else.
        Custom => "custom",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_compared_without_case() {
        let name = GroupName::parse("  Dental   practices ").expect("valid");
        assert_eq!(name.as_str(), "Dental practices");
        assert_eq!(name.sort_key(), GroupName::parse("DENTAL PRACTICES").expect("valid").sort_key());
        assert!(GroupName::parse(" ").is_err());
    }

    #[test]
    fn descriptions_may_span_lines_but_hold_no_other_control_characters() {
        assert_eq!(GroupDescription::parse(" a\nb ").map(|d| d.as_str().to_owned()), Ok("a\nb".into()));
        assert_eq!(GroupDescription::parse("a\u{0}"), Err(DescriptionError::ControlCharacter));
        assert!(GroupDescription::parse(&"x".repeat(1001)).is_err());
        assert!(GroupDescription::parse("").is_ok());
    }
}
