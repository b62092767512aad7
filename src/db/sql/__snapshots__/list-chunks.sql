select "c"."seq", "c"."text", "c"."start_offset", "c"."end_offset", "c"."page", "c"."page_end", "c"."heading_path", "c"."token_count", "e"."model", "e"."dimensions", "e"."vector" from "chunks" as "c" left join "embeddings" as "e" on "e"."chunk_id" = "c"."id" where "c"."job_id" = $1 and "c"."seq" > $2 order by "c"."seq" limit $3;
-- 3 parameters
