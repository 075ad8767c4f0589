//! `/Users`: the customer's accounts, the same ones the accounts API serves.
//! Creating, activating and deactivating go through the same activation
//! limits, status history and MAA roll-up; deleting is the accounts API's
//! delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use domain::accounts::{AccountStatus, NewAccount, ProfileChanges};
use domain::audit::AuditAction;
use domain::maa::Month;
use domain::scim::document::{self, StoredUser, UserAccount};
use domain::scim::patch;
use domain::scim::schema::ResourceKind;
use persistence::accounts::{self, AccountRecord, Lookup, Organization, StatusBatch};
use persistence::scim_connections::{self, AccountCounts};
use persistence::transactions::write_transaction;
use persistence::{DbConnection, customers};
use serde_json::{Map, Value};

use super::client::{SCIM_LABEL, ScimClient};
use super::error::ScimError;
use super::lists::Projection;
use super::wire::{self, IfMatch, QueryParams};
use crate::auth::{AuditEvent, audit_state};
use crate::resources::accounts::Account;
use crate::services::accounts::{email_taken, refused};
use crate::state::AppState;

/// A stored account as a user, with `meta`; and its version.
pub(super) fn render(client: &ScimClient, record: &AccountRecord) -> (Map<String, Value>, String) {
    let mut user = document::user_document(&StoredUser {
        id: &record.id,
        email: &record.email,
        display_name: record.display_name.as_deref(),
        department: record.department.as_deref(),
        external_id: record.external_id.as_deref(),
        active: record.account_status() == AccountStatus::Active,
        kept_as_sent: record.scim_attributes.as_deref(),
    });
    let location = client.location(ResourceKind::User.endpoint(), &record.id);
    let version = wire::add_meta(&mut user, "User", record.created_at, record.updated_at, &location);
    (user, version)
}

fn without_meta(mut user: Map<String, Value>) -> Map<String, Value> {
    user.remove("meta");
    user
}

fn domains(conn: &mut DbConnection, client: &ScimClient) -> Result<Vec<String>, ScimError> {
    let customer = customers::find(conn, &client.msp_id, &client.customer_id)?;
    Ok(customer.ok_or_else(|| ScimError::not_found("Customer", &client.customer_id))?.domains)
}

fn audit(
    tx: &mut DbConnection,
    client: &ScimClient,
    action: AuditAction,
    before: Option<&AccountRecord>,
    after: Option<&AccountRecord>,
    at: NaiveDateTime,
) -> Result<(), ScimError> {
    let state = |record: Option<&AccountRecord>| record.map(|r| audit_state(&Account::from(r.clone())));
    let (before_state, after_state) = (state(before), state(after));
    let target = after.or(before).map(|r| r.id.as_str()).unwrap_or_default();
    client.record(
        tx,
        AuditEvent::new(&client.msp_id, action, target, at.and_utc()).with_states(before_state, after_state),
    )?;
    Ok(())
}

fn created(
    tx: &mut DbConnection,
    client: &ScimClient,
    wanted: UserAccount,
    at: NaiveDateTime,
) -> Result<AccountRecord, ScimError> {
    let organization = Organization::Customer(&client.customer_id);
    let mut budget = accounts::lock_budget(tx, &client.msp_id, organization, at)?
        .ok_or_else(|| ScimError::not_found("Customer", &client.customer_id))?;
    // A user that exists already is what an identity provider needs to hear
    // about first (it then looks the user up), before any limit.
    let existing = accounts::look_up(tx, &client.msp_id, organization, Lookup::Email(wanted.email.as_str()), 0, 1)?;
    if !existing.is_empty() {
        return Err(ScimError::user_exists());
    }
    budget.change(None, wanted.status, None, Month::of(at)).map_err(refused)?;
    let mut batch = StatusBatch::new(&client.msp_id, organization, SCIM_LABEL);
    let mut record =
        batch.create(&NewAccount { email: wanted.email, profile: wanted.profile, status: wanted.status }, at);
    record.scim_attributes = wanted.kept_as_sent;
    accounts::insert_all(tx, std::slice::from_ref(&record), SCIM_LABEL).map_err(email_taken)?;
    batch.finish(tx)?;
    audit(tx, client, AuditAction::AccountCreated, None, Some(&record), at)?;
    scim_connections::count(tx, &client.customer_id, AccountCounts { created: 1, ..Default::default() })?;
    Ok(record)
}

