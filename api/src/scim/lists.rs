//! Listing and searching (RFC 7644 §3.4.2, §3.4.3): `filter`, `startIndex`
//! and `count` paging, `attributes` / `excludedAttributes`, as query
//! parameters or in a `.search` body.
//!
//! A filter is evaluated on resources as they are rendered, so every
//! attribute a client can read can be filtered on. The lookups identity
//! providers make on every sync (`userName eq`, `externalId eq`, `id eq`)
//! are narrowed to an indexed column first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::scim::document::{attribute_list, project};
use domain::scim::filter::{AttrPath, Filter};
use domain::scim::schema::{LIST_RESPONSE_SCHEMA, ResourceKind};
use domain::scim::{Refusal, ScimType};
use persistence::DbConnection;
use persistence::account_groups;
use persistence::accounts::{self, Lookup, Organization};
use serde_json::{Map, Value, json};

use super::client::ScimClient;
use super::error::ScimError;
use super::wire::{self, QueryParams};
use super::{groups, users};
use crate::state::AppState;

/// Page size when the client names none.
pub const DEFAULT_COUNT: usize = 100;
/// The most resources one response holds (`filter.maxResults`).
pub const MAX_COUNT: usize = 200;
/// The longest filter accepted, in bytes.
const MAX_FILTER_BYTES: usize = 4096;

/// Which attributes a response holds.
#[derive(Debug, Default, Clone)]
pub struct Projection {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

impl Projection {
    /// From `attributes` and `excludedAttributes` query parameters.
    pub fn of(params: &QueryParams) -> Result<Self, ScimError> {
        let list = |name| params.get(name).map(attribute_list).transpose().map(Option::unwrap_or_default);
        Ok(Self { attributes: list("attributes")?, excluded: list("excludedAttributes")? })
    }

    fn of_search(body: &Map<String, Value>) -> Result<Self, ScimError> {
        let list = |name: &str| -> Result<Vec<AttrPath>, Refusal> {
            match field(body, name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::String(raw)) => attribute_list(raw),
                Some(Value::Array(items)) => {
                    let names: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    attribute_list(&names.join(","))
                }
                Some(other) => Err(Refusal::new(
                    ScimType::InvalidValue,
                    format!("{name} must be a list of attribute names, not {other}."),
                )),
            }
        };
        Ok(Self { attributes: list("attributes")?, excluded: list("excludedAttributes")? })
    }

    /// Cuts a rendered resource down to what was asked for.
    pub fn apply(&self, kind: ResourceKind, document: &mut Map<String, Value>) {
        project(kind, document, &self.attributes, &self.excluded);
    }
}

fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
}

/// A list request.
#[derive(Debug, Clone)]
struct ListQuery {
    filter: Option<Filter>,
    /// 1-based.
    start_index: usize,
    count: usize,
    projection: Projection,
}

fn parse_filter(raw: &str) -> Result<Filter, ScimError> {
    if raw.len() > MAX_FILTER_BYTES {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!("The filter is longer than {MAX_FILTER_BYTES} bytes."),
        ));
    }
    Filter::parse(raw)
        .map_err(|e| ScimError::bad_request(ScimType::InvalidFilter, format!("The filter \"{raw}\" is invalid: {e}")))
}

fn number(name: &str, value: Option<&Value>) -> Result<Option<i64>, ScimError> {
    let invalid = || ScimError::bad_request(ScimType::InvalidValue, format!("{name} must be an integer."));
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(invalid),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

impl ListQuery {
    fn new(
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        projection: Projection,
    ) -> Result<Self, ScimError> {
        Ok(Self {
            filter: filter.filter(|f| !f.trim().is_empty()).map(parse_filter).transpose()?,
            // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
            start_index: usize::try_from(start_index.unwrap_or(1).max(1)).unwrap_or(1),
            count: usize::try_from(count.unwrap_or(DEFAULT_COUNT as i64).clamp(0, MAX_COUNT as i64)).unwrap_or(0),
            projection,
        })
    }

    fn of_params(params: &QueryParams) -> Result<Self, ScimError> {
        let text = |name| params.get(name).map(|v| Value::String(v.to_owned()));
        Self::new(
            params.get("filter"),
            number("startIndex", text("startIndex").as_ref())?,
            number("count", text("count").as_ref())?,
            Projection::of(params)?,
        )
    }

    fn of_search(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::bad_request(ScimType::InvalidSyntax, "A search request must be a JSON object."));
        };
        let filter = match field(body, "filter") {
            None | Some(Value::Null) => None,
            Some(Value::String(filter)) => Some(filter.as_str()),
            Some(_) => return Err(ScimError::bad_request(ScimType::InvalidFilter, "filter must be a string.")),
        };
        Self::new(
            filter,
            number("startIndex", field(body, "startIndex"))?,
            number("count", field(body, "count"))?,
            Projection::of_search(body)?,
        )
    }

    fn offset(&self) -> usize {
        self.start_index - 1
    }

    fn page<T>(&self, matched: Vec<T>) -> Vec<T> {
        matched.into_iter().skip(self.offset()).take(self.count).collect()
    }
}

/// Rendered resources of one kind that match, all of them.
fn matching(
    kind: ResourceKind,
    filter: &Filter,
    rendered: impl Iterator<Item = Map<String, Value>>,
) -> Vec<Map<String, Value>> {
    let case_exact = |path: &AttrPath| kind.case_exact(path);
    rendered.filter(|document| filter.matches(&Value::Object(document.clone()), &case_exact)).collect()
}

