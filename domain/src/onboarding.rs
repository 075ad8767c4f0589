//! Guided onboarding of a customer: the six steps, what keeps each from being
//! complete, the readiness to go live, the attention list of customers whose
//! setup stalls, and the rule that no campaign launches before a delivery
//! test was confirmed.
//!
//! A step's status is never stored: it follows from what was saved and from
//! facts that change later (a SCIM request that succeeds, a delivery test
//! link that is opened), so it is computed whenever it is shown.

use chrono::{DateTime, TimeDelta, Utc};

use crate::spelling::spelled_enum;

spelled_enum! {
    /// The steps, in the order a guided flow walks them.
    pub enum Step {
        /// Name, billing reference, domains, country, time zone, language.
        TenantDetails => "tenant_details",
        /// Tier and seats from the MSP's pool.
        ProductAndLicenses => "product_and_licenses",
        /// Where the customer's accounts come from: an identity provider over SCIM, or CSV.
        UserProvisioning => "user_provisioning",
        /// The mail-flow checklist and the delivery test.
        EmailConfig => "email_config",
        /// Logo, primary colour, welcome message; skippable.
        Branding => "branding",
        /// Readiness and go-live.
        Review => "review",
    }
}

impl Step {
    /// Whether the step may be skipped (defaults then apply).
    pub fn skippable(self) -> bool {
        self == Self::Branding
    }
}

spelled_enum! {
    /// Where a step stands.
    pub enum StepStatus {
        /// Nothing saved yet.
        NotStarted => "not_started",
        /// Saved, with problems left.
        InProgress => "in_progress",
        /// Saved and valid.
        Complete => "complete",
        /// Skipped on purpose (only where [`Step::skippable`]).
        Skipped => "skipped",
    }
}

impl StepStatus {
    /// Still needs the admin's attention.
    pub fn is_open(self) -> bool {
        matches!(self, Self::NotStarted | Self::InProgress)
    }
}

/// Something that keeps a step from being complete, for the admin to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable machine code.
    pub code: &'static str,
    /// JSON Pointer into the step's values, when one value is at fault.
    pub pointer: Option<String>,
    /// What to do, for a person.
    pub message: String,
}

impl Problem {
    /// A problem of the step as a whole.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, pointer: None, message: message.into() }
    }

    /// A problem of one value.
    pub fn at(code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, pointer: Some(pointer.into()), message: message.into() }
    }
}

/// The status of a step from what was saved: nothing saved is `not_started`,
/// a skipped step stays `skipped` until something is saved in it again, and
/// a saved step is `complete` exactly when it has no problem.
pub fn status_of(saved: bool, skipped: bool, problems: &[Problem]) -> StepStatus {
    match (saved, skipped) {
        (_, true) => StepStatus::Skipped,
        (false, false) => StepStatus::NotStarted,
        (true, false) if problems.is_empty() => StepStatus::Complete,
        (true, false) => StepStatus::InProgress,
    }
}

/// The status of `review`: done by going live; until then its problems are
/// the blockers.
pub fn review_status(went_live: bool) -> StepStatus {
    if went_live { StepStatus::Complete } else { StepStatus::NotStarted }
}

/// An archived customer's onboarding is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the customer is archived: its onboarding can no longer change")]
pub struct OnboardingClosed;

/// Whether a customer in `status` may still change its onboarding (save a
/// step, upload a logo, run a delivery test): any status but archived.
pub fn may_change(status: crate::customers::CustomerStatus) -> Result<(), OnboardingClosed> {
    if status == crate::customers::CustomerStatus::Archived { Err(OnboardingClosed) } else { Ok(()) }
}

/// The step a guided flow shows next: the first open one, in order, or
/// `review` when every other step is done with.
pub fn current_step(statuses: &[(Step, StepStatus)]) -> Step {
    Step::ALL
        .iter()
        .copied()
        .filter(|step| *step != Step::Review)
        .find(|step| statuses.iter().any(|(s, status)| s == step && status.is_open()))
        .unwrap_or(Step::Review)
}

/// Problems of the product step: without a seat nobody can be trained.
pub fn product_problems(seats: i64) -> Vec<Problem> {
    if seats > 0 {
        return Vec::new();
    }
    vec![Problem::at("no_seats", "/seats", "Give the customer at least one seat from your pool.")]
}

