//! A scenario as an MSP writes it: every field checked, every problem at
//! its pointer; HTML sanitised and placeholders checked per language.

use std::collections::BTreeSet;

use domain::campaigns::content::{HtmlPart, LandingPage, Placeholder, placeholders, sanitise};
use domain::customers::Language;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::resources::scenarios::ScenarioContent;
use crate::services::scenarios::{NewScenario, Scenario};

/// Why a body without `{{link}}` is refused.
const LINK_MISSING: &str = "must hold the {{link}} placeholder (outside removed markup): it is how clicks are seen";

/// Most languages one scenario holds.
const MAX_LANGUAGES: usize = 10;

/// Longest body or page, in characters (a whole scenario stays under the body limit).
const MAX_HTML_CHARS: usize = 20_000;

/// A scenario of your MSP. Its HTML is sanitised when saved; text may hold the placeholders
/// `{{first_name}}`, `{{display_name}}`, `{{company}}` and `{{link}}` (any other is refused).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioBody {
    /// Name, 1-200 characters.
    #[schema(example = "Fake HR survey", min_length = 1, max_length = 200)]
    pub name: String,
    /// Category, 1-50 characters (e.g. `credentials`, `hr`, `delivery`).
    #[schema(example = "hr", min_length = 1, max_length = 50)]
    pub category: String,
    /// How hard it is to spot: 1 (easy) to 5 (hard).
    #[schema(minimum = 1, maximum = 5, example = 3)]
    pub difficulty: i64,
    /// The sender's display name, 1-100 characters.
    #[schema(example = "HR Team", min_length = 1, max_length = 100)]
    pub sender_name: String,
    /// The sender's address before `@` and the platform's simulation domain.
    #[schema(example = "hr-team", pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub sender_local_part: String,
    #[schema(schema_with = crate::resources::scenarios::landing_page_schema)]
    pub landing_page: String,
    /// Its content, one entry per language (1-10 languages).
    #[serde(deserialize_with = "crate::json::objects")]
    #[schema(min_items = 1, max_items = 10)]
    pub content: Vec<ScenarioContent>,
}

/// Changes to a scenario of your MSP; absent fields stay; `content` is replaced whole.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioChanges {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_length = 1, max_length = 50)]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, minimum = 1, maximum = 5)]
    pub difficulty: Option<i64>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    pub sender_name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub sender_local_part: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, schema_with = crate::resources::scenarios::landing_page_schema)]
    pub landing_page: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present_objects")]
    #[schema(nullable = false, min_items = 1, max_items = 10)]
    pub content: Option<Vec<ScenarioContent>>,
}

impl ScenarioChanges {
    /// The whole scenario these changes make of `current`.
    pub fn over(self, current: &Scenario) -> ScenarioBody {
        ScenarioBody {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            category: self.category.unwrap_or_else(|| current.category.clone()),
            difficulty: self.difficulty.unwrap_or(current.difficulty),
            sender_name: self.sender_name.unwrap_or_else(|| current.sender_name.clone()),
            sender_local_part: self.sender_local_part.unwrap_or_else(|| current.sender_local_part.clone()),
            landing_page: self.landing_page.unwrap_or_else(|| current.landing_page.as_str().to_owned()),
            content: self.content.unwrap_or_else(|| current.content.clone()),
        }
    }
}

fn text(errors: &mut FieldErrors, pointer: &str, raw: &str, max: usize) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || raw.chars().count() > max || raw.chars().any(char::is_control) {
        errors.push(InvalidField::at(pointer, format!("must be 1-{max} characters, without control characters")));
        return None;
    }
    Some(trimmed.to_owned())
}

/// Checks and sanitises a scenario body.
pub fn parse(body: ScenarioBody) -> Result<NewScenario, ApiError> {
    let mut errors = FieldErrors::default();
    let name = text(&mut errors, "/name", &body.name, 200);
    let category = text(&mut errors, "/category", &body.category, 50);
    let sender_name = text(&mut errors, "/sender_name", &body.sender_name, 100);
    if !(1..=5).contains(&body.difficulty) {
        errors.push(InvalidField::at("/difficulty", "must be 1-5"));
    }
    let local = &body.sender_local_part;
    let local_ok = (1..=64).contains(&local.len())
        && local.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && local.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !local_ok {
        errors.push(InvalidField::at(
            "/sender_local_part",
            "must be 1-64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
        ));
    }
    let landing = errors.check("/landing_page", body.landing_page.parse::<LandingPage>());
    if body.content.is_empty() || body.content.len() > MAX_LANGUAGES {
        errors.push(InvalidField::at("/content", format!("must hold 1-{MAX_LANGUAGES} languages")));
    }
    let mut languages = BTreeSet::new();
    let mut content = Vec::new();
    for (i, entry) in body.content.into_iter().enumerate() {
        let at = |field: &str| format!("/content/{i}/{field}");
        let language = errors.check(&at("language"), Language::parse(&entry.language));
        if let Some(language) = &language
            && !languages.insert(language.as_str().to_owned())
        {
            errors.push(InvalidField::at(at("language"), "is given twice"));
        }
        let subject = text(&mut errors, &at("subject"), &entry.subject, 300);
        let fields = [
            ("subject", &entry.subject),
            ("html_body", &entry.html_body),
            ("text_body", &entry.text_body),
            ("landing_page_html", &entry.landing_page_html),
            ("teachable_moment_html", &entry.teachable_moment_html),
        ];
        for (field, value) in fields {
            if value.chars().count() > MAX_HTML_CHARS || value.trim().is_empty() {
                errors.push(InvalidField::at(at(field), format!("must be 1-{MAX_HTML_CHARS} characters")));
            }
            if let Err(problem) = placeholders(value) {
                errors.push(InvalidField::at(at(field), problem));
            }
        }
        let holds_link = |text: &str| placeholders(text).is_ok_and(|found| found.contains(&Placeholder::Link));
        if !holds_link(&entry.text_body) {
            errors.push(InvalidField::at(at("text_body"), LINK_MISSING));
        }
        let Some(landing) = landing else { continue };
        let mut html = |part: HtmlPart, raw: &str| errors.check(&at(part.as_str()), sanitise(part, landing, raw));
        let html_body = html(HtmlPart::EmailBody, &entry.html_body);
        let landing_page_html = html(HtmlPart::LandingPage, &entry.landing_page_html);
        let teachable_moment_html = html(HtmlPart::TeachableMoment, &entry.teachable_moment_html);
        // Checked on what is kept: a link inside removed markup is gone.
        let html_body = match html_body {
            Some(clean) if !holds_link(&clean) => {
                errors.push(InvalidField::at(at("html_body"), LINK_MISSING));
                None
            }
            other => other,
        };
        if let (Some(language), Some(subject), Some(html_body), Some(landing_page_html), Some(teachable_moment_html)) =
            (language, subject, html_body, landing_page_html, teachable_moment_html)
        {
            content.push(ScenarioContent {
                language: language.as_str().to_owned(),
                subject,
                html_body,
                text_body: entry.text_body,
                landing_page_html,
                teachable_moment_html,
            });
        }
    }
    let scenario = (|| {
        Some(NewScenario {
            name: name?,
            category: category?,
            difficulty: body.difficulty,
            sender_name: sender_name?,
            sender_local_part: body.sender_local_part.clone(),
            landing_page: landing?,
            content,
        })
    })();
    errors.finish(scenario)
}
