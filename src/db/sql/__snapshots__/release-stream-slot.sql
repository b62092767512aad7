delete from "sse_stream_slots" where "stream_id" = $1;
-- 1 parameters
