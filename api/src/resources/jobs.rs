//! A background job as a platform operator sees it.

use chrono::{DateTime, Utc};
use domain::jobs::JobStatus;
use persistence::jobs::JobRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A background job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// What it does.
    #[schema(example = "send_mail")]
    pub kind: String,
    /// The key that makes it once-only, if any.
    pub unique_key: Option<String>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// Due at (UTC); for a queued retry, the time of the next attempt.
    pub run_at: DateTime<Utc>,
    /// Attempts started.
    pub attempts: i64,
    /// Attempts before it is given up.
    pub max_attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When enqueued (UTC).
    pub created_at: DateTime<Utc>,
    /// When it succeeded or was given up (UTC).
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<JobRecord> for Job {
    fn from(record: JobRecord) -> Self {
        Self {
            id: record.id,
            kind: record.kind,
            unique_key: record.unique_key,
            status: record.status.as_str().to_owned(),
            run_at: record.run_at.and_utc(),
            attempts: record.attempts,
            max_attempts: record.max_attempts,
            last_error: record.last_error,
            created_at: record.created_at.and_utc(),
            finished_at: record.finished_at.map(|t| t.and_utc()),
        }
    }
}

/// The schema of a job's `status`.
pub fn status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`queued` (due at `run_at`), `running` (held by a worker), `succeeded`, or `failed` (given up after its \
             last attempt, with `last_error`).",
        ))
        .enum_values(Some(JobStatus::spellings()))
        .examples(["failed"])
}
