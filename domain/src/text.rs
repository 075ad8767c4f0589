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

/// Trims `raw`, collapses inner runs of whitespace to one space, and checks
/// length and characters. Collapsing makes "Acme  Corp" and "Acme Corp" the
/// same name, which is what a person means.
pub(crate) fn normalise_name(raw: &str, max: usize) -> Result<String, NameError> {
    if raw.chars().any(|c| c.is_control() && !c.is_whitespace()) || raw.contains(['\n', '\r', '\t']) {
        return Err(NameError::ControlCharacter);
    }
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(NameError::Empty);
    }
    if collapsed.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    Ok(collapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_inner_whitespace_collapsed() {
        assert_eq!(normalise_name("  Acme   Corp ", 10).as_deref(), Ok("Acme Corp"));
    }

    #[test]
    fn blank_overlong_and_control_characters_are_refused() {
        assert_eq!(normalise_name("   ", 10), Err(NameError::Empty));
        assert_eq!(normalise_name("abcdef", 5), Err(NameError::TooLong { max: 5 }));
        assert_eq!(normalise_name("a\u{0}b", 5), Err(NameError::ControlCharacter));
        assert_eq!(normalise_name("a\nb", 5), Err(NameError::ControlCharacter));
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(normalise_name("ÄÖÜäöü", 6).is_ok());
    }
}
