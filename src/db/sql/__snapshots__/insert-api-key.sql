insert into "tenants" ("id") values ($1) on conflict do nothing;
-- 1 parameters

insert into "api_keys" ("tenant_id", "key_hash", "key_prefix", "label") values ($1, $2, $3, $4) on conflict ("key_hash") do nothing returning "id", "created_at";
-- 4 parameters
