DROP TABLE account_group_members;
DROP TABLE account_groups;
ALTER TABLE accounts DROP COLUMN scim_attributes;
DROP TABLE scim_connections;
