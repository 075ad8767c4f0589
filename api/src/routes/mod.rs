//! HTTP routes, one folder per feature. Each feature's `configure` registers
//! its operations once (`crate::operations`); a route never imports another.

pub mod accounts;
pub mod admins;
pub mod allowlisting;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod customer_groups;
pub mod customers;
pub mod fallback;
pub mod health;
pub mod licenses;
pub mod maa;
pub mod onboarding;
pub mod phishing_scenarios;
pub mod platform;
pub mod provisioning;
pub mod tiers;
pub mod tracking;
pub mod tracking_settings;

/// Every operation of the API, registered once, in matching order.
pub fn operations() -> crate::operations::Operations {
    let mut ops = crate::operations::Operations::default();
    health::configure(&mut ops);
    auth::configure(&mut ops);
    customers::configure(&mut ops);
    customer_groups::configure(&mut ops);
    accounts::configure(&mut ops);
    provisioning::configure(&mut ops);
    onboarding::configure(&mut ops);
    phishing_scenarios::configure(&mut ops);
    campaigns::configure(&mut ops);
    tracking::configure(&mut ops);
    tracking_settings::configure(&mut ops);
    allowlisting::configure(&mut ops);
    maa::configure(&mut ops);
    tiers::configure(&mut ops);
    licenses::configure(&mut ops);
    platform::configure(&mut ops);
    admins::configure(&mut ops);
    api_keys::configure(&mut ops);
    audit::configure(&mut ops);
    ops
}
