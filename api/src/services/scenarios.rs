//! Phishing scenarios: the built-in catalogue shipped with the product
//! (`api/catalogue/phishing_scenarios.json`) and the MSP's own, written,
//! changed and deleted here, each change audited.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::campaigns::content::LandingPage;
use persistence::phishing_scenarios::{self as stored, ScenarioFilter, ScenarioRecord};
use persistence::{DbConnection, StoreError};
use serde::Deserialize;

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::scenarios::{PhishingScenario, ScenarioContent, ScenarioSummary, Sender};

/// Where a scenario comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Shipped with the product; read-only.
    BuiltIn,
    /// Written by the MSP.
    Msp,
}

/// A scenario, built-in or the MSP's.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    /// Id.
    pub id: String,
    /// Where it comes from.
    #[serde(skip, default = "built_in")]
    pub source: Source,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// 1-5.
    pub difficulty: i64,
    /// Sender's display name.
    pub sender_name: String,
    /// Sender's address before the simulation domain.
    pub sender_local_part: String,
    /// What the link leads to.
    #[serde(deserialize_with = "landing_page")]
    pub landing_page: LandingPage,
    /// Content per language.
    pub content: Vec<ScenarioContent>,
    /// Version (1 for built-in ones).
    #[serde(default = "first_version")]
    pub version: i64,
    /// When written (MSP scenarios).
    #[serde(skip)]
    pub created_at: Option<DateTime<Utc>>,
    /// When last changed (MSP scenarios).
    #[serde(skip)]
    pub updated_at: Option<DateTime<Utc>>,
}

fn built_in() -> Source {
    Source::BuiltIn
}

fn first_version() -> i64 {
    1
}

fn landing_page<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<LandingPage, D::Error> {
    let raw = String::deserialize(deserializer)?;
    raw.parse().map_err(serde::de::Error::custom)
}

impl Scenario {
    /// The languages it exists in, in the order of its content.
    pub fn languages(&self) -> Vec<String> {
        self.content.iter().map(|c| c.language.clone()).collect()
    }

    /// Its content in `language`, if it has that language.
    pub fn content_in(&self, language: &str) -> Option<&ScenarioContent> {
        self.content.iter().find(|c| c.language == language)
    }

    /// Its sender, on `simulation_domain`.
    pub fn sender(&self, simulation_domain: &str) -> Sender {
        Sender { name: self.sender_name.clone(), address: format!("{}@{simulation_domain}", self.sender_local_part) }
    }

    /// How lists show it.
    pub fn summary(&self, simulation_domain: &str) -> ScenarioSummary {
        ScenarioSummary {
            id: self.id.clone(),
            source: match self.source {
                Source::BuiltIn => "built_in",
                Source::Msp => "msp",
            }
            .to_owned(),
            name: self.name.clone(),
            category: self.category.clone(),
            difficulty: self.difficulty,
            languages: self.languages(),
            sender: self.sender(simulation_domain),
            landing_page: self.landing_page.as_str().to_owned(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// The whole resource.
    pub fn resource(&self, simulation_domain: &str) -> PhishingScenario {
        PhishingScenario { summary: self.summary(simulation_domain), content: self.content.clone() }
    }

    fn matches(&self, filter: &ScenarioFilter) -> bool {
        filter.language.as_ref().is_none_or(|l| self.content_in(l).is_some())
            && filter.difficulty.is_none_or(|d| d == self.difficulty)
            && filter.category.as_ref().is_none_or(|c| *c == self.category)
    }

    fn from_record(record: ScenarioRecord) -> Result<Self, StoreError> {
        let content: Vec<ScenarioContent> = serde_json::from_str(&record.content)
            .map_err(|e| StoreError::Corrupt(format!("scenario {}: content: {e}", record.id)))?;
        Ok(Self {
            id: record.id,
            source: Source::Msp,
            name: record.name,
            category: record.category,
            difficulty: record.difficulty,
            sender_name: record.sender_name,
            sender_local_part: record.sender_local_part,
            landing_page: record.landing_page,
            content,
            version: record.version,
            created_at: Some(record.created_at.and_utc()),
            updated_at: Some(record.updated_at.and_utc()),
        })
    }
}

/// The content of `scenario` for a campaign in `language`: that language,
/// or else its primary language (`de` for `de-CH`).
pub fn content_for<'a>(scenario: &'a Scenario, language: &str) -> Option<&'a ScenarioContent> {
    let available: Vec<&str> = scenario.content.iter().map(|c| c.language.as_str()).collect();
    domain::campaigns::content::matching_language(&available, language).and_then(|l| scenario.content_in(l))
}

/// The built-in scenarios, in id order.
pub fn catalogue() -> &'static [Scenario] {
    static CATALOGUE: OnceLock<Vec<Scenario>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // Checked by this module's tests: it always parses.
        let mut scenarios: Vec<Scenario> =
            serde_json::from_str(include_str!("../../catalogue/phishing_scenarios.json")).unwrap_or_default();
        scenarios.sort_by(|a, b| a.id.cmp(&b.id));
        scenarios
    })
}