/// What a customer's seats do to the MSP's pool, for the product step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolImpact {
    /// Seats the MSP bought.
    pub pool_total: i64,
    /// Seats allocated to the MSP's other customers.
    pub allocated_to_others: i64,
    /// Seats of this customer (what was asked for, when it is not applied yet).
    pub this_customer: i64,
    /// What the pool has left once this customer has its seats (negative:
    /// more than the pool has).
    pub remaining_after: i64,
    /// The most seats this customer can have.
    pub max_available: i64,
}

/// The pool's arithmetic for a customer holding `current` seats (already
/// counted in `allocated`) who would hold `wanted`.
pub fn pool_impact(pool_total: i64, allocated: i64, current: i64, wanted: i64) -> PoolImpact {
    let allocated_to_others = (allocated - current).max(0);
    let max_available = (pool_total - allocated_to_others).max(0);
    PoolImpact {
        pool_total,
        allocated_to_others,
        this_customer: wanted,
        remaining_after: pool_total - allocated_to_others - wanted,
        max_available,
    }
}

spelled_enum! {
    /// Where a customer's accounts come from.
    pub enum ProvisioningMethod {
        /// Microsoft Entra ID (Azure AD) enterprise application, over SCIM.
        AzureAd => "azure_ad",
        /// Google Workspace, over SCIM.
        GoogleWorkspace => "google_workspace",
        /// Okta application, over SCIM.
        Okta => "okta",
        /// CSV upload to the accounts import.
        Csv => "csv",
    }
}

/// One step of an identity provider's setup, as data a frontend renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupInstruction {
    /// What to do.
    pub text: &'static str,
    /// The field of the provider's form it is about, if any.
    pub field: Option<&'static str>,
    /// What to put in that field, if we know it.
    pub value: Option<String>,
}

impl ProvisioningMethod {
    /// Whether accounts come over SCIM (and so need a token and a connection).
    pub fn uses_scim(self) -> bool {
        self != Self::Csv
    }

    /// The setup steps in the provider's own console.
    pub fn instructions(self, base_url: &str) -> Vec<SetupInstruction> {
        let step = |text, field: Option<&'static str>, value: Option<&str>| SetupInstruction {
            text,
            field,
            value: value.map(str::to_owned),
        };
        let url = Some(base_url);
        let token = Some("the SCIM token shown once when this step was first saved (rotate it to get a new one)");
        match self {
            Self::AzureAd => vec![
                step(
                    "In the Microsoft Entra admin center, open Enterprise applications → New application → Create your own application (non-gallery).",
                    None,
                    None,
                ),
                step(
                    "Open Provisioning, set Provisioning Mode to Automatic.",
                    Some("Provisioning Mode"),
                    Some("Automatic"),
                ),
                step("Enter the SCIM base URL as the Tenant URL.", Some("Tenant URL"), url),
                step("Enter the token as the Secret Token.", Some("Secret Token"), token),
                step("Click Test Connection; this step's connection test passes once it succeeded.", None, None),
                step("Assign the users and groups to provision, then start provisioning.", None, None),
            ],
            Self::Okta => vec![
                step(
                    "In the Okta admin console, create an app integration (SWA or SAML) and enable SCIM provisioning on its General tab.",
                    None,
                    None,
                ),
                step(
                    "On the Provisioning tab, enter the SCIM base URL as the SCIM connector base URL.",
                    Some("SCIM connector base URL"),
                    url,
                ),
                step(
                    "Set the unique identifier field for users to userName.",
                    Some("Unique identifier field for users"),
                    Some("userName"),
                ),
                step("Choose HTTP Header authentication and enter the token.", Some("Authorization"), token),
                step(
                    "Click Test Connector Configuration; this step's connection test passes once it succeeded.",
                    None,
                    None,
                ),
                step(
                    "Enable Create Users, Update User Attributes and Deactivate Users, then assign people and push groups.",
                    None,
                    None,
                ),
            ],
            Self::GoogleWorkspace => vec![
                step(
                    "In the Google Admin console, open Apps → Web and mobile apps and add a custom SAML app for the portal.",
                    None,
                    None,
                ),
                step(
                    "Open its Auto-provisioning section and enter the SCIM base URL as the endpoint URL.",
                    Some("Endpoint URL"),
                    url,
                ),
                step("Enter the token as the access token.", Some("Access token"), token),
                step(
                    "Map the attributes (userName to Primary email), choose the provisioning scope, and turn auto-provisioning on.",
                    None,
                    None,
                ),
                step(
                    "This step's connection test passes once the first SCIM request with the token succeeded.",
                    None,
                    None,
                ),
            ],
            Self::Csv => vec![
                step(
                    "Prepare a CSV with the columns email (required), display_name, department, external_id and status.",
                    None,
                    None,
                ),
                step(
                    "Upload it to POST /api/v1/customers/{customer_id}/accounts/import with Content-Type: text/csv; upload it again whenever people join or leave.",
                    None,
                    None,
                ),
            ],
        }
    }
}

