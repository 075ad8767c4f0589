//! The allowlisting kit of a customer, from the platform's settings and the
//! scenarios its campaigns can use.

use persistence::DbConnection;
use persistence::phishing_scenarios::ScenarioFilter;

use crate::resources::allowlisting::{AllowlistingGuide, AllowlistingKit, SimulationHeader};
use crate::services::campaigns::{CampaignError, customer};
use crate::services::scenarios;

/// The header every simulation carries, valued with the customer's id.
pub const SIMULATION_HEADER: &str = "X-MSP-Portal-Simulation";

/// Most MSP scenarios whose senders the kit lists.
const MAX_SCENARIOS: i64 = 1000;

/// The kit of customer `customer_id`.
pub fn kit(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    simulation_domain: &str,
    public_url: &str,
) -> Result<AllowlistingKit, CampaignError> {
    let customer = customer(conn, msp_id, customer_id)?;
    let mut sender_addresses: Vec<String> =
        scenarios::list(conn, msp_id, &ScenarioFilter::default(), None, MAX_SCENARIOS)?
            .iter()
            .map(|s| s.sender(simulation_domain).address)
            .collect();
    sender_addresses.sort();
    sender_addresses.dedup();
    let base = public_url.trim_end_matches('/');
    let host = base.split("://").nth(1).unwrap_or(base).split(['/', ':']).next().unwrap_or(base).to_owned();
    let tracking = format!("{base}/t/");
    let senders = sender_addresses.join(", ");
    let guides = vec![
        AllowlistingGuide {
            product: "microsoft_365_advanced_delivery".to_owned(),
            title: "Microsoft 365: advanced delivery (third-party phishing simulation)".to_owned(),
            where_to: "https://security.microsoft.com/advanceddelivery".to_owned(),
            steps: vec![
                "Open the Microsoft Defender portal, Email & collaboration → Policies & rules → Threat policies → Advanced delivery.".to_owned(),
                "Choose the Phishing simulation tab and Add (or Edit).".to_owned(),
                format!("Domains: add {simulation_domain}."),
                "Sending IP: add the public addresses of your SMTP relay (your mail provider lists them).".to_owned(),
                format!("Simulation URLs to allow: add {base}/t/*."),
                "Save. Simulations from these senders are then delivered unfiltered, and their links are not rewritten or opened by Safe Links.".to_owned(),
            ],
        },
        AllowlistingGuide {
            product: "microsoft_defender".to_owned(),
            title: "Microsoft Defender for Office 365: Safe Links and Safe Attachments".to_owned(),
            where_to: "https://security.microsoft.com/threatpolicy".to_owned(),
            steps: vec![
                format!("Safe Links policy: under 'Do not rewrite the following URLs', add {base}/t/*."),
                "Safe Links policy: keep 'Apply real-time URL scanning' as it is; the advanced delivery entry already exempts simulation URLs.".to_owned(),
                format!("Tenant Allow/Block List: allow the sender domain {simulation_domain} only if advanced delivery cannot be used."),
            ],
        },
        AllowlistingGuide {
            product: "mimecast".to_owned(),
            title: "Mimecast: permitted senders and URL protection bypass".to_owned(),
            where_to: "Mimecast Administration Console → Policies".to_owned(),
            steps: vec![
                format!("Gateway → Policies → Permitted Senders: add a policy from {simulation_domain} to the customer's domains ({}).", customer.domains.join(", ")),
                format!("URL Protection Bypass: add a policy for {host}, so links are neither rewritten nor pre-clicked."),
                "Attachment Protection Bypass: add a policy for the same sender, if scenarios carry attachments.".to_owned(),
                format!("Optional: match the header {SIMULATION_HEADER} with the value {customer_id} instead of the sender."),
            ],
        },
        AllowlistingGuide {
            product: "proofpoint".to_owned(),
            title: "Proofpoint: safe sender and URL Defense exception".to_owned(),
            where_to: "Proofpoint Protection Server / Essentials admin console".to_owned(),
            steps: vec![
                format!("Email Protection → Spam Detection → Organizational Safe List: add the sender domain {simulation_domain} (or the addresses {senders})."),
                format!("URL Defense → URL rewrite exceptions: add {host}."),
                format!("Optional: a rule on the header {SIMULATION_HEADER} = {customer_id} that bypasses filtering."),
            ],
        },
    ];
    Ok(AllowlistingKit {
        customer_id: customer.id.clone(),
        sending_domains: vec![simulation_domain.to_owned()],
        sender_addresses,
        simulation_domains: vec![host],
        simulation_urls: vec![tracking],
        headers: vec![SimulationHeader {
            name: SIMULATION_HEADER.to_owned(),
            value: customer.id.clone(),
            purpose: "Marks every simulated message of this customer; gateway rules can match on it.".to_owned(),
        }],
        guides,
    })
}
