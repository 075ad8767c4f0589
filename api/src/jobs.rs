//! The job runner every server process runs: it claims due jobs under a
//! lease (see `persistence::jobs`), runs each with the handler registered
//! for its kind, and records the outcome — done, retried with back-off
//! (`domain::jobs`), or failed for good with its error. Several processes
//! share one table safely; the tests switch the loop off and run due jobs
//! themselves under their clock.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use domain::jobs::{AfterFailure, LEASE, RUN_LIMIT, after_failure};
use persistence::jobs::JobRecord;
use persistence::transactions::write_transaction;
use persistence::{DbPool, StoreError};

use crate::clock::Clock;

/// What a handler's run of a job comes to.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Runs one job of a kind: given the database, the clock and the job.
pub type Handler = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;

/// What a handler gets.
#[derive(Clone)]
pub struct JobContext {
    /// The database.
    pub pool: DbPool,
    /// The time.
    pub clock: Clock,
    /// The job, as claimed (its `attempts` counts this one).
    pub job: JobRecord,
}

/// The handlers, by job kind.
#[derive(Clone, Default)]
pub struct Handlers(BTreeMap<&'static str, Handler>);

impl Handlers {
    /// Registers `handler` for jobs of `kind`.
    #[must_use]
    pub fn with(mut self, kind: &'static str, handler: Handler) -> Self {
        self.0.insert(kind, handler);
        self
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// How a process runs jobs: `JOBS_ENABLED`, `JOB_CONCURRENCY`, `JOB_POLL_MS`.
#[derive(Debug, Clone, Copy)]
pub struct RunnerOptions {
    /// Whether this process runs the loop at all.
    pub enabled: bool,
    /// Jobs claimed and run at once.
    pub concurrency: usize,
    /// How often the loop looks for due jobs.
    pub poll_interval: Duration,
    /// How long one handler may run ([`RUN_LIMIT`]; tests shorten it).
    pub run_limit: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            run_limit: RUN_LIMIT.to_std().unwrap_or(Duration::from_secs(270)),
        }
    }
}

/// What one round of the runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Jobs claimed.
    pub claimed: usize,
    /// Of those, succeeded.
    pub succeeded: usize,
    /// Of those, failed (retried later or given up).
    pub failed: usize,
}

/// The runner of one process.
#[derive(Clone)]
pub struct JobRunner {
    pool: DbPool,
    clock: Clock,
    handlers: Arc<Handlers>,
    /// This worker's name in leases: unique per process and runner.
    owner: String,
    concurrency: usize,
    run_limit: Duration,
}

impl JobRunner {
    /// A runner with `handlers` on `pool`.
    pub fn new(pool: DbPool, clock: Clock, handlers: Handlers, options: &RunnerOptions) -> Self {
        let owner = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let (concurrency, run_limit) = (options.concurrency.max(1), options.run_limit);
        Self { pool, clock, handlers: Arc::new(handlers), owner, concurrency, run_limit }
    }

    /// This worker's name in leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Claims the jobs due now (up to the concurrency), runs them at once and
    /// records each outcome.
    pub async fn run_round(&self) -> Result<RoundReport, StoreError> {
        let (pool, owner, now) = (self.pool.clone(), self.owner.clone(), self.clock.now());
        let limit = i64::try_from(self.concurrency).unwrap_or(1);
        let claimed = blocking(&pool, move |conn| {
            write_transaction(conn, |tx| persistence::jobs::claim(tx, &owner, now, now + LEASE, limit))
        })
        .await?;
        let mut report = RoundReport { claimed: claimed.len(), ..RoundReport::default() };
        let runs = claimed.into_iter().map(|job| self.run_one(job));
        for succeeded in futures_util::future::join_all(runs).await {
            if succeeded? {
                report.succeeded += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(report)
    }

    /// Runs rounds until none finds a due job (tests: "run due jobs now").
    pub async fn run_until_idle(&self) -> Result<RoundReport, StoreError> {
        let mut total = RoundReport::default();
        loop {
            let round = self.run_round().await?;
            if round.claimed == 0 {
                return Ok(total);
            }
            total.claimed += round.claimed;
            total.succeeded += round.succeeded;
            total.failed += round.failed;
        }
    }

    /// Runs rounds, every `interval` while idle, until `stop` turns true
    /// (or its sender is gone); a round under way is finished first, so
    /// that a process shutting down leaves no job waiting out its lease.
    pub async fn run_until(self, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        while !*stop.borrow() {
            match self.run_round().await {
                Ok(round) if round.claimed > 0 => continue,
                Ok(_) => {}
                Err(error) => log::warn!("jobs: {error}"),
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                changed = stop.changed() => if changed.is_err() { return },
            }
        }
    }

    async fn run_one(&self, job: JobRecord) -> Result<bool, StoreError> {
        let (id, attempts, max_attempts) = (job.id.clone(), job.attempts, job.max_attempts);
        let outcome = match self.handlers.0.get(job.kind.as_str()) {
            Some(handler) => {
                let context = JobContext { pool: self.pool.clone(), clock: self.clock.clone(), job };
                // On a task of its own, future built there too: a handler that
                // panics fails its job, not the runner's loop. One that runs
                // past the limit is stopped before its lease can lapse.
                let handler = Arc::clone(handler);
                let mut task = tokio::spawn(async move { handler(context).await });
                match tokio::time::timeout(self.run_limit, &mut task).await {
                    Ok(joined) => joined.unwrap_or_else(|e| Err(format!("the handler panicked: {e}"))),
                    Err(_) => {
                        task.abort();
                        Err(format!("stopped after running for its time limit of {:?}", self.run_limit))
                    }
                }
            }
            None => Err(format!("no handler for jobs of kind {:?}", job.kind)),
        };
        let (pool, owner, now) = (self.pool.clone(), self.owner.clone(), self.clock.now());
        let succeeded = outcome.is_ok();
        blocking(&pool, move |conn| {
            let recorded = match &outcome {
                Ok(()) => persistence::jobs::succeed(conn, &id, &owner, now)?,
                Err(error) => {
                    let retry_at = match after_failure(attempts, max_attempts, rand::random::<f64>()) {
                        AfterFailure::RetryIn(delay) => Some(now + delay),
                        AfterFailure::GiveUp => None,
                    };
                    log::warn!("job {id} failed (attempt {attempts} of {max_attempts}): {error}");
                    persistence::jobs::fail(conn, &id, &owner, error, retry_at, now)?
                }
            };
            if !recorded {
                log::warn!("job {id}: the lease lapsed before the outcome was recorded; another worker has it");
            }
            Ok(())
        })
        .await?;
        Ok(succeeded)
    }
}

/// Runs storage work for a job off the async threads.
pub async fn blocking<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut persistence::DbConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(StoreError::Unavailable)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Config(format!("job worker thread: {e}")))?
}