/// Every user of the customer the filter selects, in creation order.
fn all_users(
    conn: &mut DbConnection,
    client: &ScimClient,
    filter: Option<&Filter>,
) -> Result<Vec<Map<String, Value>>, ScimError> {
    let user_name = filter.and_then(|f| f.equality_on("userName")).map(str::to_lowercase);
    let lookup = match (filter, &user_name) {
        (None, _) => Lookup::All,
        (Some(_), Some(email)) => Lookup::Email(email),
        (Some(filter), None) => match (filter.equality_on("externalId"), filter.equality_on("id")) {
            (Some(external_id), _) => Lookup::ExternalId(external_id),
            (None, Some(id)) => Lookup::Id(id),
            (None, None) => Lookup::All,
        },
    };
    let organization = Organization::Customer(&client.customer_id);
    let records = accounts::look_up(conn, &client.msp_id, organization, lookup, 0, i64::MAX)?;
    let rendered = records.iter().map(|record| users::render(client, record).0);
    Ok(match filter {
        Some(filter) => matching(ResourceKind::User, filter, rendered),
        None => rendered.collect(),
    })
}

/// The customer's users the query selects: how many in all, and the page.
/// Without a filter, the page is cut in the database.
fn users(
    conn: &mut DbConnection,
    client: &ScimClient,
    query: &ListQuery,
) -> Result<(usize, Vec<Map<String, Value>>), ScimError> {
    if query.filter.is_some() {
        let matched = all_users(conn, client, query.filter.as_ref())?;
        return Ok((matched.len(), query.page(matched)));
    }
    let organization = Organization::Customer(&client.customer_id);
    let total = usize::try_from(accounts::count(conn, &client.msp_id, organization)?).unwrap_or(0);
    let offset = i64::try_from(query.offset()).unwrap_or(i64::MAX);
    let limit = i64::try_from(query.count).unwrap_or(0);
    let records = if limit == 0 {
        Vec::new()
    } else {
        accounts::look_up(conn, &client.msp_id, organization, Lookup::All, offset, limit)?
    };
    Ok((total, records.iter().map(|record| users::render(client, record).0).collect()))
}

/// Every group of the customer the filter selects.
fn all_groups(
    conn: &mut DbConnection,
    client: &ScimClient,
    filter: Option<&Filter>,
) -> Result<Vec<Map<String, Value>>, ScimError> {
    let groups = account_groups::all(conn, &client.customer_id)?;
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let members = account_groups::members_of(conn, &ids)?;
    let rendered = groups.iter().map(|group| {
        let of_group: Vec<&str> =
            members.iter().filter(|(g, _)| *g == group.id).map(|(_, account)| account.as_str()).collect();
        groups::render(client, group, &of_group).0
    });
    Ok(match filter {
        Some(filter) => matching(ResourceKind::Group, filter, rendered),
        None => rendered.collect(),
    })
}

fn list_response(total: usize, query: &ListQuery, resources: Vec<(ResourceKind, Map<String, Value>)>) -> HttpResponse {
    let resources: Vec<Value> = resources
        .into_iter()
        .map(|(kind, mut document)| {
            query.projection.apply(kind, &mut document);
            Value::Object(document)
        })
        .collect();
    wire::scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "startIndex": query.start_index,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

async fn answer(
    state: &AppState,
    client: ScimClient,
    kinds: &'static [ResourceKind],
    query: ListQuery,
) -> Result<HttpResponse, ScimError> {
    let for_response = query.clone();
    let (total, resources) = wire::run(&state.pool, move |conn| {
        if let [ResourceKind::User] = kinds {
            let (total, page) = users(conn, &client, &query)?;
            return Ok((total, page.into_iter().map(|d| (ResourceKind::User, d)).collect::<Vec<_>>()));
        }
        let mut matched = Vec::new();
        for &kind in kinds {
            let found = match kind {
                ResourceKind::User => all_users(conn, &client, query.filter.as_ref())?,
                ResourceKind::Group => all_groups(conn, &client, query.filter.as_ref())?,
            };
            matched.extend(found.into_iter().map(|document| (kind, document)));
        }
        Ok((matched.len(), query.page(matched)))
    })
    .await?;
    Ok(list_response(total, &for_response, resources))
}

/// `GET /Users`.
pub async fn list_users(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    answer(&state, client, &[ResourceKind::User], ListQuery::of_params(&QueryParams::of(&req)?)?).await
}

/// `GET /Groups`.
pub async fn list_groups(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    answer(&state, client, &[ResourceKind::Group], ListQuery::of_params(&QueryParams::of(&req)?)?).await
}

/// `POST /Users/.search`.
pub async fn search_users(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let query = ListQuery::of_search(&wire::read_json(&req, payload).await?)?;
    answer(&state, client, &[ResourceKind::User], query).await
}

/// `POST /Groups/.search`.
pub async fn search_groups(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let query = ListQuery::of_search(&wire::read_json(&req, payload).await?)?;
    answer(&state, client, &[ResourceKind::Group], query).await
}

/// `POST /.search`: users, then groups.
pub async fn search_all(
    state: web::Data<AppState>,
    client: ScimClient,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let query = ListQuery::of_search(&wire::read_json(&req, payload).await?)?;
    answer(&state, client, &ResourceKind::ALL, query).await
}
