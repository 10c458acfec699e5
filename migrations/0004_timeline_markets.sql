-- Version 3 -> 4: the market each timeline trades on; timelines stored before markets were
-- added are NASDAQ-100 ones.
ALTER TABLE positions ADD COLUMN market TEXT NOT NULL DEFAULT 'nasdaq100';
