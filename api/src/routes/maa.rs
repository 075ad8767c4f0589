//! Monthly active accounts (MAA), allowance, overage, allowance orders and
//! the SKU catalogue. The definitions are in `domain::maa` and
//! `domain::allowance`; they are repeated in the schema descriptions, for
//! integrators reading the contract.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::allowance::{self, OrderQuantity, SKUS, Sku};
use domain::maa::{Month, MonthTally, monthly_active, overage};
use persistence::maa::{self as store, OrderRecord};
use persistence::transactions::write_transaction;
use persistence::{accounts, customers, seat_pool};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Caller, audit_state};
use crate::db;
use crate::error::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{PageParams, cut_page};
use crate::routes::customer_list::{CustomerListParams, list_page};
use crate::state::{AppState, now};

/// An item of the allowance catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuInfo {
    /// Stable id, used in orders.
    #[schema(example = "maa-1k-12m")]
    pub id: &'static str,
    /// Name on quotes and invoices.
    #[schema(example = "1K MAA Allowance")]
    pub name: &'static str,
    /// MAA added to the allowance of each month in force, per unit ordered.
    #[schema(example = 1000)]
    pub maa_per_unit: i64,
    /// Months in force, starting with the month of the order.
    #[schema(example = 12)]
    pub term_months: u32,
}

impl From<&Sku> for SkuInfo {
    fn from(sku: &Sku) -> Self {
        Self { id: sku.id, name: sku.name, maa_per_unit: sku.maa_per_unit, term_months: sku.term_months }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuList {
    /// Every SKU, smallest first.
    pub items: Vec<SkuInfo>,
}

/// Active accounts now, against the MSP's limits.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCounts {
    /// Active accounts across all customers (global users).
    #[schema(example = 1840)]
    pub global_users: i64,
    /// Active accounts in the MSP's own organisation (local users).
    #[schema(example = 12)]
    pub local_users: i64,
    /// Most active accounts across all customers, set by the platform.
    #[schema(example = 5000)]
    pub max_global_users: i64,
    /// Most active accounts in the MSP's own organisation, set by the platform.
    #[schema(example = 50)]
    pub max_local_users: i64,
}

/// This month's numbers of the MSP.
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "The MSP's current month. MAA (monthly active accounts) of a month, a UTC calendar month: the \
    number of distinct accounts that were active at any moment of the month (active when it began, or activated \
    during it; flapping counts once; deleted accounts count in the months they were active). Allowance: the sum of \
    the allowance orders in force in the month. Overage = max(0, MAA − allowance).")]
pub struct MaaSummary {
    /// The month, `YYYY-MM` (UTC).
    #[schema(example = "2026-11")]
    pub month: String,
    /// MAA of the month so far, over the customers and the MSP's own organisation.
    #[schema(example = 1852)]
    pub maa: i64,
    /// Allowance of the month: the sum of the orders in force.
    #[schema(example = 2000)]
    pub allowance: i64,
    /// max(0, MAA − allowance).
    #[schema(example = 0)]
    pub overage: i64,
    pub users: UserCounts,
}

/// One month of a history.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyUsage {
    /// The month, `YYYY-MM` (UTC).
    #[schema(example = "2026-10")]
    pub month: String,
    /// MAA of the month (see the definition on `MaaHistory`).
    #[schema(example = 1790)]
    pub maa: i64,
    /// Allowance of the month; present for the MSP, not for one customer.
    #[schema(example = 2000)]
    pub allowance: Option<i64>,
    /// max(0, MAA − allowance); present for the MSP, not for one customer.
    #[schema(example = 0)]
    pub overage: Option<i64>,
}

/// MAA month by month.
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "MAA month by month, oldest first, ending with the current month. MAA (monthly active \
    accounts) of a month, a UTC calendar month: the number of distinct accounts that were active at any moment of \
    the month, active when it began or activated during it; an account that flaps counts once; deleted accounts \
    count in the months they were active. The MSP's MAA is the sum over its customers and its own organisation. \
    Allowance: the sum of the allowance orders in force. Overage = max(0, MAA − allowance).")]
