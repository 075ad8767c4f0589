//! Requests for more seats, as the MSP that asks and the platform operator
//! that decides see them.

use chrono::{DateTime, Utc};
use persistence::seat_expansion::ExpansionRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// A request for more seats.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatExpansionRequest {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// The MSP asking.
    #[schema(format = Uuid)]
    pub msp_id: String,
    /// Seats asked for.
    #[schema(example = 100)]
    pub seats: i64,
    /// Why, in the MSP's words.
    #[schema(example = "Three new customers signing next month")]
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    #[schema(example = "pending")]
    pub status: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// The operator who decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The operator's note.
    pub decision_note: Option<String>,
}

impl From<ExpansionRecord> for SeatExpansionRequest {
    fn from(record: ExpansionRecord) -> Self {
        Self {
            id: record.id,
            msp_id: record.msp_id,
            seats: record.seats,
            reason: record.reason,
            status: record.status.as_str().to_owned(),
            requested_by: record.requested_by,
            requested_at: record.requested_at.and_utc(),
            decided_by: record.decided_by,
            decided_at: record.decided_at.map(|t| t.and_utc()),
            decision_note: record.decision_note,
        }
    }
}
