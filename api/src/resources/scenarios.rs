//! Phishing scenarios as the API shows them: the built-in catalogue and the
//! MSP's own, with their content per language.

use chrono::{DateTime, Utc};
use domain::campaigns::content::LandingPage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A scenario's content in one language. Text may hold the placeholders
/// `{{first_name}}`, `{{display_name}}`, `{{company}}` and `{{link}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioContent {
    /// BCP 47 language tag.
    #[schema(example = "en", max_length = 35)]
    pub language: String,
    /// The message's subject (1-300 characters).
    #[schema(example = "Your password expires today", min_length = 1, max_length = 300)]
    pub subject: String,
    /// The message's HTML body; must hold `{{link}}`. Sanitised when saved.
    #[schema(
        example = "<p>Hi {{first_name}}, keep your password: <a href=\"{{link}}\">{{link}}</a></p>",
        min_length = 1,
        max_length = 20000
    )]
    pub html_body: String,
    /// The message's plain-text body; must hold `{{link}}`.
    #[schema(example = "Hi {{first_name}}, keep your password: {{link}}", min_length = 1, max_length = 20000)]
    pub text_body: String,
    /// The landing page behind the link. Sanitised when saved: nothing loaded from elsewhere;
    /// one form, only on `credential_form` pages.
    #[schema(
        example = "<h1>Sign in</h1><form><input type=\"password\" name=\"password\"></form>",
        min_length = 1,
        max_length = 20000
    )]
    pub landing_page_html: String,
    /// The teachable-moment page shown afterwards. Sanitised when saved: no forms.
    #[schema(example = "<h1>This was a simulation</h1>", min_length = 1, max_length = 20000)]
    pub teachable_moment_html: String,
}

/// Who a scenario's message comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sender {
    /// Display name.
    #[schema(example = "IT Service Desk")]
    pub name: String,
    /// Address, on the platform's simulation domain.
    #[schema(example = "it-servicedesk@simulations.msp-portal.example")]
    pub address: String,
}

/// A scenario without its content (lists).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScenarioSummary {
    /// Id.
    #[schema(format = Uuid, example = "00000000-0000-7000-8000-000000000001")]
    pub id: String,
    /// `built_in` (shipped with the product, read-only) or `msp` (written by your MSP).
    #[schema(schema_with = source_schema)]
    pub source: String,
    /// Name.
    #[schema(example = "Password expiry")]
    pub name: String,
    /// Category.
    #[schema(example = "credentials")]
    pub category: String,
    /// How hard it is to spot: 1 (easy) to 5 (hard).
    #[schema(minimum = 1, maximum = 5, example = 2)]
    pub difficulty: i64,
    /// The languages it exists in.
    #[schema(example = json!(["en", "fi", "de", "sv"]))]
    pub languages: Vec<String>,
    /// The sender.
    pub sender: Sender,
    #[schema(schema_with = landing_page_schema)]
    pub landing_page: String,
    /// Version (the `ETag` of an MSP scenario); 1 for built-in ones.
    #[schema(example = 1)]
    pub version: i64,
    /// When written (UTC); `null` for built-in ones.
    pub created_at: Option<DateTime<Utc>>,
    /// When last changed (UTC); `null` for built-in ones.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A scenario with its content in every language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PhishingScenario {
    #[serde(flatten)]
    pub summary: ScenarioSummary,
    /// Its content, one entry per language.
    pub content: Vec<ScenarioContent>,
}

/// A scenario rendered for one sample recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScenarioPreview {
    /// The language rendered.
    #[schema(example = "en")]
    pub language: String,
    /// The sender.
    pub sender: Sender,
    /// Subject.
    pub subject: String,
    /// HTML body (values HTML-escaped).
    pub html_body: String,
    /// Plain-text body.
    pub text_body: String,
    /// Landing page.
    pub landing_page_html: String,
    /// Teachable-moment page.
    pub teachable_moment_html: String,
}

pub(crate) fn source_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("`built_in`: shipped with the product, read-only; `msp`: written by your MSP."))
        .enum_values(Some(["built_in", "msp"]))
        .examples(["built_in"])
}

pub(crate) fn landing_page_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "What the link leads to: `click_only` (the click is the result) or `credential_form` (a form asks for \
             credentials; what is typed is never kept).",
        ))
        .enum_values(Some(LandingPage::spellings()))
        .examples(["credential_form"])
}
