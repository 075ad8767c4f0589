//! MAA counted: the MSP's summary and history, and each customer's months.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::allowance::{self};
use domain::maa::{Month, MonthTally, monthly_active, overage};
use persistence::maa::{self as store, OrderRecord};
use persistence::{accounts, customers, seat_pool};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db;
use crate::error::responses::NotFound;
use crate::error::{ApiError, InvalidField};
use crate::pagination::id_param;
use crate::resources::customer_lists::CustomerListParams;
use crate::resources::customer_lists::list_page;
use crate::state::AppState;

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
pub(crate) struct Window {
    pub(crate) months: Vec<Month>,
    pub(crate) first: Month,
    pub(crate) current: Month,
}

/// The window of `?months=`.
pub(crate) fn window(raw: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Result<Window, ApiError> {
    let invalid =
        || ApiError::InvalidParameters(vec![InvalidField::parameter("months", "must be an integer from 1 to 36")]);
    let count = match raw {
        None => 12,
        Some(text) => text.trim().parse::<u32>().map_err(|_| invalid())?,
    };
    if !(1..=36).contains(&count) {
        return Err(invalid());
    }
    let current = Month::of(now.naive_utc());
    let first = current.plus(1 - i32::try_from(count).unwrap_or(1));
    Ok(Window { months: current.trailing(count), first, current })
}

/// The MSP's MAA, allowance and overage of each of `months` (consecutive,
/// oldest first), with `active_now` accounts active today.
pub(crate) fn msp_usage(
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

/// This month's MAA, allowance and overage of the MSP, and its active users
/// against its limits.
#[utoipa::path(
    get, path = "/api/v1/maa/summary", tag = "maa", operation_id = "getMaaSummary",
    description = "This month's MAA, allowance and overage of the MSP, and its active users against its limits. \
        See the `MaaSummary` schema for what each number means.",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The current month.", body = MaaSummary),
    )
)]
pub async fn get_maa_summary(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let month = Month::of(state.now().naive_utc());
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
        (status = 404, response = NotFound),
    )
)]
pub async fn get_maa_history(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first: from, .. } = window(params.months.as_deref(), state.now())?;
    let customer_id = id_param("customer_id", params.customer_id.as_deref(), "a customer")?;
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
    )
)]
pub async fn list_customer_maa(
    state: web::Data<AppState>,
    caller: Caller,
    window_params: web::Query<MonthsParams>,
    params: web::Query<CustomerListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadUsage)?.to_owned();
    let Window { months, first: from, .. } = window(window_params.months.as_deref(), state.now())?;
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