/// A scenario the MSP can use: built-in, or its own.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<Scenario>, StoreError> {
    if let Some(built_in) = catalogue().iter().find(|s| s.id == id) {
        return Ok(Some(built_in.clone()));
    }
    stored::find(conn, msp_id, id)?.map(Scenario::from_record).transpose()
}

/// Up to `limit` scenarios after id `after`: the built-in ones (whose ids
/// sort first), then the MSP's own, oldest first.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    filter: &ScenarioFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Scenario>, StoreError> {
    let mut page: Vec<Scenario> = catalogue()
        .iter()
        .filter(|s| after.is_none_or(|a| s.id.as_str() > a) && s.matches(filter))
        .take(usize::try_from(limit).unwrap_or(0))
        .cloned()
        .collect();
    let room = limit - i64::try_from(page.len()).unwrap_or(limit);
    if room > 0 {
        for record in stored::list(conn, msp_id, filter, after, room)? {
            page.push(Scenario::from_record(record)?);
        }
    }
    Ok(page)
}

/// A scenario of the MSP, checked and sanitised.
#[derive(Debug, Clone)]
pub struct NewScenario {
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// 1-5.
    pub difficulty: i64,
    /// Sender's display name.
    pub sender_name: String,
    /// Sender's address before the simulation domain.
    pub sender_local_part: String,
    /// What the link leads to.
    pub landing_page: LandingPage,
    /// Content per language, HTML sanitised.
    pub content: Vec<ScenarioContent>,
}

/// Why a scenario use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// No such scenario of the MSP.
    #[error("no such scenario")]
    NotFound,
    /// Built-in scenarios cannot be changed or deleted.
    #[error("built-in scenario")]
    BuiltIn,
    /// `If-Match` names an old version.
    #[error("stale version")]
    Stale(i64),
    /// Campaigns not yet ended use it.
    #[error("scenario in use")]
    InUse(Vec<String>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ScenarioError> for ApiError {
    fn from(error: ScenarioError) -> Self {
        match error {
            ScenarioError::NotFound => Self::NotFound,
            ScenarioError::BuiltIn => Self::Conflict {
                code: ProblemCode::ScenarioReadOnly,
                detail:
                    "Built-in scenarios cannot be changed or deleted; write your own (POST /api/v1/phishing-scenarios)."
                        .to_owned(),
            },
            ScenarioError::Stale(version) => crate::versions::stale(version),
            ScenarioError::InUse(campaigns) => Self::Conflict {
                code: ProblemCode::ScenarioInUse,
                detail: format!(
                    "{} campaign(s) not yet ended use this scenario ({}); it cannot change or go until they are completed or cancelled.",
                    campaigns.len(),
                    campaigns.join(", ")
                ),
            },
            ScenarioError::Store(store) => store.into(),
        }
    }
}

fn record_of(
    msp_id: &str,
    id: &str,
    new: &NewScenario,
    version: i64,
    at: DateTime<Utc>,
) -> Result<ScenarioRecord, StoreError> {
    Ok(ScenarioRecord {
        id: id.to_owned(),
        msp_id: msp_id.to_owned(),
        name: new.name.clone(),
        category: new.category.clone(),
        difficulty: new.difficulty,
        sender_name: new.sender_name.clone(),
        sender_local_part: new.sender_local_part.clone(),
        landing_page: new.landing_page,
        languages: stored::languages_key(&new.content.iter().map(|c| c.language.as_str()).collect::<Vec<_>>()),
        content: serde_json::to_string(&new.content).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        version,
        created_at: at.naive_utc(),
        updated_at: at.naive_utc(),
    })
}

/// Writes a scenario of `msp_id` and audits it.
pub fn create(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    new: &NewScenario,
    at: DateTime<Utc>,
) -> Result<Scenario, ScenarioError> {
    let record = record_of(msp_id, &persistence::new_id(), new, 1, at)?;
    stored::insert(tx, &record)?;
    let created = Scenario::from_record(record)?;
    let shown = created.resource("");
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::ScenarioCreated, &created.id, at).after(&shown))?;
    Ok(created)
}

