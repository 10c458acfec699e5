-- Version 1 -> 2: model-days are looked up by job first; trade counts read a trades-only index.
DROP INDEX IF EXISTS idx_job_details_status;
CREATE INDEX IF NOT EXISTS idx_job_details_job_status ON job_details (job_id, status);
CREATE INDEX IF NOT EXISTS idx_positions_trades ON positions (model, date)
    WHERE action_type IN ('buy', 'sell');
