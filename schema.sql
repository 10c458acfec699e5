-- AI-Trader Service results database: six tables (SPEC §3), at the schema version of
-- service/db.py SCHEMA_VERSION. A new database is made from this file; an existing one is
-- upgraded by migrations/ (each change here comes with a migration to the next version).

CREATE TABLE IF NOT EXISTS jobs (
    job_id        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL DEFAULT 'simulation' CHECK (kind IN ('simulation', 'import')),
    status        TEXT NOT NULL CHECK (status IN
                      ('pending', 'running', 'completed', 'partial', 'failed', 'cancelled')),
    start_date    TEXT,
    end_date      TEXT NOT NULL,
    models        TEXT NOT NULL,             -- JSON list of signatures
    config        TEXT NOT NULL,             -- JSON snapshot of models and agent_config, no keys
    options       TEXT NOT NULL DEFAULT '{}',-- JSON request options
    error         TEXT,
    warnings      TEXT NOT NULL DEFAULT '[]',-- JSON list of strings
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    completed_at  TEXT
);
CREATE INDEX IF NOT EXISTS idx_jobs_created ON jobs (created_at);
CREATE INDEX IF NOT EXISTS idx_jobs_status ON jobs (status, created_at);

-- Columns added by a migration carry no comment here (an upgraded table could not have it):
-- cached_tokens are those of prompt_tokens the provider had cached, reasoning_tokens those of
-- completion_tokens spent reasoning, cost_usd comes from the model's pricing (NULL without).
-- A pull agent's model-step waits in awaiting_agent with a session: its id, the SHA-256 of the
-- token handed to the agent, when it expires, and what the agent did in it (JSON).
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
CREATE INDEX IF NOT EXISTS idx_job_details_job_status ON job_details (job_id, status);
-- A timeline's spending reads only the model-days that reported tokens or a cost.
CREATE INDEX IF NOT EXISTS idx_job_details_spent ON job_details (model, date)
    WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL OR cost_usd IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS idx_job_details_session ON job_details (session_id)
    WHERE session_id IS NOT NULL;

-- market (added by a migration) is the market the timeline trades on, the same on every row
-- of a model.
CREATE TABLE IF NOT EXISTS positions (
    id                     INTEGER PRIMARY KEY,
    job_id                 TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    date                   TEXT NOT NULL,
    model                  TEXT NOT NULL,
    action_id              INTEGER NOT NULL,
    action_type            TEXT NOT NULL CHECK (action_type IN ('init', 'buy', 'sell', 'hold')),
    symbol                 TEXT,
    amount                 INTEGER,
    price                  REAL,
    cash                   REAL NOT NULL,
    portfolio_value        REAL NOT NULL,
    daily_profit           REAL NOT NULL,
    daily_return_pct       REAL NOT NULL,
    cumulative_profit      REAL NOT NULL,
    cumulative_return_pct  REAL NOT NULL,
    created_at             TEXT NOT NULL,
    market                 TEXT NOT NULL DEFAULT 'nasdaq100',
    UNIQUE (model, date, action_id)
);
CREATE INDEX IF NOT EXISTS idx_positions_date ON positions (date, model, action_id);
CREATE INDEX IF NOT EXISTS idx_positions_job ON positions (job_id, model, date);
-- A market's models are found without visiting the others'.
CREATE INDEX IF NOT EXISTS idx_positions_market ON positions (market, model);
-- Trades only: the leaderboard's and the metrics' trade counts read no other row.
CREATE INDEX IF NOT EXISTS idx_positions_trades ON positions (model, date)
    WHERE action_type IN ('buy', 'sell');

CREATE TABLE IF NOT EXISTS holdings (
    id           INTEGER PRIMARY KEY,
    position_id  INTEGER NOT NULL REFERENCES positions (id) ON DELETE CASCADE,
    symbol       TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    UNIQUE (position_id, symbol)
);

-- An assistant turn keeps request_hash, the SHA-256 of the request sent, and response, the
-- provider's answer as JSON: a resumed model-day pays no call twice and a replay needs none.
CREATE TABLE IF NOT EXISTS reasoning_logs (
    id           INTEGER PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    date         TEXT NOT NULL,
    model        TEXT NOT NULL,
    step_number  INTEGER NOT NULL,
    timestamp    TEXT NOT NULL,
    role         TEXT NOT NULL,
    content      TEXT,
    tool_name    TEXT,
    request_hash TEXT,
    response     TEXT
);
CREATE INDEX IF NOT EXISTS idx_reasoning_model_date ON reasoning_logs (model, date, step_number);
CREATE INDEX IF NOT EXISTS idx_reasoning_job ON reasoning_logs (job_id);

CREATE TABLE IF NOT EXISTS tool_usage (
    id                      INTEGER PRIMARY KEY,
    job_id                  TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    date                    TEXT NOT NULL,
    model                   TEXT NOT NULL,
    tool_name               TEXT NOT NULL,
    call_count              INTEGER NOT NULL,
    total_duration_seconds  REAL NOT NULL,
    UNIQUE (model, date, tool_name)
);
CREATE INDEX IF NOT EXISTS idx_tool_usage_job ON tool_usage (job_id);
