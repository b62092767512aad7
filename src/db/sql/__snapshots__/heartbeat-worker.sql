update "workers" set "heartbeat_at" = now() where "id" = $1;
-- 1 parameters
