//! The facts a customer's onboarding is judged on, read in one connection,
//! and their assessment by `domain::onboarding`: each step's status and
//! problems, readiness, and the rule that refuses going live with blockers.

use std::collections::HashMap;

use domain::customers::CustomerStatus;
use domain::onboarding::{
    self as rules, DeliveryTestStatus, EmailChecklist, Problem, ProvisioningFacts, ProvisioningMethod, ReadinessFacts,
    Step, StepStatus,
};
use domain::text::capitalised;
use persistence::DbConnection;
use persistence::customers::{self, CustomerRecord};
use persistence::onboarding::{self as store, DeliveryTestRecord, LogoInfo, StepRecord};
use persistence::scim_connections::{self, ScimConnectionRecord};
use persistence::seat_pool;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::customers::UpdateCustomer;
use crate::resources::onboarding::{DeliveryTest, Finding, onboarding_path};

/// Addresses outside the domains listed by name; the rest are counted.
pub(crate) const OUTSIDE_EXAMPLES: usize = 20;

/// Delivery tests shown in the email step.
pub(crate) const LATEST_TESTS: i64 = 5;

// ---------------------------------------------------------------------------
// The facts a customer's onboarding is judged on.

/// Everything the steps are computed from, read in one connection.
pub(crate) struct Snapshot {
    pub(crate) customer: CustomerRecord,
    pub(crate) steps: HashMap<Step, StepRecord>,
    pub(crate) scim: Option<ScimConnectionRecord>,
    pub(crate) logo: Option<LogoInfo>,
    pub(crate) delivery: Vec<DeliveryTestStatus>,
    pub(crate) latest_tests: Vec<DeliveryTestRecord>,
    pub(crate) outside: Vec<String>,
    pub(crate) accounts: i64,
    pub(crate) active: i64,
    pub(crate) pool_total: i64,
    pub(crate) pool_allocated: i64,
}

pub(crate) fn snapshot(conn: &mut DbConnection, customer: CustomerRecord) -> Result<Snapshot, ApiError> {
    let (msp_id, id) = (customer.msp_id.clone(), customer.id.clone());
    let steps = store::steps(conn, &msp_id, &id)?.into_iter().map(|record| (record.step, record)).collect();
    let emails = store::account_emails(conn, &msp_id, &id)?;
    let outside = rules::outside_domains(emails.iter().map(String::as_str), &customer.domains)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let pool = seat_pool::read(conn, &msp_id)?.ok_or(ApiError::NotFound)?;
    let active = seat_pool::active_users(conn, &msp_id, std::slice::from_ref(&id))?.get(&id).copied().unwrap_or(0);
    Ok(Snapshot {
        scim: scim_connections::find(conn, &msp_id, &id)?,
        logo: store::logo_info(conn, &msp_id, &id)?,
        delivery: store::delivery_statuses(conn, &msp_id, &id)?.iter().filter_map(|s| s.parse().ok()).collect(),
        latest_tests: store::delivery_tests(conn, &msp_id, &id, None, LATEST_TESTS)?,
        accounts: i64::try_from(emails.len()).unwrap_or(i64::MAX),
        active,
        outside,
        steps,
        pool_total: pool.seat_pool_total,
        pool_allocated: pool.seat_pool_allocated,
        customer,
    })
}

/// A step with its status, values and problems.
pub(crate) struct Evaluated {
    pub(crate) step: Step,
    pub(crate) status: StepStatus,
    pub(crate) values: Value,
    pub(crate) problems: Vec<Problem>,
}

pub(crate) fn saved_values(record: Option<&StepRecord>) -> Map<String, Value> {
    record.and_then(|r| serde_json::from_str::<Map<String, Value>>(&r.saved_values).ok()).unwrap_or_default()
}

pub(crate) fn refusal_problem(record: Option<&StepRecord>) -> Option<Problem> {
    let refusal: Value = serde_json::from_str(record?.refusal.as_deref()?).ok()?;
    Some(Problem::new("not_applied", refusal["detail"].as_str().unwrap_or("The saved values could not be applied.")))
}