/// What the user-provisioning step knows about the customer's accounts and
/// its SCIM connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProvisioningFacts {
    /// The chosen method, when one was chosen.
    pub method: Option<ProvisioningMethod>,
    /// Whether the customer has a SCIM token.
    pub has_token: bool,
    /// Whether a SCIM request authenticated with the current token succeeded.
    pub connected: bool,
    /// Accounts of the customer (not deleted).
    pub accounts: i64,
    /// Accounts whose address is in none of the customer's domains.
    pub accounts_outside_domains: i64,
}

/// Problems of the user-provisioning step.
pub fn provisioning_problems(facts: &ProvisioningFacts) -> Vec<Problem> {
    let mut problems = Vec::new();
    match facts.method {
        None => problems.push(Problem::at(
            "provisioning_method_missing",
            "/method",
            "Choose how accounts arrive: azure_ad, google_workspace, okta or csv.",
        )),
        Some(method) if method.uses_scim() && !facts.has_token => problems.push(Problem::new(
            "scim_token_missing",
            "The customer has no SCIM token: create one with POST /api/v1/customers/{customer_id}/scim-token.",
        )),
        Some(method) if method.uses_scim() && !facts.connected => problems.push(Problem::new(
            "scim_not_connected",
            "No SCIM request with the customer's token has succeeded yet: enter the base URL and the token in the \
             identity provider and run its connection test.",
        )),
        Some(ProvisioningMethod::Csv) if facts.accounts == 0 => problems.push(Problem::new(
            "no_accounts_imported",
            "No account yet: upload the CSV to POST /api/v1/customers/{customer_id}/accounts/import.",
        )),
        Some(_) => {}
    }
    if facts.accounts_outside_domains > 0 {
        problems.push(Problem::new(
            "accounts_outside_domains",
            format!(
                "{} account(s) have an address in none of the customer's domains; nothing is sent to anyone until \
                 they are removed or the domain is added.",
                facts.accounts_outside_domains
            ),
        ));
    }
    problems
}

/// The addresses among `emails` that are in none of `domains`: accounts
/// that must not be mailed on the customer's behalf (erased accounts'
/// pseudonyms aside: they are mailed by no one).
pub fn outside_domains<'a, S: AsRef<str>>(emails: impl IntoIterator<Item = &'a str>, domains: &[S]) -> Vec<&'a str> {
    // An erased account's pseudonym is on no one's domain by design.
    let erased = format!("@{}", crate::privacy::PSEUDONYM_DOMAIN);
    emails
        .into_iter()
        .filter(|email| !email.ends_with(&erased) && crate::accounts::AccountEmail::parse(email, domains).is_err())
        .collect()
}

spelled_enum! {
    /// A third-party mail gateway in front of the customer's mailboxes.
    pub enum EmailGateway {
        /// Mail goes straight to Microsoft 365.
        None => "none",
        /// Mimecast.
        Mimecast => "mimecast",
        /// Proofpoint.
        Proofpoint => "proofpoint",
        /// Any other gateway.
        Other => "other",
    }
}

