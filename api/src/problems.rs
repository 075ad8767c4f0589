//! The registry of problem codes: every `code` a problem+json body can carry,
//! with its HTTP status and what it means.
//!
//! Clients switch on `code`, so a code is part of the contract: the
//! `ProblemCode` schema lists exactly these, and the README's error table is
//! made from [`ProblemCode::readme_table`] (a test fails when they differ). A
//! new refusal adds a variant here; nothing else spells a code.

use actix_web::http::StatusCode;
use utoipa::openapi::schema::{ObjectBuilder, Type};

macro_rules! problem_codes {
    ($($variant:ident = $spelling:literal, $status:literal, $meaning:literal;)+) => {
        /// A stable, machine-readable problem code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $(
                #[doc = $meaning]
                $variant,
            )+
        }

        impl ProblemCode {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant),+];

            /// The code as sent in `code` and in the `type` URN.
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $spelling,)+ }
            }

            /// The HTTP status a problem with this code has.
            pub fn status(self) -> StatusCode {
                let status: u16 = match self { $(ProblemCode::$variant => $status,)+ };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// What it means, in one line.
            pub fn meaning(self) -> &'static str {
                match self { $(ProblemCode::$variant => $meaning,)+ }
            }
        }
    };
}

problem_codes! {
    MalformedJson = "malformed_json", 400, "the body is not JSON";
    InvalidParameters = "invalid_parameters", 400, "a query parameter is invalid (`errors[].parameter`)";
    UnreadableBody = "unreadable_body", 400, "the connection broke off while sending the body";
    InvalidLink = "invalid_link", 400, "a set-password link that is unknown, expired or used";
    StepNotSaveable = "step_not_saveable", 400, "the onboarding step `review` has nothing to save";
    InvalidIdempotencyKey = "invalid_idempotency_key", 400, "`Idempotency-Key` is empty, over 255 characters, or has a space, quote or non-ASCII character";
    MissingCredentials = "missing_credentials", 401, "no `Authorization` header (`WWW-Authenticate: Bearer`)";
    InvalidCredentialsFormat = "invalid_credentials_format", 401, "`Authorization` is not `Bearer <token>`";
    InvalidToken = "invalid_token", 401, "the access token is invalid, expired or revoked";
    InvalidApiKey = "invalid_api_key", 401, "the API key is invalid, expired or revoked";
    InvalidCredentials = "invalid_credentials", 401, "wrong e-mail or password";
    InvalidRefreshToken = "invalid_refresh_token", 401, "the refresh token is unknown or expired";
    RefreshTokenReused = "refresh_token_reused", 401, "a spent refresh token was presented: the whole session ended";
    Forbidden = "forbidden", 403, "you are known but lack the permission (`detail` names it)";
    NotFound = "not_found", 404, "no such resource (also: another MSP's)";
    RouteNotFound = "route_not_found", 404, "no such route";
    MethodNotAllowed = "method_not_allowed", 405, "wrong method; `Allow` lists the right ones";
    DomainTaken = "domain_taken", 409, "a domain belongs to another customer of your MSP";
    EmailTaken = "email_taken", 409, "an admin with this e-mail exists";
    MspNameTaken = "msp_name_taken", 409, "an MSP with this name exists";
    LastOwner = "last_owner", 409, "the change would leave the MSP without an active owner";
    OrganizationLimitReached = "organization_limit_reached", 409, "your MSP has its maximum number of customers";
    SeatsUnavailable = "seats_unavailable", 409, "your seat pool has fewer seats left than asked for";
    SeatsBelowActiveUsers = "seats_below_active_users", 409, "fewer seats than the customer's active users";
    InvalidStatusTransition = "invalid_status_transition", 409, "the lifecycle does not allow this status change";
    CustomerArchived = "customer_archived", 409, "an archived customer's onboarding is closed";
    NotReady = "not_ready", 409, "going live with blockers left (`blockers` lists them)";
    GroupNameTaken = "group_name_taken", 409, "a customer group with this name exists";
    ScenarioReadOnly = "scenario_read_only", 409, "built-in phishing scenarios cannot be changed or deleted";
    ScenarioInUse = "scenario_in_use", 409, "campaigns not yet ended use the scenario";
    LaunchBlocked = "launch_blocked", 409, "the campaign cannot launch (`blockers` lists every failed gate with its code)";
    CampaignTransitionNotAllowed = "campaign_transition_not_allowed", 409, "the campaign's state does not allow this (`allowed_transitions` lists what it does)";
    CampaignNotEditable = "campaign_not_editable", 409, "the campaign's state does not allow this change (drafts: anything; scheduled: schedule and targets; after launch: longer tracking)";
    CampaignReportNotReady = "campaign_report_not_ready", 409, "a campaign's report is written when it completes; until then its results are at `…/results`";
    AlreadyDecided = "already_decided", 409, "the seat expansion request was approved or rejected already";
    SeatPoolBelowAllocated = "seat_pool_below_allocated", 409, "a seat pool smaller than the seats allocated";
    AccountEmailTaken = "account_email_taken", 409, "the customer has an account with this address";
    AccountStillActive = "account_still_active", 409, "an active account is deactivated or deleted before it is erased";
    AccountSeatLimitReached = "account_seat_limit_reached", 409, "activating would exceed the customer's seats";
    MaxMauReached = "max_mau_reached", 409, "activating would exceed the customer's max MAU threshold";
    GlobalUserLimitReached = "global_user_limit_reached", 409, "activating would exceed your MSP's global users";
    LocalUserLimitReached = "local_user_limit_reached", 409, "activating would exceed your MSP's local users";
    Conflict = "conflict", 409, "the request conflicts with an existing resource";
    IdempotencyKeyInFlight = "idempotency_key_in_flight", 409, "the first request with this `Idempotency-Key` is still running; `Retry-After`";
    PreconditionFailed = "precondition_failed", 412, "`If-Match` names a version that is no longer current; `ETag` has the current one";
    PayloadTooLarge = "payload_too_large", 413, "body over `BODY_LIMIT_BYTES` (a logo over 2 MiB)";
    UnsupportedMediaType = "unsupported_media_type", 415, "body not declared `application/json` (`text/csv` for the account import)";
    IdempotencyKeyReused = "idempotency_key_reused", 422, "this `Idempotency-Key` was used within 24 hours for a different request (method, path or body)";
    ValidationFailed = "validation_failed", 422, "JSON of the wrong shape or with invalid values (`errors[].pointer`); unknown fields are refused";
    ScheduleInfeasible = "schedule_infeasible", 422, "the schedule's window and cap cannot hold the campaign's recipients (`detail` says how many fit)";
    LogoEmpty = "logo_empty", 422, "the logo upload is empty";
    LogoTooLarge = "logo_too_large", 422, "the logo is over 2 MiB";
    LogoFormatUnsupported = "logo_format_unsupported", 422, "the logo is neither PNG nor SVG by its content";
    LogoInvalid = "logo_invalid", 422, "the logo does not decode";
    LogoTooSmall = "logo_too_small", 422, "the logo is under 200 × 200 pixels";
    LogoSvgUnsafe = "logo_svg_unsafe", 422, "the SVG has scripts, event handlers, foreignObject or external references";
    LogoSvgNoSize = "logo_svg_no_size", 422, "the SVG has neither width and height nor a viewBox";
    TooManyAttempts = "too_many_attempts", 429, "too many failed sign-ins; `Retry-After`";
    InternalError = "internal_error", 500, "our fault; the cause is in the log under the request id, never in the body";
    ServiceUnavailable = "service_unavailable", 503, "database unreachable or pool exhausted; `Retry-After`";
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProblemCode {
    /// The README's error table: a row per status with its codes and meanings.
    pub fn readme_table() -> String {
        let mut table = String::from("| Status | `code` | When |\n| --- | --- | --- |\n");
        for code in Self::ALL {
            table.push_str(&format!("| {} | `{}` | {} |\n", code.status().as_u16(), code.as_str(), code.meaning()));
        }
        table
    }
}

/// The `ProblemCode` component of the contract: every code of the registry.
pub struct ProblemCodeSchema;

impl utoipa::PartialSchema for ProblemCodeSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Stable machine-readable problem code; switch on this, not on `detail`."))
            .enum_values(Some(ProblemCode::ALL.iter().map(|code| code.as_str())))
            .examples(["validation_failed"])
            .into()
    }
}

