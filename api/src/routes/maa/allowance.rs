//! Allowance: the SKU catalogue, orders, and the allowance of each month.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::allowance::{self, OrderQuantity, SKUS, Sku};
use persistence::maa::{self as store, OrderRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::usage::{MonthsParams, Window, window};
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page};
use crate::resources::allowance::AllowanceOrder;
use crate::services::allowance_orders;
use crate::state::AppState;

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

pub(crate) fn sku_schema() -> utoipa::openapi::schema::ObjectBuilder {
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

/// Lists the SKUs that can be ordered.
///
/// The catalogue is the same for every MSP: each SKU has the id to order it by with
/// `POST /api/v1/maa/orders`, the MAA each unit adds and its term in months.
#[utoipa::path(
    get, path = "/api/v1/skus", tag = "maa", operation_id = "listSkus",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Every SKU, smallest first.", body = SkuList),
    )
)]
pub async fn list_skus(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.authorize(Action::ReadCatalogue)?;
    Ok(HttpResponse::Ok().json(SkuList { items: SKUS.iter().map(SkuInfo::from).collect() }))
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
    )
)]
pub async fn get_maa_allowance(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<MonthsParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first, current } = window(params.months.as_deref(), state.now())?;
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
    let at = state.now();
    let created =
        db::write(&state.pool, move |tx| allowance_orders::place(tx, &caller, &msp_id, sku, quantity, at)).await?;
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
        (status = 200, description = "A page of orders.", body = Page<AllowanceOrder>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
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
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
