-- Schema version 3: alert records, as the bbolt store keeps them (see
-- store.AlertStore): what became of each rule's alert for each story, so
-- that a story is posted once by a rule however many runs or workers
-- notify at once. A claim is one INSERT ... ON CONFLICT DO UPDATE ...
-- WHERE on the row of (rule, story), which PostgreSQL runs under the
-- row's lock: of two at once, the second sees the first's claim.
--
-- No foreign key to stories: the records outlive a story that regrouping
-- removes, as in the bbolt store.

CREATE TABLE alerts (
	rule       text COLLATE "C" NOT NULL,
	story      text COLLATE "C" NOT NULL,
	state      text NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'gave_up', 'unknown', 'queued')),
	at         timestamptz NOT NULL,
	attempts   integer NOT NULL,
	last_error text NOT NULL,
	PRIMARY KEY (rule, story)
);

-- The time up to which every story made has been considered for alerts:
-- one row at most.
CREATE TABLE alerts_covered (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	covered timestamptz NOT NULL
);

-- Per rule, the time from which it has missed stories (HoldAlerts).
CREATE TABLE alerts_held (
	rule  text COLLATE "C" PRIMARY KEY,
	since timestamptz NOT NULL
);
