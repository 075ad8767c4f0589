//! The allowlisting kit: what a customer's mail admins must allow so that
//! simulations arrive, as data a frontend renders.

use serde::Serialize;
use utoipa::ToSchema;

/// A header every simulation carries, for a rule to match on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimulationHeader {
    /// Header name.
    #[schema(example = "X-MSP-Portal-Simulation")]
    pub name: String,
    /// Its value in this customer's simulations.
    #[schema(example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub value: String,
    /// What it is for.
    pub purpose: String,
}

/// The setup of one mail product, step by step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowlistingGuide {
    /// `microsoft_365_advanced_delivery`, `microsoft_defender`, `mimecast` or `proofpoint`.
    #[schema(example = "microsoft_365_advanced_delivery")]
    pub product: String,
    /// Title.
    #[schema(example = "Microsoft 365: advanced delivery (third-party phishing simulation)")]
    pub title: String,
    /// Where it is set up.
    #[schema(example = "https://security.microsoft.com/advanceddelivery")]
    pub where_to: String,
    /// The steps, in order; values to enter are spelled out in them.
    pub steps: Vec<String>,
}

/// What to allow so simulations reach the customer's inboxes unfiltered and their links are not
/// opened by scanners.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowlistingKit {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Domains simulations are sent from (envelope and header From).
    #[schema(example = json!(["simulations.msp-portal.example"]))]
    pub sending_domains: Vec<String>,
    /// Sender addresses of the scenarios this customer's campaigns can use.
    pub sender_addresses: Vec<String>,
    /// Domains the simulations' links and images point at.
    #[schema(example = json!(["portal.example.com"]))]
    pub simulation_domains: Vec<String>,
    /// URL prefixes of those links (for "do not rewrite / do not detonate" lists).
    #[schema(example = json!(["https://portal.example.com/t/"]))]
    pub simulation_urls: Vec<String>,
    /// Headers that mark a simulation.
    pub headers: Vec<SimulationHeader>,
    /// Step-by-step setups.
    pub guides: Vec<AllowlistingGuide>,
}
