//! Tracking: the public endpoints behind every simulated message's links,
//! outside `/api/v1` and without credentials (the token in the path is the
//! recipient's, verified before the database is asked; an unknown or
//! malformed one is the plain 404 `not_found`, which tells nothing more).
//! The open pixel, the click and its landing page, the landing form's
//! submission (field names kept, never values), the teachable moment, the
//! honeypot link only machines follow, and the report button of a mail
//! add-in.

pub mod pages;
pub mod report;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::services::tracking::Hit;
use crate::state::AppState;
use domain::campaigns::classify::EventKind;

/// What a page we serve may do: show itself, its inline styles and inline
/// images, and post its one form back to us; nothing loaded from elsewhere,
/// no scripts, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The API's plain 404 (`not_found`): nothing says whether the token was
/// ever one, or why it is not.
fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound)
}

/// Headers of every tracking answer: never cached (each open counts), no
/// referrer to wherever a page links.
fn tracking_answer(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    builder
}

/// An HTML page under the strict policy.
fn html_page(body: String) -> HttpResponse {
    tracking_answer(HttpResponse::Ok())
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The recipient a token names, if it is one of ours.
fn recipient_of(state: &AppState, token: &str) -> Option<String> {
    state.tracking_key.recipient(token)
}

/// Records `hit` for the recipient `token` names: false when it names none.
async fn recorded(state: &AppState, token: &str, hit: Hit) -> Result<bool, crate::error::ApiError> {
    let Some(recipient_id) = recipient_of(state, token) else { return Ok(false) };
    let now = state.now();
    crate::db::write(&state.pool, move |tx| match crate::services::tracking::record(tx, &recipient_id, &hit, now) {
        Ok(_) => Ok(true),
        Err(crate::services::tracking::TrackingError::UnknownRecipient) => Ok(false),
        Err(crate::services::tracking::TrackingError::Store(error)) => Err(error.into()),
    })
    .await
}

/// The hit a request makes.
fn hit_of(req: &HttpRequest, kind: EventKind) -> Hit {
    Hit {
        kind,
        head: req.method() == actix_web::http::Method::HEAD,
        user_agent: req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|ua| {
            // Kept to show why an event was classified; a bounded length.
            ua.chars().take(512).collect()
        }),
        source: crate::client_address::of(req),
        field_names: None,
        reported_via: None,
    }
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(pages::__path_track_open, pages::track_open);
    ops.add(pages::__path_track_click, pages::track_click);
    ops.add(pages::__path_check_click, pages::check_click);
    ops.add(pages::__path_track_honeypot, pages::track_honeypot);
    ops.add(pages::__path_check_honeypot, pages::check_honeypot);
    ops.add(pages::__path_show_landing_page, pages::show_landing_page);
    ops.add(pages::__path_submit_landing_form, pages::submit_landing_form);
    ops.add(pages::__path_show_teachable_moment, pages::show_teachable_moment);
    ops.add(report::__path_report_phish, report::report_phish);
}