pub struct MaaHistory {
    /// The customer, when the history is of one customer.
    #[schema(format = Uuid)]
    pub customer_id: Option<String>,
    /// Oldest first.
    pub months: Vec<MonthlyUsage>,
}

/// One customer's MAA month by month.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerMaa {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Its name.
    #[schema(example = "Acme Dental")]
    pub name: String,
    /// Its max MAU threshold: activations that would add to a month's MAA
    /// beyond it are refused.
    #[schema(example = 100000000)]
    pub max_mau: i64,
    /// Its MAA per month, oldest first (the months of the table).
    #[schema(example = json!([120, 131, 140]))]
    pub maa: Vec<i64>,
}

/// A page of the table of MAA per customer per month.
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "MAA per customer per month: each row a customer, each column a month of `months`. MAA of \
    a month (UTC): distinct accounts active at any moment of it, active when it began or activated during it.")]
pub struct CustomerMaaPage {
    /// The months of every row, `YYYY-MM`, oldest first.
    #[schema(example = json!(["2026-09", "2026-10", "2026-11"]))]
    pub months: Vec<String>,
    /// Customers in the order asked for.
    pub items: Vec<CustomerMaa>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An allowance order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowanceOrder {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// The SKU ordered.
    #[schema(example = "maa-1k-12m")]
    pub sku: String,
    /// Its name when ordered.
    #[schema(example = "1K MAA Allowance")]
    pub sku_name: String,
    /// Units.
    #[schema(example = 2)]
    pub quantity: i64,
    /// What the order adds to the allowance of each month in force:
    /// quantity × the SKU's MAA per unit.
    #[schema(example = 2000)]
    pub monthly_allowance: i64,
    /// First month in force (the month of the order), `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub first_month: String,
    /// Last month in force, `YYYY-MM`.
    #[schema(example = "2027-10")]
    pub last_month: String,
    /// When ordered (UTC).
    pub ordered_at: DateTime<Utc>,
    /// Who ordered.
    #[schema(example = "owner@msp.example")]
    pub ordered_by: String,
}

impl From<OrderRecord> for AllowanceOrder {
    fn from(record: OrderRecord) -> Self {
        let order = record.allowance_order();
        Self {
            monthly_allowance: order.monthly_allowance(),
            first_month: order.starts.to_string(),
            last_month: order.ends_before().plus(-1).to_string(),
            id: record.id,
            sku: record.sku,
            sku_name: record.sku_name,
            quantity: record.quantity,
            ordered_at: record.ordered_at.and_utc(),
            ordered_by: record.ordered_by,
        }
    }
}

/// One page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllowanceOrderPage {
    /// Newest first.
    pub items: Vec<AllowanceOrder>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new order.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAllowanceOrder {
    #[schema(schema_with = sku_schema)]
    pub sku: String,
    /// Units, 1–1000.
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 1, maximum = 1000, example = 2)]
    pub quantity: i64,
}

fn sku_schema() -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(SKUS.iter().map(|sku| sku.id)))
        .description(Some("Id of a SKU of `GET /api/v1/skus`."))
        .examples([serde_json::json!("maa-1k-12m")])
}

/// One month of the allowance.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyAllowance {
    /// The month, `YYYY-MM` (UTC).
    #[schema(example = "2026-11")]
    pub month: String,
    /// The sum over the orders in force in the month.
    #[schema(example = 2000)]
    pub allowance: i64,
    /// Ids of the orders in force in the month.
    pub order_ids: Vec<String>,
}

/// The allowance month by month, with the orders behind it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "Allowance month by month, oldest first, ending with the current month. The allowance of a \
    month is the sum of the allowance orders in force in it; an order of n units of a SKU adds n × the SKU's MAA per \
    unit to each month of its term, starting with the month of the order.")]
pub struct AllowanceHistory {
    /// Oldest first.
    pub months: Vec<MonthlyAllowance>,
    /// Every order in force in at least one of the months.
    pub orders: Vec<AllowanceOrder>,
}

