-- Version 2 -> 3: what each model-day cost (cached and reasoning tokens, USD), and every LLM
-- response recorded with the hash of the request that produced it (resume and replay).
ALTER TABLE job_details ADD COLUMN cached_tokens INTEGER;
ALTER TABLE job_details ADD COLUMN reasoning_tokens INTEGER;
ALTER TABLE job_details ADD COLUMN cost_usd REAL;
ALTER TABLE reasoning_logs ADD COLUMN request_hash TEXT;
ALTER TABLE reasoning_logs ADD COLUMN response TEXT;
CREATE INDEX IF NOT EXISTS idx_job_details_spent ON job_details (model, date)
    WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL OR cost_usd IS NOT NULL;
