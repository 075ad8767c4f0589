//! The audit log: who changed what, when.

use std::fmt;
use std::str::FromStr;

use crate::spelling::spelled_enum;

/// The kind of caller behind a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorType {
    /// An admin of the MSP, signed in.
    Admin,
    /// An API key of the MSP.
    ApiKey,
    /// A platform operator.
    Operator,
    /// An admin acting inside one customer ("log in as"); the actor is the
    /// admin, and the event names the customer.
    Impersonation,
    /// The system itself (command-line bootstrap, background jobs).
    System,
    /// A customer's identity provider, through SCIM with the customer's
    /// token.
    Scim,
}

impl ActorType {
    /// Every actor type.
    pub const ALL: [Self; 6] =
        [Self::Admin, Self::ApiKey, Self::Operator, Self::Impersonation, Self::System, Self::Scim];

    /// The spelling in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ApiKey => "api_key",
            Self::Operator => "operator",
            Self::Impersonation => "impersonation",
            Self::System => "system",
            Self::Scim => "scim",
        }
    }
}

impl fmt::Display for ActorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A spelling that names no actor type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown actor type '{0}'; allowed: admin, api_key, operator, impersonation, system, scim")]
pub struct UnknownActorType(pub String);

impl FromStr for ActorType {
    type Err = UnknownActorType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownActorType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_types_round_trip() {
        for actor in ActorType::ALL {
            assert_eq!(actor.as_str().parse::<ActorType>(), Ok(actor));
        }
        assert!("root".parse::<ActorType>().is_err());
    }
}

spelled_enum! {
    /// What an audit event records was done. The spelling is the event's
    /// `action` in the API and in storage (`customer.created`…).
    pub enum AuditAction {
        /// `customer.created`.
        CustomerCreated => "customer.created",
        /// `customer.updated`.
        CustomerUpdated => "customer.updated",
        /// `customer.deleted`.
        CustomerDeleted => "customer.deleted",
        /// `customer.logo_uploaded`.
        CustomerLogoUploaded => "customer.logo_uploaded",
        /// `customer_session.started`.
        CustomerSessionStarted => "customer_session.started",
        /// `onboarding.step_saved`.
        OnboardingStepSaved => "onboarding.step_saved",
        /// `onboarding.delivery_test`.
        OnboardingDeliveryTest => "onboarding.delivery_test",
        /// `scim_token.created`.
        ScimTokenCreated => "scim_token.created",
        /// `scim_token.rotated`.
        ScimTokenRotated => "scim_token.rotated",
        /// `account.created`.
        AccountCreated => "account.created",
        /// `account.updated`.
        AccountUpdated => "account.updated",
        /// `account.activated`.
        AccountActivated => "account.activated",
        /// `account.deactivated`.
        AccountDeactivated => "account.deactivated",
        /// `account.deleted`.
        AccountDeleted => "account.deleted",
        /// `account.imported`.
        AccountImported => "account.imported",
        /// `account_group.created`.
        AccountGroupCreated => "account_group.created",
        /// `account_group.updated`.
        AccountGroupUpdated => "account_group.updated",
        /// `account_group.deleted`.
        AccountGroupDeleted => "account_group.deleted",
        /// `customer_group.created`.
        CustomerGroupCreated => "customer_group.created",
        /// `customer_group.updated`.
        CustomerGroupUpdated => "customer_group.updated",
        /// `customer_group.deleted`.
        CustomerGroupDeleted => "customer_group.deleted",
        /// `customer_group.member_added`.
        CustomerGroupMemberAdded => "customer_group.member_added",
        /// `customer_group.member_removed`.
        CustomerGroupMemberRemoved => "customer_group.member_removed",
        /// `admin.created`.
        AdminCreated => "admin.created",
        /// `admin.updated`.
        AdminUpdated => "admin.updated",
        /// `admin.deleted`.
        AdminDeleted => "admin.deleted",
        /// `admin.password_set`.
        AdminPasswordSet => "admin.password_set",
        /// `api_key.created`.
        ApiKeyCreated => "api_key.created",
        /// `api_key.revoked`.
        ApiKeyRevoked => "api_key.revoked",
        /// `maa_order.created`.
        MaaOrderCreated => "maa_order.created",
        /// `msp.created`.
        MspCreated => "msp.created",
        /// `msp.limits_changed`.
        MspLimitsChanged => "msp.limits_changed",
        /// `seat_pool.updated`.
        SeatPoolUpdated => "seat_pool.updated",
        /// `seat_expansion.requested`.
        SeatExpansionRequested => "seat_expansion.requested",
        /// `seat_expansion.approved`.
        SeatExpansionApproved => "seat_expansion.approved",
        /// `seat_expansion.rejected`.
        SeatExpansionRejected => "seat_expansion.rejected",
        /// `phishing_scenario.created`.
        ScenarioCreated => "phishing_scenario.created",
        /// `phishing_scenario.updated`.
        ScenarioUpdated => "phishing_scenario.updated",
        /// `phishing_scenario.deleted`.
        ScenarioDeleted => "phishing_scenario.deleted",
        /// `campaign.created`.
        CampaignCreated => "campaign.created",
        /// `campaign.updated`.
        CampaignUpdated => "campaign.updated",
        /// `campaign.deleted`.
        CampaignDeleted => "campaign.deleted",
        /// `campaign.launched`.
        CampaignLaunched => "campaign.launched",
        /// `campaign.paused`.
        CampaignPaused => "campaign.paused",
        /// `campaign.resumed`.
        CampaignResumed => "campaign.resumed",
        /// `campaign.cancelled`.
        CampaignCancelled => "campaign.cancelled",
        /// `campaign.completed`.
        CampaignCompleted => "campaign.completed",
        /// `campaign.started`: a scheduled campaign began sending (the job runner).
        CampaignStarted => "campaign.started",
        /// `campaign.sending_finished`: the last message is out; results are tracked (the job runner).
        CampaignSendingFinished => "campaign.sending_finished",
        /// `campaign.event_reclassified`: an admin set an event human or automated.
        CampaignEventReclassified => "campaign.event_reclassified",
        /// `campaign.report_entered`: an admin entered a recipient's report by hand.
        CampaignReportEntered => "campaign.report_entered",
        /// `account.erased`: an end user's personal data was erased.
        AccountErased => "account.erased",
        /// `msp.tracking_settings_changed`.
        TrackingSettingsChanged => "msp.tracking_settings_changed",
        /// `campaign.results_pseudonymised`: results past the retention period (the job runner).
        CampaignResultsPseudonymised => "campaign.results_pseudonymised",
    }
}