/// How many months, ending with the current one.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthsParams {
    /// Months, ending with the current one: 1–36 (default 12).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 36)]
    pub months: Option<String>,
}

/// A history's window and, optionally, one customer.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Months, ending with the current one: 1–36 (default 12).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 36)]
    pub months: Option<String>,
    /// Only this customer.
    #[param(value_type = Option<uuid::Uuid>)]
    pub customer_id: Option<String>,
}

/// The months of a read, oldest first, ending with the current month.
struct Window {
    months: Vec<Month>,
    first: Month,
    current: Month,
}

/// The window of `?months=`.
fn window(raw: Option<&str>) -> Result<Window, ApiError> {
    let invalid =
        || ApiError::InvalidParameters(vec![InvalidField::parameter("months", "must be an integer from 1 to 36")]);
    let count = match raw {
        None => 12,
        Some(text) => text.trim().parse::<u32>().map_err(|_| invalid())?,
    };
    if !(1..=36).contains(&count) {
        return Err(invalid());
    }
    let current = Month::of(now().naive_utc());
    let first = current.plus(1 - i32::try_from(count).unwrap_or(1));
    Ok(Window { months: current.trailing(count), first, current })
}

/// The MSP's MAA, allowance and overage of each of `months` (consecutive,
/// oldest first), with `active_now` accounts active today.
fn msp_usage(
    conn: &mut persistence::DbConnection,
    msp_id: &str,
    active_now: i64,
    months: &[Month],
) -> Result<Vec<MonthlyUsage>, ApiError> {
    let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let tallies = store::tallies_of_msp(conn, msp_id, first)?;
    let maa = monthly_active(active_now, &tallies, months);
    let orders: Vec<_> =
        store::orders_between(conn, msp_id, first, last.plus(1))?.iter().map(OrderRecord::allowance_order).collect();
    Ok(months
        .iter()
        .zip(maa)
        .map(|(month, maa)| {
            let allowance = allowance::allowance_of(&orders, *month);
            MonthlyUsage {
                month: month.to_string(),
                maa,
                allowance: Some(allowance),
                overage: Some(overage(maa, allowance)),
            }
        })
        .collect())
}

/// Lists the SKUs that can be ordered.
///
/// The catalogue is the same for every MSP: each SKU has the id to order it by with
/// `POST /api/v1/maa/orders`, the MAA each unit adds and its term in months.
#[utoipa::path(
    get, path = "/api/v1/skus", tag = "maa", operation_id = "listSkus",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Every SKU, smallest first.", body = SkuList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
pub async fn list_skus(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.authorize(Action::ReadCatalogue)?;
    Ok(HttpResponse::Ok().json(SkuList { items: SKUS.iter().map(SkuInfo::from).collect() }))
}

