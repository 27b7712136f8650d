-- Schema version 2: stories, the events of one country, service and
-- action reported within the story window of each other, grouped by Save
-- as the bbolt store groups them (see package store, "Stories").
--
-- A story's derived fields are kept as the bbolt store keeps them, so the
-- two list the same stories in the same order. span_from and span_to are
-- the days its events cover, partial dates widened to their whole period,
-- which grouping compares new events against; last_start is the first
-- day of last, which listings go by, newest first.

CREATE TABLE stories (
	id          text COLLATE "C" PRIMARY KEY,
	country     text COLLATE "C" NOT NULL,
	service     text COLLATE "C" NOT NULL,
	action      text COLLATE "C" NOT NULL,
	first       text NOT NULL,
	first_start date NOT NULL,
	last        text NOT NULL,
	last_start  date NOT NULL,
	last_end    date NOT NULL,
	date        text NOT NULL,
	reason      text NOT NULL,
	sources     integer NOT NULL,
	feeds       text[] COLLATE "C" NOT NULL,
	confidence  double precision NOT NULL,
	created     timestamptz NOT NULL,
	updated     timestamptz NOT NULL,
	span_from   date NOT NULL,
	span_to     date NOT NULL
);

-- Grouping finds the stories of a triple that end near an event's days.
CREATE INDEX stories_triple ON stories (country, service, action, span_to);
-- The order of every listing.
CREATE INDEX stories_order ON stories (last_start DESC, created DESC, id);
-- "What changed since the last run".
CREATE INDEX stories_updated ON stories (updated);

-- What a story keeps of each of its events, as they were when grouped, so
-- that a story is recomputed without reading its events, and a Save can
-- tell an event that changed from one that did not. No foreign key to
-- events: a Save writes these under its lock on the triple, after its
-- events, and a key lock on another Save's event row could deadlock it.
CREATE TABLE story_events (
	event_id   text COLLATE "C" PRIMARY KEY,
	story_id   text COLLATE "C" NOT NULL REFERENCES stories (id),
	date       text NOT NULL,
	date_start date NOT NULL,
	reason     text NOT NULL,
	confidence double precision NOT NULL,
	article_id text COLLATE "C" NOT NULL,
	feed       text COLLATE "C" NOT NULL,
	published  text COLLATE "C" NOT NULL
);

-- A story's events, in the order of Story.EventIDs.
CREATE INDEX story_events_story ON story_events (story_id, date_start DESC, published DESC, event_id);