/// Saved customer fields as the change they make, parsed and checked exactly
/// as `PATCH /api/v1/customers/{customer_id}` does.
pub(crate) fn draft_changes(draft: &Map<String, Value>) -> Result<domain::customers::CustomerChanges, ApiError> {
    serde_json::from_value::<UpdateCustomer>(Value::Object(draft.clone()))
        .map_err(|e| ApiError::invalid("", e))
        .and_then(UpdateCustomer::into_domain)
}

/// Problems of saved customer fields not applied yet, checked exactly as
/// `PATCH /api/v1/customers/{customer_id}` checks them.
pub(crate) fn field_problems(draft: &Map<String, Value>) -> Vec<Problem> {
    if draft.is_empty() {
        return Vec::new();
    }
    match draft_changes(draft) {
        Ok(_) => Vec::new(),
        Err(ApiError::Validation(fields)) => {
            fields.into_iter().map(|f| Problem::at("invalid_value", f.pointer.unwrap_or_default(), f.message)).collect()
        }
        Err(other) => vec![Problem::new("invalid_value", other.to_string())],
    }
}

pub(crate) fn customer_step(
    snapshot: &Snapshot,
    step: Step,
    mut values: Map<String, Value>,
    extra: Vec<Problem>,
) -> (Map<String, Value>, Vec<Problem>, bool) {
    let record = snapshot.steps.get(&step);
    let draft = saved_values(record);
    let mut problems = field_problems(&draft);
    problems.extend(refusal_problem(record));
    if !draft.is_empty() && problems.is_empty() {
        problems.push(Problem::new("not_applied", "Saved values are not applied yet: save the step again."));
    }
    problems.extend(extra);
    values.extend(draft);
    (values, problems, record.is_some())
}