/// The MSP's scenario `id` for a change: built-in ones are read-only.
pub fn for_change(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Scenario, ScenarioError> {
    if catalogue().iter().any(|s| s.id == id) {
        return Err(ScenarioError::BuiltIn);
    }
    stored::find(conn, msp_id, id)?.map(Scenario::from_record).transpose()?.ok_or(ScenarioError::NotFound)
}

/// Replaces scenario `id` with `new` (at one of `expected` versions) and
/// audits the change.
pub fn change(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    new: &NewScenario,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<Scenario, ScenarioError> {
    let before = for_change(tx, msp_id, id)?;
    // What a campaign will send is the scenario as it is when it sends:
    // while a campaign not yet ended uses it, it stays as it is.
    let users = stored::used_by(tx, msp_id, id)?;
    if !users.is_empty() {
        return Err(ScenarioError::InUse(users));
    }
    if !stored::update(tx, &record_of(msp_id, id, new, before.version, at)?, expected, at)? {
        return Err(ScenarioError::Stale(before.version));
    }
    let after = for_change(tx, msp_id, id)?;
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::ScenarioUpdated, id, at)
            .before(&before.resource(""))
            .after(&after.resource("")),
    )?;
    Ok(after)
}

/// Deletes scenario `id` unless a campaign not yet ended uses it.
pub fn delete(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<(), ScenarioError> {
    let before = for_change(tx, msp_id, id)?;
    if expected.is_some_and(|versions| !versions.contains(&before.version)) {
        return Err(ScenarioError::Stale(before.version));
    }
    let users = stored::used_by(tx, msp_id, id)?;
    if !users.is_empty() {
        return Err(ScenarioError::InUse(users));
    }
    if !stored::delete(tx, msp_id, id, Some(expected.unwrap_or(&[before.version])))? {
        return Err(ScenarioError::Stale(for_change(tx, msp_id, id)?.version));
    }
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::ScenarioDeleted, id, at).before(&before.resource("")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::campaigns::content::{HtmlPart, placeholders, sanitise};

    use super::*;

    #[test]
    fn the_catalogue_has_twelve_valid_scenarios_in_english_and_some_in_fi_de_sv() {
        let scenarios = catalogue();
        assert!(scenarios.len() >= 12, "{}", scenarios.len());
        for language in ["fi", "de", "sv"] {
            assert!(scenarios.iter().any(|s| s.content_in(language).is_some()), "none in {language}");
        }
        for scenario in scenarios {
            assert!(scenario.content_in("en").is_some(), "{} lacks en", scenario.name);
            assert!(uuid::Uuid::parse_str(&scenario.id).is_ok());
            assert!((1..=5).contains(&scenario.difficulty));
            for content in &scenario.content {
                for text in [&content.subject, &content.html_body, &content.text_body, &content.landing_page_html] {
                    assert!(placeholders(text).is_ok(), "{}: {text}", scenario.name);
                }
                assert!(content.html_body.contains("{{link}}") && content.text_body.contains("{{link}}"));
                // Built-in HTML is already what sanitising would make of it.
                for (part, html) in [
                    (HtmlPart::EmailBody, &content.html_body),
                    (HtmlPart::LandingPage, &content.landing_page_html),
                    (HtmlPart::TeachableMoment, &content.teachable_moment_html),
                ] {
                    assert_eq!(
                        sanitise(part, scenario.landing_page, html).as_ref(),
                        Ok(html),
                        "{} {part}",
                        scenario.name
                    );
                }
            }
        }
    }
}