impl utoipa::ToSchema for ProblemCodeSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "ProblemCode".into()
    }
}

/// A domain refusal of an activation, by type.
impl From<domain::accounts::ActivationRefusal> for ProblemCode {
    fn from(refusal: domain::accounts::ActivationRefusal) -> Self {
        use domain::accounts::ActivationRefusal::*;
        match refusal {
            SeatLimit { .. } => Self::AccountSeatLimitReached,
            MauThreshold { .. } => Self::MaxMauReached,
            GlobalUserLimit { .. } => Self::GlobalUserLimitReached,
            LocalUserLimit { .. } => Self::LocalUserLimitReached,
        }
    }
}

/// A domain refusal of a logo, by type.
impl From<&domain::branding::LogoError> for ProblemCode {
    fn from(error: &domain::branding::LogoError) -> Self {
        use domain::branding::LogoError::*;
        match error {
            Empty => Self::LogoEmpty,
            TooLarge { .. } => Self::LogoTooLarge,
            UnknownFormat { .. } => Self::LogoFormatUnsupported,
            InvalidPng(_) | SvgMalformed(_) => Self::LogoInvalid,
            TooSmall { .. } => Self::LogoTooSmall,
            SvgScript | SvgForeignObject | SvgEventHandler { .. } | SvgExternalReference { .. } => Self::LogoSvgUnsafe,
            SvgNoSize => Self::LogoSvgNoSize,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_errors() {
        let mut seen = HashSet::new();
        for code in ProblemCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{code}");
        }
    }
}