/// What a write makes of a user's current document (without `meta`), given
/// the customer's domains.
type WantedUser<'a> = dyn Fn(Map<String, Value>, &[String]) -> Result<UserAccount, ScimError> + 'a;

/// Changes an existing user to what `wanted` makes of its current document,
/// under the customer's locks, after checking `If-Match`.
fn changed(
    tx: &mut DbConnection,
    client: &ScimClient,
    if_match: &IfMatch,
    account_id: &str,
    wanted: &WantedUser<'_>,
    at: NaiveDateTime,
) -> Result<AccountRecord, ScimError> {
    let organization = Organization::Customer(&client.customer_id);
    let mut budget = accounts::lock_budget(tx, &client.msp_id, organization, at)?
        .ok_or_else(|| ScimError::not_found("Customer", &client.customer_id))?;
    let current = accounts::find(tx, &client.msp_id, organization, account_id)?
        .ok_or_else(|| ScimError::not_found("User", account_id))?;
    let (user, version) = render(client, &current);
    if_match.check(&version)?;
    let domains = domains(tx, client)?;
    let wanted = wanted(without_meta(user), &domains)?;
    let profile = ProfileChanges {
        display_name: Some(wanted.profile.display_name),
        department: Some(wanted.profile.department),
        external_id: Some(wanted.profile.external_id),
    };
    let mut edited = current.with_profile(Some(&wanted.email), &profile).unwrap_or_else(|| current.clone());
    edited.scim_attributes = wanted.kept_as_sent;
    let profile_changed = edited != current;
    if profile_changed {
        edited.updated_at = at.max(current.updated_at);
        accounts::write_profile(tx, &edited, edited.updated_at).map_err(email_taken)?;
        audit(tx, client, AuditAction::AccountUpdated, Some(&current), Some(&edited), at)?;
    }
    let from = current.account_status();
    let after = if wanted.status == from {
        edited
    } else {
        let month = Month::of(at.max(current.status_changed_at));
        budget.change(Some(from), wanted.status, current.last_active(), month).map_err(refused)?;
        let mut batch = StatusBatch::new(&client.msp_id, organization, SCIM_LABEL);
        let after = batch.change(tx, &edited, wanted.status, at)?;
        batch.finish(tx)?;
        let action = AuditAction::account_status_changed(wanted.status);
        audit(tx, client, action, Some(&edited), Some(&after), at)?;
        after
    };
    let deactivated = from == AccountStatus::Active && wanted.status == AccountStatus::Inactive;
    let updated = profile_changed || (from == AccountStatus::Inactive && wanted.status == AccountStatus::Active);
    let counts =
        AccountCounts { updated: i64::from(updated), deactivated: i64::from(deactivated), ..Default::default() };
    scim_connections::count(tx, &client.customer_id, counts)?;
    Ok(after)
}

fn read_document(body: &Value, domains: &[String]) -> Result<UserAccount, ScimError> {
    let normalised = document::normalise(ResourceKind::User, body)?;
    Ok(document::user_account(&normalised, domains)?)
}

/// `POST /Users`.
pub async fn create_user(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let body = wire::read_json(&req, payload).await?;
    let at = state.now().naive_utc();
    let scim = client.clone();
    let record = wire::run(&state.pool, move |conn| {
        let wanted = read_document(&body, &domains(conn, &scim)?)?;
        write_transaction(conn, |tx| created(tx, &scim, wanted.clone(), at))
    })
    .await?;
    let (user, version) = render(&client, &record);
    Ok(wire::resource(StatusCode::CREATED, user, &version))
}