/// The mail-flow checklist: each item confirmed by an admin once done in the
/// customer's mail system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmailChecklist {
    /// The Microsoft 365 transport rule that lets simulations bypass spam filtering.
    pub m365_transport_rule: bool,
    /// The Microsoft Defender advanced-delivery phishing-simulation allowlist.
    pub defender_allowlist: bool,
    /// The gateway in front of Microsoft 365, when one was named.
    pub gateway: Option<EmailGateway>,
    /// The gateway's allowlist entry (not needed without a gateway).
    pub gateway_allowlist: bool,
}

impl EmailChecklist {
    /// Items confirmed, and items to confirm.
    pub fn progress(&self) -> (usize, usize) {
        let gateway_done = match self.gateway {
            Some(EmailGateway::None) => true,
            Some(_) => self.gateway_allowlist,
            None => false,
        };
        let done = [self.m365_transport_rule, self.defender_allowlist, gateway_done];
        (done.iter().filter(|d| **d).count(), done.len())
    }

    /// One problem per item not confirmed yet.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if !self.m365_transport_rule {
            problems.push(Problem::at(
                "m365_transport_rule_unconfirmed",
                "/m365_transport_rule",
                "Create the Microsoft 365 transport rule for simulation mail, then confirm it.",
            ));
        }
        if !self.defender_allowlist {
            problems.push(Problem::at(
                "defender_allowlist_unconfirmed",
                "/defender_allowlist",
                "Add the simulation senders to Microsoft Defender's advanced delivery (phishing simulation) list, \
                 then confirm it.",
            ));
        }
        match self.gateway {
            None => problems.push(Problem::at(
                "gateway_unanswered",
                "/gateway",
                "Say which mail gateway sits in front of Microsoft 365: mimecast, proofpoint, other or none.",
            )),
            Some(EmailGateway::None) => {}
            Some(gateway) if !self.gateway_allowlist => problems.push(Problem::at(
                "gateway_allowlist_unconfirmed",
                "/gateway_allowlist",
                format!("Allowlist the simulation senders in the {gateway} gateway, then confirm it."),
            )),
            Some(_) => {}
        }
        problems
    }
}

spelled_enum! {
    /// Where a delivery test stands.
    pub enum DeliveryTestStatus {
        /// The relay accepted the test mail.
        Sent => "sent",
        /// The relay refused it (its answer is kept).
        Failed => "failed",
        /// Its link was opened: mail reaches the customer's inboxes.
        Confirmed => "confirmed",
    }
}

/// Why a campaign may not launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "no delivery test of this customer has been confirmed: run one (POST \
     /api/v1/customers/{{customer_id}}/onboarding/delivery-tests) and open the link it mails"
)]
pub struct NoConfirmedDelivery;

/// Campaigns launch only for a customer with a confirmed delivery test:
/// before that nobody knows that simulation mail reaches its inboxes.
pub fn campaign_may_launch(delivery_tests: &[DeliveryTestStatus]) -> Result<(), NoConfirmedDelivery> {
    if delivery_tests.contains(&DeliveryTestStatus::Confirmed) { Ok(()) } else { Err(NoConfirmedDelivery) }
}

/// Problems of the email step: the checklist, then the delivery test.
pub fn email_problems(checklist: &EmailChecklist, delivery_tests: &[DeliveryTestStatus]) -> Vec<Problem> {
    let mut problems = checklist.problems();
    if let Err(refusal) = campaign_may_launch(delivery_tests) {
        problems.push(Problem::new("no_confirmed_delivery_test", format!("{refusal}.")));
    }
    problems
}

/// Problems of the branding step: a logo and a primary colour make it
/// complete; the welcome message is optional.
pub fn branding_problems(has_logo: bool, has_primary_colour: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !has_logo {
        problems.push(Problem::new(
            "logo_missing",
            "Upload a logo (PUT …/onboarding/branding/logo, PNG or SVG), or skip the step to use the defaults.",
        ));
    }
    if !has_primary_colour {
        problems.push(Problem::at("primary_color_missing", "/primary_color", "Choose a primary colour, like #1A73E8."));
    }
    problems
}

