-- Mail is sent by jobs of the job runner now: a message queued before, and
-- neither sent nor given up, gets the job that sends it.
INSERT INTO jobs (id, kind, payload, unique_key, status, run_at, attempts, max_attempts,
                  lease_owner, lease_expires_at, last_error, created_at, finished_at)
SELECT 'outbox-' || id, 'send-email', '{"message_id":"' || id || '"}', 'send-email:' || id, 'queued',
       next_attempt_at, 0, 8, NULL, NULL, NULL, created_at, NULL
FROM email_outbox
WHERE sent_at IS NULL AND failed_at IS NULL;
