//! E-mail addresses and the host names they end in.

use std::fmt;

/// A DNS host name as customers use them for e-mail: at least two labels, each
/// 1–63 letters, digits or hyphens (not at either end), at most 253
/// characters, and a top-level label that starts with a letter (as every real
/// one does, so that an IP address is never mistaken for a domain). Stored
/// lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

/// Why a host name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainNameError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Over 253 characters.
    #[error("must be at most 253 characters")]
    TooLong,
    /// A single label such as `localhost`.
    #[error("must have at least two labels, like example.com")]
    SingleLabel,
    /// A label that is empty, too long, or has a character outside `a-z0-9-`.
    #[error("label '{0}' must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen")]
    InvalidLabel(String),
    /// The last label does not start with a letter.
    #[error("the top-level label must start with a letter")]
    TopLevelNotAlphabetic,
}

impl DomainName {
    /// Longest host name DNS allows.
    pub const MAX_LEN: usize = 253;

    /// The rule as a regular expression, for the API contract; `parse`
    /// accepts exactly the strings of at most [`Self::MAX_LEN`] characters
    /// that match it.
    pub const PATTERN: &'static str =
        r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$";

    /// Parses a host name, lower-casing it. A single trailing dot (the DNS
    /// root) is accepted and dropped.
    pub fn parse(raw: &str) -> Result<Self, DomainNameError> {
        if raw.is_empty() {
            return Err(DomainNameError::Empty);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(DomainNameError::TooLong);
        }
        let name = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
        let labels: Vec<&str> = name.split('.').collect();
        for label in &labels {
            let valid = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                return Err(DomainNameError::InvalidLabel((*label).to_owned()));
            }
        }
        if labels.len() < 2 {
            return Err(DomainNameError::SingleLabel);
        }
        if !labels.last().is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_lowercase())) {
            return Err(DomainNameError::TopLevelNotAlphabetic);
        }
        Ok(Self(name))
    }

    /// The lower-cased host name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address as used to sign in: `local@domain`, with the domain a
/// valid [`DomainName`]. The whole address is lower-cased, because people
/// type their address in any case and expect to be recognised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    address: String,
    at: usize,
}

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Over 254 characters (the SMTP path limit).
    #[error("must be at most 254 characters")]
    TooLong,
    /// No `@`, or more than one.
    #[error("must look like name@example.com")]
    Shape,
    /// The part before `@` is empty, over 64 characters, or has spaces or
    /// control characters.
    #[error("the part before @ must be 1-64 characters without spaces")]
    LocalPart,
    /// The part after `@` is not a host name.
    #[error("the part after @ is not a valid domain: {0}")]
    Domain(DomainNameError),
}

impl EmailAddress {
    /// Parses and lower-cases an address; surrounding whitespace is ignored.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let address = raw.trim().to_lowercase();
        if address.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(EmailError::Shape);
        };
        if domain.contains('@') {
            return Err(EmailError::Shape);
        }
        if local.is_empty() || local.len() > 64 || local.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::LocalPart);
        }
        let domain = DomainName::parse(domain).map_err(EmailError::Domain)?;
        let at = local.len();
        Ok(Self { address: format!("{local}@{domain}"), at })
    }

    /// The whole address, lower-cased.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domains_are_lower_cased_and_lose_the_root_dot() {
        assert_eq!(DomainName::parse("Example.COM.").map(|d| d.to_string()), Ok("example.com".into()));
        assert_eq!(
            DomainName::parse("xn--80ak6aa92e.xn--p1ai").map(|d| d.to_string()),
            Ok("xn--80ak6aa92e.xn--p1ai".into())
        );
    }

    #[test]
    fn malformed_domains_are_refused_with_the_reason() {
        assert_eq!(DomainName::parse(""), Err(DomainNameError::Empty));
        assert_eq!(DomainName::parse("localhost"), Err(DomainNameError::SingleLabel));
        assert_eq!(DomainName::parse("10.0.0.1"), Err(DomainNameError::TopLevelNotAlphabetic));
        assert_eq!(DomainName::parse("a.1com"), Err(DomainNameError::TopLevelNotAlphabetic));
        assert_eq!(DomainName::parse(" a.com"), Err(DomainNameError::InvalidLabel(" a".into())));
        assert_eq!(DomainName::parse("-a.com"), Err(DomainNameError::InvalidLabel("-a".into())));
        assert_eq!(DomainName::parse("a..com"), Err(DomainNameError::InvalidLabel(String::new())));
        assert_eq!(DomainName::parse("a_b.com"), Err(DomainNameError::InvalidLabel("a_b".into())));
        let long_label = "a".repeat(64);
        assert!(DomainName::parse(&format!("{long_label}.com")).is_err());
        let too_long = format!("{}.com", ["abcdefghij"; 25].join("."));
        assert_eq!(DomainName::parse(&too_long), Err(DomainNameError::TooLong));
    }

    #[test]
    fn emails_split_into_local_part_and_domain() {
        let email = EmailAddress::parse(" Jane.Doe@Example.com ").expect("valid");
        assert_eq!(email.as_str(), "jane.doe@example.com");
        assert_eq!(email.local_part(), "jane.doe");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        assert_eq!(EmailAddress::parse("jane"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("a@b@c.com"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("@c.com"), Err(EmailError::LocalPart));
        assert_eq!(EmailAddress::parse("a b@c.com"), Err(EmailError::LocalPart));
        assert!(matches!(EmailAddress::parse("a@localhost"), Err(EmailError::Domain(_))));
    }

    proptest! {
        #[test]
        fn parsing_a_parsed_domain_gives_it_back(labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..5), tld in "[a-z]{2,6}") {
            let raw = format!("{}.{tld}", labels.join("."));
            let parsed = DomainName::parse(&raw).expect("generated names are valid");
            prop_assert_eq!(DomainName::parse(parsed.as_str()), Ok(parsed.clone()));
            prop_assert_eq!(parsed.as_str(), raw.as_str());
        }

        /// The contract publishes `PATTERN` and `MAX_LEN`; the parser must
        /// accept exactly what they allow, or clients and server disagree.
        #[test]
        fn the_parser_accepts_exactly_what_the_published_pattern_allows(
            raw in prop_oneof![
                "[a-zA-Z0-9.-]{0,20}",
                "([a-z0-9-]{1,8}\\.){1,4}[a-z0-9-]{1,8}\\.?",
                "([a-z0-9]{1,63}\\.){3,5}[a-z]{1,10}",
                "[ a-z0-9_.-]{0,12}",
            ]
        ) {
            let pattern = regex::Regex::new(DomainName::PATTERN).unwrap();
            let allowed = raw.len() <= DomainName::MAX_LEN && pattern.is_match(&raw);
            prop_assert_eq!(DomainName::parse(&raw).is_ok(), allowed, "{}", raw);
        }

        #[test]
        fn no_input_makes_the_parsers_panic(raw in "\\PC{0,300}") {
            let _ = DomainName::parse(&raw);
            let _ = EmailAddress::parse(&raw);
        }
    }
}