/// What readiness is judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessFacts {
    /// Seats of the customer.
    pub seats: i64,
    /// Its e-mail domains.
    pub domains: usize,
    /// Every step but `review`, with its status and problems.
    pub steps: Vec<(Step, StepStatus, Vec<Problem>)>,
    /// Active accounts: who campaigns would reach.
    pub users_to_sync: i64,
    /// Accounts with an address in none of the customer's domains.
    pub accounts_outside_domains: i64,
    /// The mail-flow checklist.
    pub checklist: EmailChecklist,
    /// Delivery tests so far.
    pub delivery_tests: Vec<DeliveryTestStatus>,
}

/// A reason not to go live (a blocker) or to look again (a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable machine code.
    pub code: &'static str,
    /// The step where it is fixed.
    pub step: Step,
    /// What it means, for a person.
    pub message: String,
}

/// Blockers and warnings of going live.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Readiness {
    /// Going live is refused while any is left.
    pub blockers: Vec<Finding>,
    /// Going live is allowed; these are worth a look.
    pub warnings: Vec<Finding>,
}

impl Readiness {
    /// No blocker left.
    pub fn is_ready(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// Judges a customer's readiness. Blockers are what would break in
/// service: no seat (nobody can be trained), no domain (no address is
/// valid), accounts outside the domains (mail would go to people who are not
/// the customer's). Everything else unfinished is a warning.
pub fn readiness(facts: &ReadinessFacts) -> Readiness {
    let finding = |code, step, message: String| Finding { code, step, message };
    let mut blockers = Vec::new();
    if facts.seats <= 0 {
        blockers.push(finding("no_seats", Step::ProductAndLicenses, "The customer has no seat.".to_owned()));
    }
    if facts.domains == 0 {
        blockers.push(finding("no_domain", Step::TenantDetails, "The customer has no e-mail domain.".to_owned()));
    }
    if facts.accounts_outside_domains > 0 {
        blockers.push(finding(
            "accounts_outside_domains",
            Step::UserProvisioning,
            format!("{} account(s) have an address in none of the customer's domains.", facts.accounts_outside_domains),
        ));
    }
    let mut warnings = Vec::new();
    let (confirmed, items) = facts.checklist.progress();
    for (step, status, problems) in &facts.steps {
        let first = problems.first().map(|p| p.message.as_str()).unwrap_or("it has not been saved yet.");
        match (step, status) {
            (Step::Branding, StepStatus::Skipped) => warnings.push(finding(
                "branding_skipped",
                Step::Branding,
                "Branding was skipped: the default logo, colour and welcome message apply.".to_owned(),
            )),
            (Step::EmailConfig, status) if status.is_open() && confirmed > 0 && confirmed < items => {
                warnings.push(finding(
                    "email_config_partial",
                    Step::EmailConfig,
                    format!("{confirmed} of {items} mail-flow checklist items are confirmed; simulation mail may be filtered."),
                ))
            }
            (step, status) if status.is_open() => warnings.push(finding(
                "step_incomplete",
                *step,
                format!("The {step} step is {status}: {first}"),
            )),
            _ => {}
        }
    }
    if campaign_may_launch(&facts.delivery_tests).is_err() {
        warnings.push(finding(
            "no_confirmed_delivery_test",
            Step::EmailConfig,
            "No delivery test is confirmed: campaigns cannot launch until one is.".to_owned(),
        ));
    }
    if facts.users_to_sync == 0 {
        warnings.push(finding(
            "no_users",
            Step::UserProvisioning,
            "The customer has no active account yet.".to_owned(),
        ));
    }
    Readiness { blockers, warnings }
}

/// The default of [`attention_cutoff`]'s `days`: a week in onboarding is long
/// enough to ask why.
pub const DEFAULT_ATTENTION_DAYS: i64 = 7;

/// Longest threshold accepted, in days.
pub const MAX_ATTENTION_DAYS: i64 = 3650;

/// Customers that entered onboarding before this moment have been in it for
/// more than `days` days and belong on the attention list.
pub fn attention_cutoff(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - TimeDelta::days(days.clamp(0, MAX_ATTENTION_DAYS))
}

/// Whole days between `since` and `now`.
pub fn days_between(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_complete() -> Vec<(Step, StepStatus, Vec<Problem>)> {
        Step::ALL.iter().filter(|s| **s != Step::Review).map(|s| (*s, StepStatus::Complete, Vec::new())).collect()
    }

    fn ready_facts() -> ReadinessFacts {
        ReadinessFacts {
            seats: 10,
            domains: 1,
            steps: all_complete(),
            users_to_sync: 3,
            accounts_outside_domains: 0,
            checklist: EmailChecklist {
                m365_transport_rule: true,
                defender_allowlist: true,
                gateway: Some(EmailGateway::None),
                gateway_allowlist: false,
            },
            delivery_tests: vec![DeliveryTestStatus::Failed, DeliveryTestStatus::Confirmed],
        }
    }

    #[test]
    fn a_step_is_complete_exactly_when_saved_without_problems() {
        let problem = Problem::new("x", "y");
        assert_eq!(status_of(false, false, &[]), StepStatus::NotStarted);
        assert_eq!(status_of(false, false, std::slice::from_ref(&problem)), StepStatus::NotStarted);
        assert_eq!(status_of(true, false, &[]), StepStatus::Complete);
        assert_eq!(status_of(true, false, std::slice::from_ref(&problem)), StepStatus::InProgress);
        assert_eq!(status_of(true, true, &[problem]), StepStatus::Skipped);
    }

    #[test]
    fn the_current_step_is_the_first_open_one() {
        use StepStatus::*;
        let statuses = vec![
            (Step::TenantDetails, Complete),
            (Step::ProductAndLicenses, Complete),
            (Step::UserProvisioning, InProgress),
            (Step::EmailConfig, NotStarted),
            (Step::Branding, Skipped),
            (Step::Review, NotStarted),
        ];
        assert_eq!(current_step(&statuses), Step::UserProvisioning);
        let done: Vec<_> =
            statuses.iter().map(|(s, _)| (*s, if *s == Step::Branding { Skipped } else { Complete })).collect();
        assert_eq!(current_step(&done), Step::Review);
    }

    #[test]
    fn review_is_done_by_going_live_and_archived_onboarding_is_closed() {
        use crate::customers::CustomerStatus;
        assert_eq!(review_status(true), StepStatus::Complete);
        assert_eq!(review_status(false), StepStatus::NotStarted);
        for status in CustomerStatus::ALL {
            assert_eq!(may_change(*status).is_err(), *status == CustomerStatus::Archived, "{status}");
        }
    }

    #[test]
    fn only_branding_can_be_skipped() {
        assert_eq!(Step::ALL.iter().filter(|s| s.skippable()).collect::<Vec<_>>(), vec![&Step::Branding]);
    }

    #[test]
    fn campaigns_need_a_confirmed_delivery_test() {
        use DeliveryTestStatus::*;
        assert!(campaign_may_launch(&[]).is_err());
        assert!(campaign_may_launch(&[Sent, Failed, Sent]).is_err());
        assert!(campaign_may_launch(&[Failed, Confirmed]).is_ok());
    }

    #[test]
    fn the_checklist_asks_for_the_gateway_allowlist_only_with_a_gateway() {
        let mut checklist = EmailChecklist {
            m365_transport_rule: true,
            defender_allowlist: true,
            gateway: None,
            gateway_allowlist: false,
        };
        assert_eq!(checklist.problems().iter().map(|p| p.code).collect::<Vec<_>>(), ["gateway_unanswered"]);
        checklist.gateway = Some(EmailGateway::Mimecast);
        assert_eq!(checklist.problems().iter().map(|p| p.code).collect::<Vec<_>>(), ["gateway_allowlist_unconfirmed"]);
        assert_eq!(checklist.progress(), (2, 3));
        checklist.gateway_allowlist = true;
        assert!(checklist.problems().is_empty());
        checklist.gateway = Some(EmailGateway::None);
        checklist.gateway_allowlist = false;
        assert_eq!(checklist.progress(), (3, 3));
        assert_eq!(email_problems(&checklist, &[]).len(), 1);
        assert!(email_problems(&checklist, &[DeliveryTestStatus::Confirmed]).is_empty());
    }

    #[test]
    fn provisioning_needs_a_working_connection_or_accounts() {
        let scim = ProvisioningFacts { method: Some(ProvisioningMethod::Okta), ..Default::default() };
        assert_eq!(provisioning_problems(&scim)[0].code, "scim_token_missing");
        let scim = ProvisioningFacts { has_token: true, ..scim };
        assert_eq!(provisioning_problems(&scim)[0].code, "scim_not_connected");
        let scim = ProvisioningFacts { connected: true, ..scim };
        assert!(provisioning_problems(&scim).is_empty());
        let csv = ProvisioningFacts { method: Some(ProvisioningMethod::Csv), ..Default::default() };
        assert_eq!(provisioning_problems(&csv)[0].code, "no_accounts_imported");
        let csv = ProvisioningFacts { accounts: 4, accounts_outside_domains: 1, ..csv };
        assert_eq!(
            provisioning_problems(&csv).iter().map(|p| p.code).collect::<Vec<_>>(),
            ["accounts_outside_domains"]
        );
        assert_eq!(provisioning_problems(&ProvisioningFacts::default())[0].code, "provisioning_method_missing");
    }

    #[test]
    fn the_pool_impact_counts_this_customer_once() {
        let impact = pool_impact(100, 60, 10, 25);
        assert_eq!((impact.allocated_to_others, impact.remaining_after, impact.max_available), (50, 25, 50));
        assert_eq!(pool_impact(100, 100, 0, 5).remaining_after, -5);
    }

    #[test]
    fn addresses_outside_the_domains_are_found() {
        let emails = [
            "a@acme.example",
            "b@msp.example",
            "c@ACME.example",
            "d@sub.acme.example",
            "person-01@pseudonymised.invalid",
        ];
        assert_eq!(outside_domains(emails, &["acme.example"]), ["b@msp.example", "d@sub.acme.example"]);
    }

    #[test]
    fn every_identity_provider_gets_the_base_url_in_its_instructions() {
        for method in ProvisioningMethod::ALL {
            let steps = method.instructions("https://api.example/scim/v2/c1");
            let has_url = steps.iter().any(|s| s.value.as_deref() == Some("https://api.example/scim/v2/c1"));
            assert_eq!(has_url, method.uses_scim(), "{method}");
        }
    }

    #[test]
    fn a_complete_customer_is_ready_without_warnings() {
        let readiness = readiness(&ready_facts());
        assert!(readiness.is_ready());
        assert_eq!(readiness.warnings, Vec::new());
    }

    #[test]
    fn what_would_break_blocks_and_the_rest_warns() {
        let facts = ReadinessFacts {
            seats: 0,
            domains: 0,
            accounts_outside_domains: 2,
            users_to_sync: 0,
            delivery_tests: vec![DeliveryTestStatus::Sent],
            checklist: EmailChecklist { m365_transport_rule: true, ..Default::default() },
            steps: vec![
                (Step::TenantDetails, StepStatus::Complete, vec![]),
                (Step::ProductAndLicenses, StepStatus::InProgress, product_problems(0)),
                (Step::UserProvisioning, StepStatus::NotStarted, vec![]),
                (Step::EmailConfig, StepStatus::InProgress, vec![Problem::new("x", "y")]),
                (Step::Branding, StepStatus::Skipped, vec![]),
            ],
        };
        let readiness = readiness(&facts);
        assert!(!readiness.is_ready());
        let codes = |findings: &[Finding]| findings.iter().map(|f| f.code).collect::<Vec<_>>();
        assert_eq!(codes(&readiness.blockers), ["no_seats", "no_domain", "accounts_outside_domains"]);
        assert_eq!(
            codes(&readiness.warnings),
            [
                "step_incomplete",
                "step_incomplete",
                "email_config_partial",
                "branding_skipped",
                "no_confirmed_delivery_test",
                "no_users"
            ]
        );
        assert_eq!(readiness.warnings[0].step, Step::ProductAndLicenses);
        assert!(readiness.warnings[1].message.contains("not_started"), "{}", readiness.warnings[1].message);
    }

    #[test]
    fn the_attention_list_starts_after_the_threshold() {
        let now =
            DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let cutoff = attention_cutoff(now, 7);
        assert_eq!(cutoff.to_rfc3339(), "2026-11-17T12:00:00+00:00");
        assert_eq!(days_between(cutoff, now), 7);
        assert_eq!(days_between(now, cutoff), 0);
        assert_eq!(attention_cutoff(now, -3), now);
    }
}
