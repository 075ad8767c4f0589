//! Customers (tenants) of an MSP: what makes a valid one, and the lifecycle
//! `onboarding → live → suspended → archived`.

use std::collections::BTreeSet;
use std::fmt;

use crate::email::{DomainName, DomainNameError};
use crate::seats::SeatCount;
use crate::spelling::spelled_enum;
pub use crate::text::NameError;
use crate::tiers::Tier;

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

/// Declares a free-text field of a customer: trimmed, inner whitespace
/// collapsed, no control characters, 1 to `$max` characters.
macro_rules! customer_text {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Parses a value typed by a person.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                crate::text::normalise_name(raw, Self::MAX_CHARS).map(Self)
            }

            /// The normalised value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use customer_text;

customer_text!(
    /// The MSP's reference for the customer in its PSA or invoicing system,
    /// for reconciling invoices: 1–100 characters.
    BillingReference,
    100
);
customer_text!(
    /// The customer's sector (industry), e.g. "Healthcare": 1–100 characters.
    Sector,
    100
);
customer_text!(
    /// Where the customer is, e.g. "Berlin": 1–200 characters.
    Location,
    200
);

impl CustomerName {
    /// The key lists sort and search by: the name in lower case, so that
    /// "acme" and "Acme" sort together on every backend.
    pub fn sort_key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An IANA time zone (`Europe/Berlin`), as spelled in the tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(chrono_tz::Tz);

/// A time zone name that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IANA time zone name, like Europe/Berlin")]
pub struct TimezoneError(pub String);

impl Timezone {
    /// Time zone of a customer created without one.
    pub const DEFAULT: &'static str = "UTC";

    /// Parses a name exactly as the tz database spells it.
    pub fn parse(raw: &str) -> Result<Self, TimezoneError> {
        raw.parse::<chrono_tz::Tz>().map(Self).map_err(|_| TimezoneError(raw.to_owned()))
    }

    /// The tz database name.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }
}

/// A language as a well-formed, registered BCP 47 tag (`en`, `de-CH`,
/// `pt-BR`), in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language(String);

/// A language tag that is not well-formed or not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a BCP 47 language tag, like en or de-CH")]
pub struct LanguageError(pub String);

impl Language {
    /// Language of a customer created without one.
    pub const DEFAULT: &'static str = "en";
    /// Longest accepted tag.
    pub const MAX_LEN: usize = 35;

    /// Parses a tag; the result is canonical (`EN-us` becomes `en-US`).
    pub fn parse(raw: &str) -> Result<Self, LanguageError> {
        let refused = || LanguageError(raw.to_owned());
        if raw.len() > Self::MAX_LEN {
            return Err(refused());
        }
        let tag = language_tags::LanguageTag::parse(raw).map_err(|_| refused())?;
        tag.validate().map_err(|_| refused())?;
        let canonical = tag.canonicalize().map_err(|_| refused())?;
        Ok(Self(canonical.to_string()))
    }

    /// The canonical tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most monthly active accounts a customer may reach before activating
/// more is refused: 0 to [`MauThreshold::MAX`], which is also the default
/// ("no practical limit").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MauThreshold(i64);

/// A threshold outside the allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number between 0 and {max}")]
pub struct MauThresholdError {
    /// The largest allowed threshold.
    pub max: i64,
}

impl MauThreshold {
    /// The largest threshold, and the default.
    pub const MAX: i64 = crate::msps::MspLimits::MAX_VALUE;

    /// Checks a threshold.
    pub fn new(value: i64) -> Result<Self, MauThresholdError> {
        if (0..=Self::MAX).contains(&value) { Ok(Self(value)) } else { Err(MauThresholdError { max: Self::MAX }) }
    }

    /// The threshold.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Default for MauThreshold {
    fn default() -> Self {
        Self(Self::MAX)
    }
}

spelled_enum! {
    /// Where a customer is in its life with the MSP.
    pub enum CustomerStatus {
        /// Being set up; every new customer starts here.
        Onboarding => "onboarding",
        /// In service.
        Live => "live",
        /// Service paused (e.g. unpaid); can go live again.
        Suspended => "suspended",
        /// Finished with, kept for the record; it can never go live again.
        Archived => "archived",
    }
}

/// A status change that the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a customer cannot go from {from} to {to}; from {from} it can go to: {allowed}")]
pub struct TransitionError {
    /// The current status.
    pub from: CustomerStatus,
    /// The status asked for.
    pub to: CustomerStatus,
    /// What `from` may become, comma-separated ("nothing" for none).
    pub allowed: String,
}

impl CustomerStatus {
    /// The statuses this one may change to. Archiving is final.
    pub fn next(self) -> &'static [Self] {
        match self {
            Self::Onboarding => &[Self::Live, Self::Archived],
            Self::Live => &[Self::Suspended, Self::Archived],
            Self::Suspended => &[Self::Live, Self::Archived],
            Self::Archived => &[],
        }
    }

    /// Checks a change to `to`; staying where one is always allowed (so that
    /// a retried request is not an error).
    pub fn change_to(self, to: Self) -> Result<Self, TransitionError> {
        if to == self || self.next().contains(&to) {
            return Ok(to);
        }
        let allowed = self.next().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        Err(TransitionError { from: self, to, allowed: if allowed.is_empty() { "nothing".into() } else { allowed } })
    }
}

spelled_enum! {
    /// What a list of customers can be sorted by.
    pub enum CustomerSortKey {
        /// Name, case-insensitively.
        Name => "name",
        /// Creation time.
        Created => "created",
        /// Allocated seats.
        Seats => "seats",
        /// License expiry date; customers without one come last.
        LicenseExpiry => "license_expiry",
    }
}

/// A sort order of customers: a key, ascending or descending; ties are
/// broken by id, so that pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerOrder {
    /// What to sort by.
    pub key: CustomerSortKey,
    /// Largest first.
    pub descending: bool,
}

