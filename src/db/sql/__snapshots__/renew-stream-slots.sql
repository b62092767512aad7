update "sse_stream_slots" set "expires_at" = now() + make_interval(secs => $1) where "holder" = $2;
-- 2 parameters
