DROP TABLE customer_domains;
DROP TABLE customers;
DROP TABLE refresh_tokens;
DROP TABLE admins;
DROP TABLE msps;
