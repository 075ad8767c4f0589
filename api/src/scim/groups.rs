//! `/Groups`: groups of the customer's accounts as its directory has them.
//! Members are users of the same customer; a deleted user leaves its groups.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use domain::audit::AuditAction;
use domain::scim::ScimType;
use domain::scim::document::{self, GroupFields};
use domain::scim::patch;
use domain::scim::schema::ResourceKind;
use persistence::DbConnection;
use persistence::account_groups::{self, GroupRecord};
use persistence::accounts::{self, Organization};
use persistence::transactions::write_transaction;
use serde_json::{Map, Value, json};

use super::client::ScimClient;
use super::error::ScimError;
use super::lists::Projection;
use super::wire::{self, IfMatch, QueryParams};
use crate::auth::AuditEvent;
use crate::state::AppState;

/// A stored group as a SCIM group, with `meta`; and its version.
pub(super) fn render(client: &ScimClient, group: &GroupRecord, members: &[&str]) -> (Map<String, Value>, String) {
    let users_url = format!("{}/{}", client.base_url, ResourceKind::User.endpoint());
    let mut document =
        document::group_document(&group.id, &group.display_name, group.external_id.as_deref(), members, &users_url);
    let location = client.location(ResourceKind::Group.endpoint(), &group.id);
    let version = wire::add_meta(&mut document, "Group", group.created_at, group.updated_at, &location);
    (document, version)
}

fn found(conn: &mut DbConnection, client: &ScimClient, id: &str) -> Result<(GroupRecord, Vec<String>), ScimError> {
    let group =
        account_groups::find(conn, &client.customer_id, id)?.ok_or_else(|| ScimError::not_found("Group", id))?;
    let members = account_groups::members_of(conn, std::slice::from_ref(&group.id))?;
    Ok((group, members.into_iter().map(|(_, account)| account).collect()))
}

fn rendered(client: &ScimClient, group: &GroupRecord, members: &[String]) -> (Map<String, Value>, String) {
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    render(client, group, &members)
}

fn audit_state(group: &GroupRecord, members: &[String]) -> Value {
    json!({ "id": group.id, "display_name": group.display_name, "external_id": group.external_id, "members": members })
}

/// Writes a group as `fields` say, checking that every member is a user of
/// the customer.
fn save(
    tx: &mut DbConnection,
    client: &ScimClient,
    before: Option<(&GroupRecord, &[String])>,
    fields: GroupFields,
    at: NaiveDateTime,
) -> Result<(GroupRecord, Vec<String>), ScimError> {
    let organization = Organization::Customer(&client.customer_id);
    let known = accounts::find_by_ids(tx, &client.msp_id, organization, &fields.members)?;
    let unknown: Vec<&str> =
        fields.members.iter().filter(|id| !known.iter().any(|a| &a.id == *id)).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!("These members are not users of this customer: {}.", unknown.join(", ")),
        ));
    }
    let group = GroupRecord {
        id: before.map_or_else(persistence::new_id, |(group, _)| group.id.clone()),
        msp_id: client.msp_id.clone(),
        customer_id: client.customer_id.clone(),
        display_name: fields.display_name.as_str().to_owned(),
        external_id: fields.external_id.as_ref().map(|e| e.as_str().to_owned()),
        created_at: before.map_or(at, |(group, _)| group.created_at),
        updated_at: before.map_or(at, |(group, _)| at.max(group.updated_at)),
    };
    match before {
        Some((old, members))
            if *old == GroupRecord { updated_at: old.updated_at, ..group.clone() } && members == fields.members =>
        {
            return Ok((old.clone(), members.to_vec()));
        }
        Some(_) => account_groups::update(tx, &group)?,
        None => account_groups::insert(tx, &group)?,
    }
    account_groups::set_members(tx, &group.id, &fields.members)?;
    let before_state = before.map(|(group, members)| audit_state(group, members));
    let after_state = audit_state(&group, &fields.members);
    client.record(
        tx,
        AuditEvent::new(
            &client.msp_id,
            if before.is_some() { AuditAction::AccountGroupUpdated } else { AuditAction::AccountGroupCreated },
            &group.id,
            at.and_utc(),
        )
        .with_before(before_state)
        .after(&after_state),
    )?;
    Ok((group, fields.members))
}

fn read_document(body: &Value) -> Result<GroupFields, ScimError> {
    Ok(document::group_fields(&document::normalise(ResourceKind::Group, body)?)?)
}

/// `POST /Groups`.
pub async fn create_group(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let fields = read_document(&wire::read_json(&req, payload).await?)?;
    let at = state.now().naive_utc();
    let scim = client.clone();
    let (group, members) =
        wire::run(&state.pool, move |conn| write_transaction(conn, |tx| save(tx, &scim, None, fields.clone(), at)))
            .await?;
    let (document, version) = rendered(&client, &group, &members);
    Ok(wire::resource(StatusCode::CREATED, document, &version))
}

/// `GET /Groups/{id}`.
pub async fn get_group(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimError> {
    let projection = Projection::of(&QueryParams::of(&req)?)?;
    let id = path.into_inner().1;
    let scim = client.clone();
    let (group, members) = wire::run(&state.pool, move |conn| found(conn, &scim, &id)).await?;
    let (mut document, version) = rendered(&client, &group, &members);
    if wire::not_modified(&req, &version) {
        return Ok(wire::unchanged(&version));
    }
    projection.apply(ResourceKind::Group, &mut document);
    Ok(wire::resource(StatusCode::OK, document, &version))
}

async fn change(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    id: String,
    wanted: impl Fn(Map<String, Value>) -> Result<GroupFields, ScimError> + Send + 'static,
) -> Result<HttpResponse, ScimError> {
    let at = state.now().naive_utc();
    let (scim, if_match) = (client.clone(), IfMatch::of(&req));
    let (group, members) = wire::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let (group, members) = found(tx, &scim, &id)?;
            let (mut document, version) = rendered(&scim, &group, &members);
            if_match.check(&version)?;
            document.remove("meta");
            let fields = wanted(document)?;
            save(tx, &scim, Some((&group, &members)), fields, at)
        })
    })
    .await?;
    let (document, version) = rendered(&client, &group, &members);
    Ok(wire::resource(StatusCode::OK, document, &version))
}

/// `PUT /Groups/{id}`: the group becomes what was sent, members included.
pub async fn replace_group(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let fields = read_document(&wire::read_json(&req, payload).await?)?;
    change(state, client, req, path.into_inner().1, move |_| Ok(fields.clone())).await
}

/// `PATCH /Groups/{id}`: typically members added and removed.
pub async fn patch_group(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let operations = patch::operations(&wire::read_json(&req, payload).await?)?;
    change(state, client, req, path.into_inner().1, move |mut document| {
        for operation in &operations {
            patch::apply(ResourceKind::Group, &mut document, operation)?;
        }
        read_document(&Value::Object(document))
    })
    .await
}

/// `DELETE /Groups/{id}`: the group goes; its users stay.
pub async fn delete_group(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimError> {
    let id = path.into_inner().1;
    let at = state.now();
    let if_match = IfMatch::of(&req);
    wire::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let (group, members) = found(tx, &client, &id)?;
            if_match.check(&rendered(&client, &group, &members).1)?;
            account_groups::delete(tx, &group.id)?;
            let before = audit_state(&group, &members);
            client.record(
                tx,
                AuditEvent::new(&client.msp_id, AuditAction::AccountGroupDeleted, &group.id, at).before(&before),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