pub(crate) fn evaluate(snapshot: &Snapshot, base_url: &str) -> Vec<Evaluated> {
    let c = &snapshot.customer;
    let mut evaluated = Vec::with_capacity(Step::ALL.len());
    let mut push = |step: Step, saved: bool, skipped: bool, values: Map<String, Value>, problems: Vec<Problem>| {
        let status = rules::status_of(saved, skipped, &problems);
        evaluated.push(Evaluated { step, status, values: Value::Object(values), problems });
    };

    let tenant = json!({
        "name": c.name, "billing_reference": c.billing_reference, "domains": c.domains,
        "country": c.country, "timezone": c.timezone, "language": c.language,
    });
    let (values, problems, saved) =
        customer_step(snapshot, Step::TenantDetails, tenant.as_object().cloned().unwrap_or_default(), Vec::new());
    push(Step::TenantDetails, saved, false, values, problems);

    let (mut values, problems, saved) = customer_step(
        snapshot,
        Step::ProductAndLicenses,
        json!({ "tier": c.tier.as_str(), "seats": c.seats }).as_object().cloned().unwrap_or_default(),
        rules::product_problems(c.seats),
    );
    let wanted = values.get("seats").and_then(Value::as_i64).unwrap_or(c.seats);
    let impact = rules::pool_impact(snapshot.pool_total, snapshot.pool_allocated, c.seats, wanted);
    values.insert(
        "pool".to_owned(),
        json!({
            "pool_total": impact.pool_total, "allocated_to_others": impact.allocated_to_others,
            "this_customer": impact.this_customer, "remaining_after": impact.remaining_after,
            "max_available": impact.max_available,
        }),
    );
    push(Step::ProductAndLicenses, saved, false, values, problems);

    let record = snapshot.steps.get(&Step::UserProvisioning);
    let saved_provisioning = saved_values(record);
    let method = saved_provisioning.get("method").and_then(Value::as_str).and_then(|m| m.parse().ok());
    let facts = ProvisioningFacts {
        method,
        has_token: snapshot.scim.is_some(),
        connected: snapshot.scim.as_ref().is_some_and(|s| s.last_success_at.is_some()),
        accounts: snapshot.accounts,
        accounts_outside_domains: i64::try_from(snapshot.outside.len()).unwrap_or(i64::MAX),
    };
    let scim = method.filter(|m: &ProvisioningMethod| m.uses_scim()).map(|_| {
        json!({
            "base_url": base_url,
            "token_prefix": snapshot.scim.as_ref().map(|s| s.token_prefix.clone()),
            "connection_tested": facts.connected,
            "last_success_at": snapshot.scim.as_ref().and_then(|s| s.last_success_at).map(|t| t.and_utc()),
            "last_failure": snapshot.scim.as_ref().and_then(|s| s.last_failure_at.map(|at| json!({
                "at": at.and_utc(), "status": s.last_failure_status, "detail": s.last_failure_detail,
            }))),
        })
    });
    let instructions: Vec<Value> = method
        .map(|m| m.instructions(base_url))
        .unwrap_or_default()
        .into_iter()
        .map(|i| json!({ "text": i.text, "field": i.field, "value": i.value }))
        .collect();
    let values = json!({
        "method": method.map(|m| m.as_str()),
        "scim": scim,
        "instructions": instructions,
        "accounts": snapshot.accounts,
        "users_to_sync": snapshot.active,
        "accounts_outside_domains": {
            "count": snapshot.outside.len(),
            "examples": snapshot.outside.iter().take(OUTSIDE_EXAMPLES).collect::<Vec<_>>(),
        },
    });
    push(
        Step::UserProvisioning,
        record.is_some(),
        false,
        values.as_object().cloned().unwrap_or_default(),
        rules::provisioning_problems(&facts),
    );

    let record = snapshot.steps.get(&Step::EmailConfig);
    let checklist = checklist_of(&saved_values(record));
    let latest: Vec<DeliveryTest> = snapshot.latest_tests.iter().cloned().map(DeliveryTest::from).collect();
    let values = json!({
        "m365_transport_rule": checklist.m365_transport_rule,
        "defender_allowlist": checklist.defender_allowlist,
        "gateway": checklist.gateway.map(|g| g.as_str()),
        "gateway_allowlist": checklist.gateway_allowlist,
        "confirmed_delivery_test": rules::campaign_may_launch(&snapshot.delivery).is_ok(),
        "latest_delivery_tests": latest,
        // What the mail admins allow, step by step, so that simulations arrive.
        "allowlisting_kit": format!("/api/v1/customers/{}/allowlisting", snapshot.customer.id),
    });
    push(
        Step::EmailConfig,
        record.is_some(),
        false,
        values.as_object().cloned().unwrap_or_default(),
        rules::email_problems(&checklist, &snapshot.delivery),
    );

    let record = snapshot.steps.get(&Step::Branding);
    let branding = saved_values(record);
    let mut problems = Vec::new();
    let colour = branding.get("primary_color").and_then(Value::as_str);
    let colour_ok = match colour.map(domain::branding::BrandColour::parse) {
        Some(Err(e)) => {
            problems.push(Problem::at("invalid_value", "/primary_color", e.to_string()));
            false
        }
        Some(Ok(_)) => true,
        None => false,
    };
    if let Some(Err(e)) =
        branding.get("welcome_message").and_then(Value::as_str).map(domain::branding::WelcomeMessage::parse)
    {
        problems.push(Problem::at("invalid_value", "/welcome_message", e.to_string()));
    }
    problems.extend(rules::branding_problems(snapshot.logo.is_some(), colour_ok || colour.is_some()));
    let logo = snapshot.logo.as_ref().map(|l| {
        json!({
            "content_type": l.content_type, "width": l.width, "height": l.height,
            "uploaded_at": l.uploaded_at.and_utc(), "url": format!("{}/branding/logo", onboarding_path(&c.id)),
        })
    });
    let values = json!({
        "primary_color": colour,
        "welcome_message": branding.get("welcome_message").and_then(Value::as_str),
        "logo": logo,
    });
    push(
        Step::Branding,
        record.is_some(),
        record.is_some_and(|r| r.skipped),
        values.as_object().cloned().unwrap_or_default(),
        problems,
    );
    evaluated
}