impl CustomerOrder {
    /// Parses `name` or `-name` (descending).
    pub fn parse(raw: &str) -> Result<Self, crate::spelling::UnknownSpelling> {
        let (descending, key) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        Ok(Self { key: key.parse()?, descending })
    }

    /// Every accepted spelling: what the contract lists.
    pub fn spellings() -> Vec<String> {
        CustomerSortKey::ALL.iter().flat_map(|key| [key.as_str().to_owned(), format!("-{key}")]).collect()
    }
}

impl Default for CustomerOrder {
    /// Oldest first.
    fn default() -> Self {
        Self { key: CustomerSortKey::Created, descending: false }
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
    /// Reference in the MSP's PSA.
    pub billing_reference: Option<BillingReference>,
    /// Time zone campaigns are scheduled in.
    pub timezone: Timezone,
    /// Language of mails and training.
    pub language: Language,
    /// Industry.
    pub sector: Option<Sector>,
    /// Where it is.
    pub location: Option<Location>,
    /// Product tier.
    pub tier: Tier,
    /// Seats drawn from the MSP's pool.
    pub seats: SeatCount,
    /// Most monthly active accounts.
    pub max_mau: MauThreshold,
    /// When the customer's license ends.
    pub license_expires_on: Option<chrono::NaiveDate>,
}

/// A partial update of a customer: `None` leaves a field as it is;
/// `Some(None)` clears an optional field; `domains` replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerChanges {
    /// New display name.
    pub name: Option<CustomerName>,
    /// New list of domains.
    pub domains: Option<CustomerDomains>,
    /// New country.
    pub country: Option<CountryCode>,
    /// New billing reference, or none.
    pub billing_reference: Option<Option<BillingReference>>,
    /// New time zone.
    pub timezone: Option<Timezone>,
    /// New language.
    pub language: Option<Language>,
    /// New sector, or none.
    pub sector: Option<Option<Sector>>,
    /// New location, or none.
    pub location: Option<Option<Location>>,
    /// New tier.
    pub tier: Option<Tier>,
    /// New seat count.
    pub seats: Option<SeatCount>,
    /// New MAU threshold.
    pub max_mau: Option<MauThreshold>,
    /// New license expiry, or none.
    pub license_expires_on: Option<Option<chrono::NaiveDate>>,
    /// New lifecycle status (checked against the current one).
    pub status: Option<CustomerStatus>,
}

impl CustomerChanges {
    /// True when the update names no field; such a request is refused
    /// rather than silently accepted, because it is almost always a client
    /// sending the wrong field names.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
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
    fn the_lifecycle_only_moves_forward_or_between_live_and_suspended() {
        use CustomerStatus::*;
        let allowed = [
            (Onboarding, Live),
            (Onboarding, Archived),
            (Live, Suspended),
            (Live, Archived),
            (Suspended, Live),
            (Suspended, Archived),
        ];
        for from in CustomerStatus::ALL {
            for to in CustomerStatus::ALL {
                let expected = from == to || allowed.contains(&(*from, *to));
                assert_eq!(from.change_to(*to).is_ok(), expected, "{from} -> {to}");
            }
        }
        let refused = Archived.change_to(Live).expect_err("archiving is final");
        assert!(refused.to_string().contains("nothing"), "{refused}");
        let refused = Onboarding.change_to(Suspended).expect_err("not yet live");
        assert!(refused.to_string().ends_with("live, archived"), "{refused}");
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(Timezone::parse("Europe/Berlin").map(|t| t.as_str()), Ok("Europe/Berlin"));
        assert!(Timezone::parse("UTC").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
        assert!(Timezone::parse("").is_err());
    }

    #[test]
    fn languages_are_canonical_bcp47_tags() {
        assert_eq!(Language::parse("de-CH").map(|l| l.as_str().to_owned()), Ok("de-CH".into()));
        assert_eq!(Language::parse("en").map(|l| l.as_str().to_owned()), Ok("en".into()));
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("").is_err());
        assert!(Language::parse("en-").is_err());
        assert!(Language::parse("xx-YY-ZZ").is_err());
    }

    #[test]
    fn sort_orders_parse_with_an_optional_minus() {
        assert_eq!(CustomerOrder::parse("-seats"), Ok(CustomerOrder { key: CustomerSortKey::Seats, descending: true }));
        assert_eq!(CustomerOrder::parse("name").map(|o| o.descending), Ok(false));
        assert!(CustomerOrder::parse("size").is_err());
        assert_eq!(CustomerOrder::spellings().len(), 8);
    }

    #[test]
    fn mau_thresholds_default_to_no_practical_limit() {
        assert_eq!(MauThreshold::default().get(), MauThreshold::MAX);
        assert!(MauThreshold::new(-1).is_err());
        assert!(MauThreshold::new(MauThreshold::MAX + 1).is_err());
    }

    #[test]
    fn an_update_without_fields_is_empty() {
        assert!(CustomerChanges::default().is_empty());
        let changes = CustomerChanges { country: CountryCode::parse("FR").ok(), ..Default::default() };
        assert!(!changes.is_empty());
    }
}