impl AuditAction {
    /// The action of an account's status change to `to`.
    pub fn account_status_changed(to: crate::maa::AccountStatus) -> Self {
        match to {
            crate::maa::AccountStatus::Active => Self::AccountActivated,
            crate::maa::AccountStatus::Inactive => Self::AccountDeactivated,
        }
    }

    /// The kind of thing the action changes: the event's `target_type`.
    pub fn target_type(self) -> &'static str {
        match self {
            Self::CustomerCreated
            | Self::CustomerUpdated
            | Self::CustomerDeleted
            | Self::CustomerLogoUploaded
            | Self::CustomerSessionStarted
            | Self::OnboardingStepSaved
            | Self::OnboardingDeliveryTest
            | Self::ScimTokenCreated
            | Self::ScimTokenRotated
            | Self::AccountImported => "customer",
            Self::AccountCreated
            | Self::AccountUpdated
            | Self::AccountActivated
            | Self::AccountDeactivated
            | Self::AccountDeleted
            | Self::AccountErased => "account",
            Self::AccountGroupCreated | Self::AccountGroupUpdated | Self::AccountGroupDeleted => "account_group",
            Self::CustomerGroupCreated
            | Self::CustomerGroupUpdated
            | Self::CustomerGroupDeleted
            | Self::CustomerGroupMemberAdded
            | Self::CustomerGroupMemberRemoved => "customer_group",
            Self::AdminCreated | Self::AdminUpdated | Self::AdminDeleted | Self::AdminPasswordSet => "admin",
            Self::ApiKeyCreated | Self::ApiKeyRevoked => "api_key",
            Self::MaaOrderCreated => "maa_order",
            Self::MspCreated | Self::MspLimitsChanged | Self::TrackingSettingsChanged => "msp",
            Self::SeatPoolUpdated => "seat_pool",
            Self::SeatExpansionRequested | Self::SeatExpansionApproved | Self::SeatExpansionRejected => {
                "seat_expansion_request"
            }
            Self::ScenarioCreated | Self::ScenarioUpdated | Self::ScenarioDeleted => "phishing_scenario",
            Self::CampaignCreated
            | Self::CampaignUpdated
            | Self::CampaignDeleted
            | Self::CampaignLaunched
            | Self::CampaignPaused
            | Self::CampaignResumed
            | Self::CampaignCancelled
            | Self::CampaignCompleted
            | Self::CampaignStarted
            | Self::CampaignSendingFinished
            | Self::CampaignEventReclassified
            | Self::CampaignReportEntered
            | Self::CampaignResultsPseudonymised => "campaign",
        }
    }
}
