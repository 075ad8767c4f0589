//! Launch gates: what must hold before a campaign may launch. All of them
//! are checked and all failures reported at once, so an admin fixes
//! everything in one go.

use chrono::NaiveDate;

use super::CampaignKind;
use super::planner::Infeasible;
use crate::customers::CustomerStatus;
use crate::onboarding::{DeliveryTestStatus, campaign_may_launch};
use crate::spelling::spelled_enum;
use crate::text::capitalised;
use crate::tiers::Tier;

spelled_enum! {
    /// A gate a launch must pass.
    pub enum LaunchGate {
        /// The customer is live (not onboarding, suspended or archived).
        CustomerNotLive => "customer_not_live",
        /// One of the customer's delivery tests was confirmed.
        NoConfirmedDeliveryTest => "no_confirmed_delivery_test",
        /// The customer's license has not expired.
        LicenseExpired => "license_expired",
        /// The customer's tier includes the campaign's kind.
        TierLacksFeature => "tier_lacks_feature",
        /// At least one active account is targeted after exclusions.
        NoRecipients => "no_recipients",
        /// The schedule's window and cap hold every recipient.
        ScheduleInfeasible => "schedule_infeasible",
    }
}

/// What the gates look at.
#[derive(Debug, Clone)]
pub struct LaunchFacts<'a> {
    /// The campaign's kind.
    pub kind: CampaignKind,
    /// The customer's lifecycle state.
    pub customer_status: CustomerStatus,
    /// The customer's tier.
    pub tier: Tier,
    /// The last day of the customer's license, if it has one.
    pub license_expires_on: Option<NaiveDate>,
    /// Today, in the customer's zone.
    pub today: NaiveDate,
    /// The customer's delivery tests.
    pub delivery_tests: &'a [DeliveryTestStatus],
    /// Active accounts targeted after exclusions.
    pub recipients: u64,
    /// Whether the schedule fits them.
    pub plan: Result<(), Infeasible>,
}

/// A failed gate and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// Which gate.
    pub gate: LaunchGate,
    /// For a person.
    pub message: String,
}

/// Every gate the launch fails; empty when it may launch.
pub fn launch_blockers(facts: &LaunchFacts<'_>) -> Vec<Blocker> {
    let mut blockers = Vec::new();
    let mut block = |gate, message: String| blockers.push(Blocker { gate, message });
    if facts.customer_status != CustomerStatus::Live {
        block(
            LaunchGate::CustomerNotLive,
            format!("The customer is {}; campaigns launch only for live customers.", facts.customer_status),
        );
    }
    if let Err(refusal) = campaign_may_launch(facts.delivery_tests) {
        block(LaunchGate::NoConfirmedDeliveryTest, format!("{}.", capitalised(&refusal.to_string())));
    }
    if let Some(expired) = facts.license_expires_on.filter(|last_day| *last_day < facts.today) {
        block(LaunchGate::LicenseExpired, format!("The customer's license expired on {expired}; renew it first."));
    }
    if !facts.tier.has(facts.kind.feature()) {
        block(
            LaunchGate::TierLacksFeature,
            format!(
                "The customer's {} tier does not include {}; move it to a tier that does.",
                facts.tier,
                facts.kind.feature().title().to_lowercase()
            ),
        );
    }
    if facts.recipients == 0 {
        block(
            LaunchGate::NoRecipients,
            "No active account is targeted after exclusions; widen the targets or activate accounts.".to_owned(),
        );
    } else if let Err(infeasible) = facts.plan {
        block(LaunchGate::ScheduleInfeasible, format!("{}.", capitalised(&infeasible.to_string())));
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> LaunchFacts<'static> {
        LaunchFacts {
            kind: CampaignKind::Phishing,
            customer_status: CustomerStatus::Live,
            tier: Tier::Starter,
            license_expires_on: NaiveDate::from_ymd_opt(2027, 6, 30),
            today: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap_or_default(),
            delivery_tests: &[DeliveryTestStatus::Failed, DeliveryTestStatus::Confirmed],
            recipients: 50,
            plan: Ok(()),
        }
    }

    #[test]
    fn a_ready_customer_passes_every_gate() {
        assert_eq!(launch_blockers(&ready()), vec![]);
    }

    #[test]
    fn every_failed_gate_is_reported_at_once() {
        let facts = LaunchFacts {
            kind: CampaignKind::Training,
            customer_status: CustomerStatus::Onboarding,
            license_expires_on: NaiveDate::from_ymd_opt(2027, 1, 14),
            delivery_tests: &[DeliveryTestStatus::Sent],
            recipients: 0,
            ..ready()
        };
        let gates: Vec<LaunchGate> = launch_blockers(&facts).into_iter().map(|b| b.gate).collect();
        assert_eq!(
            gates,
            [
                LaunchGate::CustomerNotLive,
                LaunchGate::NoConfirmedDeliveryTest,
                LaunchGate::LicenseExpired,
                LaunchGate::TierLacksFeature,
                LaunchGate::NoRecipients
            ]
        );
    }

    #[test]
    fn the_license_is_valid_through_its_last_day_and_an_infeasible_plan_blocks() {
        let facts = LaunchFacts { today: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap_or_default(), ..ready() };
        assert_eq!(launch_blockers(&facts), vec![]);
        let facts = LaunchFacts { plan: Err(Infeasible { asked: 50, fits: 40 }), ..ready() };
        let blockers = launch_blockers(&facts);
        assert_eq!(blockers[0].gate, LaunchGate::ScheduleInfeasible);
        assert!(blockers[0].message.contains("fit 40"), "{}", blockers[0].message);
    }
}
