//! Campaigns: a phishing simulation (or, later, a training) run for one
//! customer. This module holds their rules: the state machine and what may
//! be edited in each state ([`lifecycle`]), the schedule and the planner of
//! send times ([`schedule`], [`planner`]), the launch gates ([`gates`]),
//! whom a campaign targets ([`targets`]) and what a scenario's content may
//! hold ([`content`]); sending ([`sending`]), telling scanners from people
//! ([`classify`]) and what the results are ([`results`]).

pub mod classify;
pub mod content;
pub mod gates;
pub mod lifecycle;
pub mod planner;
pub mod results;
pub mod schedule;
pub mod sending;
pub mod targets;
pub mod tracked_html;
pub mod tracking_settings;

use crate::spelling::spelled_enum;
use crate::tiers::Feature;

spelled_enum! {
    /// What a campaign runs.
    pub enum CampaignKind {
        /// Simulated phishing mail.
        Phishing => "phishing",
        /// Security-awareness training courses.
        Training => "training",
    }
}

impl CampaignKind {
    /// The tier feature a customer needs for campaigns of this kind.
    pub fn feature(self) -> Feature {
        match self {
            Self::Phishing => Feature::PhishingSimulations,
            Self::Training => Feature::TrainingCourses,
        }
    }
}

/// A campaign's name: 1-200 characters, not blank, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignName(String);

impl CampaignName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name, trimming surrounding space.
    pub fn parse(raw: &str) -> Result<Self, crate::text::NameError> {
        crate::text::normalise_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
