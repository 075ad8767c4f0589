//! Product tiers and the features each one includes. Later rules ask these
//! sets ("does this customer's tier have training?"), never a tier's name.

use crate::spelling::spelled_enum;

spelled_enum! {
    /// A product tier a customer is on. Each tier includes everything of the
    /// tier before it.
    pub enum Tier {
        /// Phishing simulations with basic reporting.
        Starter => "starter",
        /// Starter plus training and adaptive difficulty.
        Professional => "professional",
        /// Professional plus SSO, compliance reports and SIEM integration.
        Enterprise => "enterprise",
    }
}

spelled_enum! {
    /// A feature of the product that a tier may include.
    pub enum Feature {
        /// Phishing simulation campaigns.
        PhishingSimulations => "phishing_simulations",
        /// Basic campaign reporting.
        BasicReporting => "basic_reporting",
        /// The "report phishing" button in the mail client.
        EmailReportButton => "email_report_button",
        /// Security-awareness training courses.
        TrainingCourses => "training_courses",
        /// Simulations that get harder for people who spot them.
        AdaptiveDifficulty => "adaptive_difficulty",
        /// Advanced reports.
        AdvancedReports => "advanced_reports",
        /// Single sign-on with SAML.
        SsoSaml => "sso_saml",
        /// Compliance reports.
        ComplianceReports => "compliance_reports",
        /// Forwarding events to a SIEM.
        SiemIntegration => "siem_integration",
    }
}

impl Feature {
    /// A human-readable name.
    pub fn title(self) -> &'static str {
        match self {
            Self::PhishingSimulations => "Phishing simulations",
            Self::BasicReporting => "Basic reporting",
            Self::EmailReportButton => "Email report button",
            Self::TrainingCourses => "Training courses",
            Self::AdaptiveDifficulty => "Adaptive difficulty",
            Self::AdvancedReports => "Advanced reports",
            Self::SsoSaml => "SSO / SAML",
            Self::ComplianceReports => "Compliance reports",
            Self::SiemIntegration => "SIEM integration",
        }
    }
}

impl Tier {
    /// A human-readable name.
    pub fn title(self) -> &'static str {
        match self {
            Self::Starter => "Starter",
            Self::Professional => "Professional",
            Self::Enterprise => "Enterprise",
        }
    }

    /// The tier this one builds on.
    pub fn builds_on(self) -> Option<Self> {
        match self {
            Self::Starter => None,
            Self::Professional => Some(Self::Starter),
            Self::Enterprise => Some(Self::Professional),
        }
    }

    /// The features this tier adds to the one it builds on.
    fn own_features(self) -> &'static [Feature] {
        match self {
            Self::Starter => &[Feature::PhishingSimulations, Feature::BasicReporting, Feature::EmailReportButton],
            Self::Professional => &[Feature::TrainingCourses, Feature::AdaptiveDifficulty, Feature::AdvancedReports],
            Self::Enterprise => &[Feature::SsoSaml, Feature::ComplianceReports, Feature::SiemIntegration],
        }
    }

    /// Every feature of this tier, those of the tiers it builds on first.
    pub fn features(self) -> Vec<Feature> {
        let mut features = self.builds_on().map(Self::features).unwrap_or_default();
        features.extend_from_slice(self.own_features());
        features
    }

    /// Whether this tier includes `feature`.
    pub fn has(self, feature: Feature) -> bool {
        self.own_features().contains(&feature) || self.builds_on().is_some_and(|lower| lower.has(feature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tier_includes_everything_of_the_one_below() {
        assert_eq!(
            Tier::Starter.features(),
            [Feature::PhishingSimulations, Feature::BasicReporting, Feature::EmailReportButton]
        );
        for pair in Tier::ALL.windows(2) {
            let (lower, higher) = (pair[0], pair[1]);
            assert!(lower.features().iter().all(|f| higher.has(*f)), "{higher} lacks something of {lower}");
            assert_eq!(higher.features().len(), lower.features().len() + 3);
        }
        assert_eq!(Tier::Enterprise.features().len(), Feature::ALL.len());
    }

    #[test]
    fn training_starts_at_professional_and_sso_at_enterprise() {
        assert!(!Tier::Starter.has(Feature::TrainingCourses));
        assert!(Tier::Professional.has(Feature::TrainingCourses));
        assert!(Tier::Professional.has(Feature::PhishingSimulations));
        assert!(!Tier::Professional.has(Feature::SsoSaml));
        assert!(Tier::Enterprise.has(Feature::SsoSaml) && Tier::Enterprise.has(Feature::SiemIntegration));
    }

    #[test]
    fn has_agrees_with_features() {
        for tier in Tier::ALL {
            for feature in Feature::ALL {
                assert_eq!(tier.has(*feature), tier.features().contains(feature), "{tier} {feature}");
            }
        }
    }

    #[test]
    fn spellings_round_trip() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(*tier));
        }
        assert!("Starter".parse::<Tier>().is_err());
    }
}