/// This month's MAA, allowance and overage of the MSP, and its active users
/// against its limits.
#[utoipa::path(
    get, path = "/api/v1/maa/summary", tag = "maa", operation_id = "getMaaSummary",
    description = "This month's MAA, allowance and overage of the MSP, and its active users against its limits. \
        See the `MaaSummary` schema for what each number means.",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The current month.", body = MaaSummary),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_maa_summary(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let month = Month::of(now().naive_utc());
    let summary = db::run(&state.pool, move |conn| {
        let (global_users, max_global_users, local_users, max_local_users) =
            accounts::user_counts(conn, &msp_id)?.ok_or(ApiError::NotFound)?;
        let usage = msp_usage(conn, &msp_id, global_users + local_users, &[month])?;
        let (maa, allowance) = usage.first().map_or((0, 0), |m| (m.maa, m.allowance.unwrap_or(0)));
        Ok(MaaSummary {
            month: month.to_string(),
            maa,
            allowance,
            overage: overage(maa, allowance),
            users: UserCounts { global_users, local_users, max_global_users, max_local_users },
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// MAA month by month, for the MSP (with allowance and overage) or for one
/// customer.
#[utoipa::path(
    get, path = "/api/v1/maa/history", tag = "maa", operation_id = "getMaaHistory",
    description = "MAA month by month for the past `months` months (the current one included), for the MSP with \
        allowance and overage, or for one customer with `customer_id`. See the `MaaHistory` schema for the \
        definitions.",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(HistoryParams),
    responses(
        (status = 200, description = "Oldest month first.", body = MaaHistory),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_maa_history(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first: from, .. } = window(params.months.as_deref())?;
    let customer_id = params
        .customer_id
        .as_deref()
        .map(|raw| {
            uuid::Uuid::parse_str(raw.trim()).map(|_| raw.trim().to_owned()).map_err(|_| {
                ApiError::InvalidParameters(vec![InvalidField::parameter("customer_id", "must be a customer id")])
            })
        })
        .transpose()?;
    let history = db::run(&state.pool, move |conn| {
        if let Some(customer_id) = customer_id {
            customers::find(conn, &msp_id, &customer_id)?.ok_or(ApiError::NotFound)?;
            let active = seat_pool::active_users(conn, &msp_id, std::slice::from_ref(&customer_id))?;
            let active = active.get(&customer_id).copied().unwrap_or(0);
            let tallies = store::tallies_of(conn, &msp_id, &customer_id, from)?;
            let maa = monthly_active(active, &tallies, &months);
            let months = months
                .iter()
                .zip(maa)
                .map(|(month, maa)| MonthlyUsage { month: month.to_string(), maa, allowance: None, overage: None })
                .collect();
            return Ok(MaaHistory { customer_id: Some(customer_id), months });
        }
        let (global, _, local, _) = accounts::user_counts(conn, &msp_id)?.ok_or(ApiError::NotFound)?;
        Ok(MaaHistory { customer_id: None, months: msp_usage(conn, &msp_id, global + local, &months)? })
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// The table of MAA per customer per month: a page of customers (with the
/// customer list's filters and sorts), each with its MAA of each month.
#[utoipa::path(
    get, path = "/api/v1/maa/history/customers", tag = "maa", operation_id = "listCustomerMaa",
    description = "MAA per customer per month for the past `months` months (the current one included): a page of \
        customers, filtered and sorted like the customer list, each with its MAA of each month. Customers deleted \
        since are not listed, but their months stay in the MSP's history.",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(MonthsParams, CustomerListParams),
    responses(
        (status = 200, description = "A page of the table.", body = CustomerMaaPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_customer_maa(
    state: web::Data<AppState>,
    caller: Caller,
    window_params: web::Query<MonthsParams>,
    params: web::Query<CustomerListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first: from, .. } = window(window_params.months.as_deref())?;
    let mut query = params.into_inner().read()?;
    if let Some(raw) = &window_params.months {
        query.link_query.push_str(&crate::pagination::link_query(&[("months", Some(raw))]));
    }
    let mut page = list_page(&state, msp_id.clone(), query, "/api/v1/maa/history/customers").await?;
    let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
    let (active, tallies) = db::run(&state.pool, move |conn| {
        let active = seat_pool::active_users(conn, &msp_id, &ids)?;
        let tallies = store::tallies_of_organizations(conn, &msp_id, &ids, from)?;
        Ok((active, tallies))
    })
    .await?;
    let none = BTreeMap::<Month, MonthTally>::new();
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(|customer| {
            let active_now = active.get(&customer.id).copied().unwrap_or(0);
            let maa = monthly_active(active_now, tallies.get(&customer.id).unwrap_or(&none), &months);
            CustomerMaa { customer_id: customer.id, name: customer.name, max_mau: customer.max_mau, maa }
        })
        .collect();
    let months = months.iter().map(ToString::to_string).collect();
    Ok(page.response.json(CustomerMaaPage { months, items, next_cursor: page.next_cursor }))
}

/// The allowance month by month, with the orders behind each month.
#[utoipa::path(
    get, path = "/api/v1/maa/allowance", tag = "maa", operation_id = "getMaaAllowance",
    description = "The allowance of each of the past `months` months (the current one included) and the orders \
        in force behind each. See the `AllowanceHistory` schema for the definition.",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(MonthsParams),
    responses(
        (status = 200, description = "Oldest month first.", body = AllowanceHistory),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_maa_allowance(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<MonthsParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first, current } = window(params.months.as_deref())?;
    let records =
        db::run(&state.pool, move |conn| Ok(store::orders_between(conn, &msp_id, first, current.plus(1))?)).await?;
    let in_window: Vec<OrderRecord> = records
        .into_iter()
        .filter(|record| months.iter().any(|month| record.allowance_order().in_force(*month)))
        .collect();
    let orders: Vec<_> = in_window.iter().map(OrderRecord::allowance_order).collect();
    let months = months
        .iter()
        .map(|month| MonthlyAllowance {
            month: month.to_string(),
            allowance: allowance::allowance_of(&orders, *month),
            order_ids: in_window
                .iter()
                .zip(&orders)
                .filter(|(_, order)| order.in_force(*month))
                .map(|(record, _)| record.id.clone())
                .collect(),
        })
        .collect();
    let orders = in_window.into_iter().map(AllowanceOrder::from).collect();
    Ok(HttpResponse::Ok().json(AllowanceHistory { months, orders }))
}

/// Orders MAA allowance: `quantity` units of a SKU, in force from this month for the SKU's term.
///
/// Needs the owner role or `purchase_licenses`. Each month in force gains `quantity` times the
/// SKU's MAA per unit; an unknown `sku` or a `quantity` outside 1-1000 is a 422. The order is
/// recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/maa/orders", tag = "maa", operation_id = "createAllowanceOrder",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = CreateAllowanceOrder, example = json!({ "sku": "maa-1k-12m", "quantity": 2 })),
    responses(
        (status = 201, description = "Ordered.", body = AllowanceOrder,
            headers(("Location" = String, description = "URL of the order list."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn create_allowance_order(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateAllowanceOrder>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::OrderAllowance)?.to_owned();
    let body = body.0;
    let mut errors = FieldErrors::default();
    let sku = errors.check(
        "/sku",
        allowance::sku(body.sku.trim()).ok_or_else(|| {
            format!("unknown SKU; the catalogue has: {}", SKUS.iter().map(|s| s.id).collect::<Vec<_>>().join(", "))
        }),
    );
    let quantity = errors.check("/quantity", OrderQuantity::new(body.quantity));
    let (sku, quantity) = errors.finish((|| Some((sku?, quantity?)))())?;
    let at = now();
    let record = OrderRecord {
        id: persistence::new_id(),
        msp_id: msp_id.clone(),
        sku: sku.id.to_owned(),
        sku_name: sku.name.to_owned(),
        quantity: quantity.get(),
        maa_per_unit: sku.maa_per_unit,
        term_months: i64::from(sku.term_months),
        starts_month: Month::of(at.naive_utc()).first_day(),
        ordered_at: at.naive_utc(),
        ordered_by: caller.actor.label.clone(),
    };
    let created = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            store::insert_order(tx, &record)?;
            let created = AllowanceOrder::from(record.clone());
            caller.record(
                tx,
                &msp_id,
                "maa_order.created",
                "maa_order",
                &created.id,
                None,
                Some(&audit_state(&created)),
                at,
            )?;
            Ok(created)
        })
    })
    .await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, "/api/v1/maa/orders")).json(created))
}

/// Lists the MSP's allowance orders, newest first.
///
/// Pages hold 1-200 orders (default 50); follow `next_cursor` or the `Link` header to older orders.
#[utoipa::path(
    get, path = "/api/v1/maa/orders", tag = "maa", operation_id = "listAllowanceOrders",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of orders.", body = AllowanceOrderPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_allowance_orders(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let (size, before) = params.read()?;
    let rows =
        db::run(&state.pool, move |conn| Ok(store::list_orders(conn, &msp_id, before.as_deref(), size.fetch_limit())?))
            .await?;
    let mut page = cut_page("/api/v1/maa/orders", size, rows, |order| &order.id);
    let items = page.items.into_iter().map(AllowanceOrder::from).collect();
    Ok(page.response.json(AllowanceOrderPage { items, next_cursor: page.next_cursor }))
}
