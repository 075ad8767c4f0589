-- The jobs made for mail queued before the job runner sent it.
DELETE FROM jobs WHERE kind = 'send-email' AND id LIKE 'outbox-%';
