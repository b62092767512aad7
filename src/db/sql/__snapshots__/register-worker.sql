insert into "workers" ("id", "backend_pid") values ($1, $2) on conflict ("id") do update set "backend_pid" = "excluded"."backend_pid", "heartbeat_at" = now();
-- 2 parameters
