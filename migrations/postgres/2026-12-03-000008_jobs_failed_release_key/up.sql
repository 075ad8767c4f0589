-- A job given up releases its unique key, so that the work can be enqueued
-- again (the next node that wants it, or an operator, after a fix); a key
-- stays taken while its job is queued, running or succeeded.
DROP INDEX jobs_unique_key;
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE status <> 'failed';
-- Operators list jobs newest first.
CREATE INDEX jobs_listed_idx ON jobs (created_at, id);