fn found(conn: &mut DbConnection, client: &ScimClient, id: &str) -> Result<AccountRecord, ScimError> {
    accounts::find(conn, &client.msp_id, Organization::Customer(&client.customer_id), id)?
        .ok_or_else(|| ScimError::not_found("User", id))
}

/// `GET /Users/{id}`.
pub async fn get_user(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimError> {
    let projection = Projection::of(&QueryParams::of(&req)?)?;
    let id = path.into_inner().1;
    let scim = client.clone();
    let record = wire::run(&state.pool, move |conn| found(conn, &scim, &id)).await?;
    let (mut user, version) = render(&client, &record);
    if wire::not_modified(&req, &version) {
        return Ok(wire::unchanged(&version));
    }
    projection.apply(ResourceKind::User, &mut user);
    Ok(wire::resource(StatusCode::OK, user, &version))
}

/// `PUT /Users/{id}`: the user becomes what was sent; left out, `active`
/// keeps the status.
pub async fn replace_user(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let body = wire::read_json(&req, payload).await?;
    let id = path.into_inner().1;
    let at = state.now().naive_utc();
    let (scim, if_match) = (client.clone(), IfMatch::of(&req));
    let record = wire::run(&state.pool, move |conn| {
        // A PUT without `active` leaves the status as it is: reactivating
        // (and billing) a user because a client left the attribute out
        // would be a surprise.
        let replace = |current: Map<String, Value>, domains: &[String]| {
            let mut wanted = document::normalise(ResourceKind::User, &body)?;
            if let (false, Some(active)) = (wanted.contains_key("active"), current.get("active")) {
                wanted.insert("active".to_owned(), active.clone());
            }
            Ok(document::user_account(&wanted, domains)?)
        };
        write_transaction(conn, |tx| changed(tx, &scim, &if_match, &id, &replace, at))
    })
    .await?;
    let (user, version) = render(&client, &record);
    Ok(wire::resource(StatusCode::OK, user, &version))
}

/// `PATCH /Users/{id}`: the operations apply to the user as `GET` returns
/// it, and the result is read as a `PUT` is.
pub async fn patch_user(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let operations = patch::operations(&wire::read_json(&req, payload).await?)?;
    let id = path.into_inner().1;
    let at = state.now().naive_utc();
    let (scim, if_match) = (client.clone(), IfMatch::of(&req));
    let record = wire::run(&state.pool, move |conn| {
        let apply = |mut user: Map<String, Value>, domains: &[String]| {
            for operation in &operations {
                patch::apply(ResourceKind::User, &mut user, operation)?;
            }
            read_document(&Value::Object(user), domains)
        };
        write_transaction(conn, |tx| changed(tx, &scim, &if_match, &id, &apply, at))
    })
    .await?;
    let (user, version) = render(&client, &record);
    Ok(wire::resource(StatusCode::OK, user, &version))
}

/// `DELETE /Users/{id}`: as the accounts API's delete — deactivated first
/// (its seat is free; it still counts in the months it was active in), then
/// gone.
pub async fn delete_user(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimError> {
    let id = path.into_inner().1;
    let at = state.now().naive_utc();
    let if_match = IfMatch::of(&req);
    wire::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let organization = Organization::Customer(&client.customer_id);
            accounts::lock_budget(tx, &client.msp_id, organization, at)?
                .ok_or_else(|| ScimError::not_found("Customer", &client.customer_id))?;
            let current = found(tx, &client, &id)?;
            if_match.check(&render(&client, &current).1)?;
            let mut batch = StatusBatch::new(&client.msp_id, organization, SCIM_LABEL);
            let after = batch.change(tx, &current, AccountStatus::Inactive, at)?;
            batch.finish(tx)?;
            accounts::mark_deleted(tx, &after.id, at)?;
            audit(tx, &client, AuditAction::AccountDeleted, Some(&current), None, at)?;
            scim_connections::count(tx, &client.customer_id, AccountCounts { deleted: 1, ..Default::default() })
                .map_err(ScimError::from)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
