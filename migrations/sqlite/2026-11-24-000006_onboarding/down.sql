DROP TABLE delivery_tests;
DROP TABLE customer_logos;
DROP TABLE onboarding_steps;
DROP INDEX customers_status_idx;
ALTER TABLE customers DROP COLUMN went_live_at;
