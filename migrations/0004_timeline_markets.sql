-- Version 3 -> 4: the market each timeline trades on; timelines stored before markets were
-- added are NASDAQ-100 ones.
ALTER TABLE positions ADD COLUMN market TEXT NOT NULL DEFAULT 'nasdaq100';
-- A market's models are found without visiting the others'.
CREATE INDEX IF NOT EXISTS idx_positions_market ON positions (market, model);
