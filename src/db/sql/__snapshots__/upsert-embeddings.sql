insert into "embeddings" ("chunk_id", "job_id", "model", "dimensions", "vector") values ($1, $2, $3, $4, $5::real[]) on conflict ("chunk_id") do update set "model" = "excluded"."model", "dimensions" = "excluded"."dimensions", "vector" = "excluded"."vector";
-- 5 parameters
