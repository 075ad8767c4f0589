//! Rules shared by the free-text names of the domain (MSP and customer names).

/// Why a human-readable name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("must not be empty")]
    Empty,
    /// Longer than the limit, counted in characters after trimming.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Contains a control character (newline, tab, NUL…).
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Checks a name as typed — at most `max` characters, no control characters
/// (newline, tab, NUL…), at least one that is not whitespace — then trims it
/// and collapses inner runs of whitespace to one space, so that "Acme  Corp"
/// and "Acme Corp" are the same name, which is what a person means.
///
/// The limits apply to the input as sent, so that the API contract can state
/// them exactly (`maxLength`, `pattern`).
pub(crate) fn normalise_name(raw: &str, max: usize) -> Result<String, NameError> {
    if raw.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    if raw.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(NameError::Empty);
    }
    Ok(collapsed)
}

/// `text` with its first character in upper case: a message built from an
/// error's lower-case `Display` as a sentence.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The rule of [`normalise_name`] as a regular expression for the API
/// contract (with `minLength` 1 and `maxLength` = the limit): no control
/// characters, and at least one character that is not whitespace.
pub const NAME_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_inner_whitespace_collapsed() {
        assert_eq!(normalise_name("  Acme   Corp ", 20).as_deref(), Ok("Acme Corp"));
    }

    #[test]
    fn blank_overlong_and_control_characters_are_refused() {
        assert_eq!(normalise_name("   ", 10), Err(NameError::Empty));
        assert_eq!(normalise_name("abcdef", 5), Err(NameError::TooLong { max: 5 }));
        // The limit counts what was sent, spaces included.
        assert_eq!(normalise_name("a    b", 5), Err(NameError::TooLong { max: 5 }));
        assert_eq!(normalise_name("a\u{0}b", 5), Err(NameError::ControlCharacter));
        assert_eq!(normalise_name("a\nb", 5), Err(NameError::ControlCharacter));
        assert_eq!(normalise_name("a\u{85}b", 5), Err(NameError::ControlCharacter));
    }

    proptest::proptest! {
        /// The contract publishes `NAME_PATTERN` and the length limit; the
        /// rule must accept exactly what they allow.
        #[test]
        fn the_rule_accepts_exactly_what_the_published_pattern_allows(
            raw in proptest::prop_oneof!["[ a-zA-Z\\t\\n\\u{0}\\u{85}\\u{a0}\\u{3000}é]{0,14}", "\\PC{0,14}", ".{0,14}"]
        ) {
            let pattern = regex::Regex::new(NAME_PATTERN).unwrap();
            let allowed = raw.chars().count() <= 12 && pattern.is_match(&raw);
            proptest::prop_assert_eq!(normalise_name(&raw, 12).is_ok(), allowed, "{:?}", raw);
        }
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(normalise_name("ÄÖÜäöü", 6).is_ok());
    }
}
