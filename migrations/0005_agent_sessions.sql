-- Version 4 -> 5: pull agents. A model-step waits in awaiting_agent while its agent's session
-- is open; the session's id, token hash, expiry and record are columns of job_details. SQLite
-- cannot change a CHECK constraint, so the table is made anew and its rows copied.
ALTER TABLE job_details RENAME TO job_details_v4;
CREATE TABLE IF NOT EXISTS job_details (
    id                 INTEGER PRIMARY KEY,
    job_id             TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    date               TEXT NOT NULL,
    model              TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN
                           ('pending', 'running', 'awaiting_agent', 'completed', 'failed',
                            'skipped')),
    reason             TEXT,                 -- why a model-day was skipped
    error              TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    started_at         TEXT,
    completed_at       TEXT,
    duration_seconds   REAL,
    prompt_tokens      INTEGER,
    completion_tokens  INTEGER,
    cached_tokens      INTEGER,
    reasoning_tokens   INTEGER,
    cost_usd           REAL,
    session_id         TEXT,
    session_token_hash TEXT,
    session_expires_at TEXT,
    session            TEXT,
    UNIQUE (job_id, model, date)
);
INSERT INTO job_details (
    id, job_id, date, model, status, reason, error, attempts, started_at, completed_at,
    duration_seconds, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd)
SELECT
    id, job_id, date, model, status, reason, error, attempts, started_at, completed_at,
    duration_seconds, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd
FROM job_details_v4;
DROP TABLE job_details_v4;
CREATE INDEX IF NOT EXISTS idx_job_details_job_status ON job_details (job_id, status);
-- A timeline's spending reads only the model-days that reported tokens or a cost.
CREATE INDEX IF NOT EXISTS idx_job_details_spent ON job_details (model, date)
    WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL OR cost_usd IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS idx_job_details_session ON job_details (session_id)
    WHERE session_id IS NOT NULL;