pub(crate) fn checklist_of(saved: &Map<String, Value>) -> EmailChecklist {
    let flag = |name: &str| saved.get(name).and_then(Value::as_bool).unwrap_or(false);
    EmailChecklist {
        m365_transport_rule: flag("m365_transport_rule"),
        defender_allowlist: flag("defender_allowlist"),
        gateway: saved.get("gateway").and_then(Value::as_str).and_then(|g| g.parse().ok()),
        gateway_allowlist: flag("gateway_allowlist"),
    }
}

pub(crate) fn readiness_of(snapshot: &Snapshot, steps: &[Evaluated]) -> rules::Readiness {
    rules::readiness(&ReadinessFacts {
        seats: snapshot.customer.seats,
        domains: snapshot.customer.domains.len(),
        steps: steps.iter().map(|e| (e.step, e.status, e.problems.clone())).collect(),
        users_to_sync: snapshot.active,
        accounts_outside_domains: i64::try_from(snapshot.outside.len()).unwrap_or(i64::MAX),
        checklist: checklist_of(&saved_values(snapshot.steps.get(&Step::EmailConfig))),
        delivery_tests: snapshot.delivery.clone(),
    })
}

/// Every step, `review` included, and the readiness.
pub(crate) fn assess(snapshot: &Snapshot, base_url: &str) -> (Vec<Evaluated>, rules::Readiness) {
    let mut steps = evaluate(snapshot, base_url);
    let readiness = readiness_of(snapshot, &steps);
    let c = &snapshot.customer;
    let went_live = c.went_live_at.is_some() || c.status == CustomerStatus::Live;
    let problems: Vec<Problem> = readiness.blockers.iter().map(|b| Problem::new(b.code, b.message.clone())).collect();
    let status = rules::review_status(went_live);
    steps.push(Evaluated {
        step: Step::Review,
        status,
        values: json!({
            "status": c.status.as_str(), "went_live_at": c.went_live_at, "ready": readiness.is_ready(),
            "blockers": readiness.blockers.len(), "warnings": readiness.warnings.len(),
        }),
        problems,
    });
    (steps, readiness)
}

/// Refuses going live while blockers are left: the same rule for
/// `POST …/onboarding/go-live` and `PATCH` of the status.
pub(crate) fn ensure_ready(tx: &mut DbConnection, customer: &CustomerRecord) -> Result<(), ApiError> {
    let snapshot = snapshot(tx, customer.clone())?;
    let (_, readiness) = assess(&snapshot, "");
    if readiness.is_ready() {
        return Ok(());
    }
    Err(ApiError::NotReady { blockers: readiness.blockers.iter().map(Finding::from).collect() })
}

pub(crate) fn find_customer(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<CustomerRecord, ApiError> {
    customers::find(conn, msp_id, id)?.ok_or(ApiError::NotFound)
}

pub(crate) fn editable(customer: &CustomerRecord) -> Result<(), ApiError> {
    let status = customer.status;
    rules::may_change(status).map_err(|closed| ApiError::Conflict {
        code: ProblemCode::CustomerArchived,
        detail: format!("{}.", capitalised(&closed.to_string())),
    })
}

/// Takes customer `id` live (checking readiness; already live changes
/// nothing) and gives it with the warnings left.
pub(crate) fn take_live(
    tx: &mut DbConnection,
    caller: &crate::auth::Caller,
    msp_id: &str,
    id: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(crate::resources::customers::Customer, Vec<rules::Finding>), ApiError> {
    let current = find_customer(tx, msp_id, id)?;
    let customer = if current.status == CustomerStatus::Live {
        crate::resources::customers::Customer::from(current)
    } else {
        let changes = domain::customers::CustomerChanges { status: Some(CustomerStatus::Live), ..Default::default() };
        crate::services::customers::change_customer(tx, caller, msp_id, id, None, &changes, at)?
    };
    let record = find_customer(tx, msp_id, id)?;
    let snapshot = snapshot(tx, record)?;
    let (_, readiness) = assess(&snapshot, "");
    Ok((customer, readiness.warnings))
}
