//! Cursor pagination on the wire: `limit`, opaque `cursor`, `next_cursor`, and
//! the `Link: <…>; rel="next"` header.

use std::borrow::Cow;

use actix_web::HttpResponseBuilder;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::pagination::{Page as RowPage, PageSize};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, InvalidField};

/// One page of a list: `items` in the order asked for, and the cursor of
/// the next page. Every list of the API answers with it; in the contract it
/// is `Page_<Item>`, its items a reference to the item's schema.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items of this page, in the order asked for.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

// By hand rather than derived: utoipa's derive inlines a generic item type
// into every page schema (juhaku/utoipa#1586) instead of referring to it.
impl<T: ToSchema> utoipa::__dev::ComposeSchema for Page<T> {
    fn compose(_generics: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(format!("One page of {}: follow `next_cursor` for the next.", T::name())))
            .property(
                "items",
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(T::name()))
                    .description(Some("The items of this page, in the order asked for.")),
            )
            .required("items")
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some("Pass as `cursor` to get the next page; `null` on the last page.")),
            )
            .into()
    }
}

impl<T: ToSchema> ToSchema for Page<T> {
    // The contract names each page `Page_<Item>`: utoipa appends the item.
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Page")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

/// `?limit=&cursor=` of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size and the key the page starts after.
    pub fn read(&self) -> Result<(PageSize, Option<String>), ApiError> {
        let size = page_size(self.limit.as_deref())?;
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok((size, after))
    }
}

/// One page cut from rows fetched with [`PageSize::fetch_limit`]: its items,
/// the cursor of the next page, and a 200 response carrying the `Link` to it.
pub struct PageCut<R> {
    /// The rows of this page.
    pub items: Vec<R>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
    /// `200 OK`, with `Link: <…>; rel="next"` when a page follows.
    pub response: HttpResponseBuilder,
}

/// Cuts the page of `rows` for the list at `path`; `key` is the id the next
/// page starts after.
pub fn cut_page<R>(path: &str, size: PageSize, rows: Vec<R>, key: impl Fn(&R) -> &str) -> PageCut<R> {
    cut_page_with(path, "", size, rows, |row| encode_cursor(key(row)))
}

/// Like [`cut_page`] for lists with filters or a sort order: `query` (empty,
/// or `&name=value…`) is kept in the `Link`, and `cursor` makes the opaque
/// cursor of the row a page continues after.
pub fn cut_page_with<R>(
    path: &str,
    query: &str,
    size: PageSize,
    rows: Vec<R>,
    cursor: impl Fn(&R) -> String,
) -> PageCut<R> {
    let page = RowPage::from_overfetch(rows, size);
    let next_cursor = page.continues_after().map(cursor);
    let mut response = actix_web::HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        response.insert_header((
            header::LINK,
            format!("<{path}?limit={}&cursor={cursor}{query}>; rel=\"next\"", size.get()),
        ));
    }
    PageCut { items: page.items, next_cursor, response }
}

/// `&name=value…` of the parameters that are present, URL-encoded, for the
/// `Link` of a filtered list.
pub fn link_query(pairs: &[(&str, Option<&str>)]) -> String {
    let present: Vec<(&str, &str)> = pairs.iter().filter_map(|(name, value)| value.map(|v| (*name, v))).collect();
    match serde_urlencoded::to_string(present) {
        Ok(query) if !query.is_empty() => format!("&{query}"),
        _ => String::new(),
    }
}

/// Reads an id from a path: ids are UUIDs, so anything else names nothing
/// and is a 404, like an id that does not exist.
pub fn path_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw).map(|_| raw.to_owned()).map_err(|_| ApiError::NotFound)
}

/// Reads an optional id (a UUID) from query parameter `name`; anything
/// else, empty included, is a 400 saying it must be `what`'s id.
pub fn id_param(name: &str, raw: Option<&str>, what: &str) -> Result<Option<String>, ApiError> {
    raw.map(str::trim)
        .map(|id| {
            uuid::Uuid::parse_str(id).map(|u| u.to_string()).map_err(|_| {
                ApiError::InvalidParameters(vec![InvalidField::parameter(name, format!("must be {what} id (a UUID)"))])
            })
        })
        .transpose()
}

/// Reads an optional word of a spelled enum from query parameter `name`.
pub fn enum_param<T>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    raw.map(|word| {
        word.trim().parse::<T>().map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter(name, e)]))
    })
    .transpose()
}

/// Reads an optional integer in `range` from query parameter `name`.
pub fn int_param(name: &str, raw: Option<&str>, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, ApiError> {
    raw.map(|text| {
        text.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            let message = format!("must be an integer {}-{}", range.start(), range.end());
            ApiError::InvalidParameters(vec![InvalidField::parameter(name, message)])
        })
    })
    .transpose()
}

/// Reads `limit`.
pub fn page_size(raw: Option<&str>) -> Result<PageSize, ApiError> {
    let parsed =
        match raw {
            None => None,
            Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
                ApiError::InvalidParameters(vec![InvalidField::parameter("limit", "must be an integer")])
            })?),
        };
    PageSize::parse(parsed).map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("limit", e)]))
}

/// The cursor a client sends to get the page after the item with `key`.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The key a cursor stands for. Cursors are opaque to clients; one that we did
/// not issue is a 400, not an empty page.
pub fn decode_cursor(raw: &str) -> Result<String, ApiError> {
    let invalid =
        || ApiError::InvalidParameters(vec![InvalidField::parameter("cursor", "is not a cursor this API issued")]);
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let key = String::from_utf8(bytes).map_err(|_| invalid())?;
    uuid::Uuid::parse_str(&key).map_err(|_| invalid())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let key = "0192f0e4-7b1c-7c3a-8f00-000000000001";
        assert_eq!(decode_cursor(&encode_cursor(key)).ok().as_deref(), Some(key));
        assert!(decode_cursor("not-a-cursor!").is_err());
        assert!(decode_cursor(&encode_cursor("hello")).is_err());
    }

    #[test]
    fn limits_are_checked() {
        assert!(page_size(Some("abc")).is_err());
        assert!(page_size(Some("0")).is_err());
        assert_eq!(page_size(Some("10")).map(PageSize::get).ok(), Some(10));
    }
}
