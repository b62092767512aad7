select count(*) as "n" from "sse_stream_slots" where "tenant_id" = $1 and "expires_at" > now();
-- 1 parameters
