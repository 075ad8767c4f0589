//! Customers (tenants) of an MSP: what makes a valid one.
//!
//! This slice holds name, e-mail domains and country; the rest of the
//! customer record (tier, seats, lifecycle…) arrives with the portfolio.

use std::collections::BTreeSet;
use std::fmt;

use crate::email::{DomainName, DomainNameError};
pub use crate::text::NameError;

/// A customer's display name: trimmed, inner whitespace collapsed,
/// 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerName(String);

impl CustomerName {
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

impl fmt::Display for CustomerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The e-mail domains of one customer: 1–50 host names, in the order given,
/// each once (a repetition, in any case, is dropped). Accounts of the customer
/// must have an address in one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDomains(Vec<DomainName>);

/// Why a list of domains was refused. Errors about one entry carry its index
/// so that the caller can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerDomainsError {
    /// No domain at all.
    #[error("at least one domain is required")]
    Empty,
    /// More than [`CustomerDomains::MAX`].
    #[error("at most {max} domains are allowed")]
    TooMany {
        /// The limit.
        max: usize,
    },
    /// Entry `index` is not a host name.
    #[error("{source}")]
    Invalid {
        /// Position in the list, from 0.
        index: usize,
        /// What is wrong with it.
        source: DomainNameError,
    },
}

impl CustomerDomains {
    /// Most domains one customer may have.
    pub const MAX: usize = 50;

    /// Parses every entry, reporting every bad one (not just the first), and
    /// drops repetitions.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, Vec<CustomerDomainsError>> {
        if raw.is_empty() {
            return Err(vec![CustomerDomainsError::Empty]);
        }
        if raw.len() > Self::MAX {
            return Err(vec![CustomerDomainsError::TooMany { max: Self::MAX }]);
        }
        let mut seen = BTreeSet::new();
        let mut domains = Vec::with_capacity(raw.len());
        let mut errors = Vec::new();
        for (index, entry) in raw.iter().enumerate() {
            match DomainName::parse(entry.as_ref()) {
                Ok(domain) if !seen.insert(domain.clone()) => {}
                Ok(domain) => domains.push(domain),
                Err(source) => errors.push(CustomerDomainsError::Invalid { index, source }),
            }
        }
        if errors.is_empty() { Ok(Self(domains)) } else { Err(errors) }
    }

    /// The domains, in the order given.
    pub fn as_slice(&self) -> &[DomainName] {
        &self.0
    }
}

/// A country as an ISO 3166-1 alpha-2 code (`DE`, `US`…): two upper-case
/// letters, and only assigned codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryCode([u8; 2]);

/// Why a country code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO 3166-1 alpha-2 country code (two upper-case letters, like DE)")]
pub struct CountryCodeError(pub String);

impl CountryCode {
    /// Parses a code, exactly as listed by [`CountryCode::all`].
    pub fn parse(raw: &str) -> Result<Self, CountryCodeError> {
        let refused = || CountryCodeError(raw.to_owned());
        let bytes: [u8; 2] = raw.as_bytes().try_into().map_err(|_| refused())?;
        if !bytes.iter().all(u8::is_ascii_uppercase) || celes::Country::from_alpha2(raw).is_err() {
            return Err(refused());
        }
        Ok(Self(bytes))
    }

    /// Every assigned code, sorted: what the API contract lists.
    pub fn all() -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = celes::Country::get_countries().iter().map(|c| c.alpha2).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything needed to create a customer, already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// Display name.
    pub name: CustomerName,
    /// E-mail domains.
    pub domains: CustomerDomains,
    /// Country of the organisation.
    pub country: CountryCode,
}

/// A partial update of a customer: `None` leaves a field as it is; `domains`
/// replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerChanges {
    /// New display name.
    pub name: Option<CustomerName>,
    /// New list of domains.
    pub domains: Option<CustomerDomains>,
    /// New country.
    pub country: Option<CountryCode>,
}

impl CustomerChanges {
    /// True when the update would change nothing; such a request is refused
    /// rather than silently accepted, because it is almost always a client
    /// sending the wrong field names.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.domains.is_none() && self.country.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_keep_their_order_and_are_lower_cased() {
        let domains = CustomerDomains::parse(&["B.example", "a.example"]).expect("valid");
        let names: Vec<_> = domains.as_slice().iter().map(DomainName::as_str).collect();
        assert_eq!(names, ["b.example", "a.example"]);
    }

    #[test]
    fn every_bad_domain_is_reported_with_its_index() {
        let errors = CustomerDomains::parse(&["bad", "ok.example", "also bad"]).expect_err("invalid");
        assert_eq!(errors.len(), 2);
        assert!(matches!(errors[0], CustomerDomainsError::Invalid { index: 0, .. }));
        assert!(matches!(errors[1], CustomerDomainsError::Invalid { index: 2, .. }));
    }

    #[test]
    fn repeated_domains_are_kept_once() {
        let domains = CustomerDomains::parse(&["ok.example", "OK.example.", "b.example"]).expect("valid");
        let names: Vec<_> = domains.as_slice().iter().map(DomainName::as_str).collect();
        assert_eq!(names, ["ok.example", "b.example"]);
    }

    #[test]
    fn an_empty_or_oversized_domain_list_is_refused() {
        assert_eq!(CustomerDomains::parse::<&str>(&[]), Err(vec![CustomerDomainsError::Empty]));
        let many: Vec<String> = (0..=CustomerDomains::MAX).map(|i| format!("d{i}.example")).collect();
        assert_eq!(
            CustomerDomains::parse(&many),
            Err(vec![CustomerDomainsError::TooMany { max: CustomerDomains::MAX }])
        );
    }

    #[test]
    fn country_codes_must_be_assigned_and_upper_case() {
        assert_eq!(CountryCode::parse("DE").map(|c| c.to_string()), Ok("DE".into()));
        assert!(CountryCode::parse("de").is_err());
        assert!(CountryCode::parse(" DE").is_err());
        assert!(CountryCode::parse("XX").is_err());
        assert!(CountryCode::parse("DEU").is_err());
        assert!(CountryCode::parse("1A").is_err());
        assert!(CountryCode::parse("ÄÖ").is_err());
    }

    #[test]
    fn the_published_list_is_exactly_what_parses() {
        let all = CountryCode::all();
        assert!(all.len() >= 249 && all.contains(&"DE") && all.contains(&"US"));
        assert!(all.iter().all(|code| CountryCode::parse(code).is_ok()));
        for first in b'A'..=b'Z' {
            for second in b'A'..=b'Z' {
                let code = String::from_utf8(vec![first, second]).expect("ASCII");
                assert_eq!(CountryCode::parse(&code).is_ok(), all.contains(&code.as_str()), "{code}");
            }
        }
    }

    #[test]
    fn an_update_without_fields_is_empty() {
        assert!(CustomerChanges::default().is_empty());
        let changes = CustomerChanges { country: CountryCode::parse("FR").ok(), ..Default::default() };
        assert!(!changes.is_empty());
    }
}
