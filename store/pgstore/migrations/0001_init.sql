-- Schema version 1: articles, their events, feed states and finished WARC
-- files, as the bbolt store keeps them (see package store).
--
-- Keys and the text that orders results are COLLATE "C", so that order is
-- byte order, as in bbolt and Go's sort, whatever the database's locale.
-- Times are timestamptz (to the microsecond); an article's times also keep
-- their zone offset, in seconds, as the bbolt store does. A zero time is
-- NULL.

CREATE TABLE articles (
	id               text COLLATE "C" PRIMARY KEY,
	key              text COLLATE "C" NOT NULL,
	feed             text NOT NULL,
	url              text NOT NULL,
	title            text NOT NULL,
	published        timestamptz,
	published_offset integer NOT NULL,
	text             text NOT NULL,
	text_from        text NOT NULL,
	fetched          timestamptz,
	fetched_offset   integer NOT NULL,
	warc_file        text NOT NULL,
	warc_offset      bigint NOT NULL,
	warc_length      bigint NOT NULL,
	-- The version of the extractor that last read the article; NULL
	-- until a Save names one.
	extracted_by     text
);

-- Seen looks articles up by item key.
CREATE INDEX articles_key ON articles (key);

CREATE TABLE events (
	id           text COLLATE "C" PRIMARY KEY,
	article_id   text COLLATE "C" NOT NULL REFERENCES articles (id),
	country      text COLLATE "C" NOT NULL,
	service      text COLLATE "C" NOT NULL,
	action       text COLLATE "C" NOT NULL,
	-- date is as extracted (YYYY, YYYY-MM or YYYY-MM-DD); date_start and
	-- date_end are the first and last day it stands for. Events sort by
	-- date_start, and a range of dates keeps an event whose days overlap
	-- it.
	date         text NOT NULL,
	date_start   date NOT NULL,
	date_end     date NOT NULL,
	reason       text NOT NULL,
	evidence     text[],
	confidence   double precision NOT NULL,
	source_url   text NOT NULL,
	source_title text NOT NULL,
	published    text COLLATE "C" NOT NULL,
	feed         text COLLATE "C" NOT NULL,
	extractor    text NOT NULL,
	warc_file    text NOT NULL,
	warc_offset  bigint NOT NULL,
	warc_length  bigint NOT NULL,
	first_seen   timestamptz,
	-- The reason, the source title and each evidence sentence in lower
	-- case, as Go folds it, for Filter.Text: PostgreSQL's lower() folds
	-- by the database's locale, ASCII alone under "C".
	search       text[] NOT NULL
);

-- The order of every listing, newest first.
CREATE INDEX events_order ON events (date_start DESC, published DESC, id);
-- The country, service and action filters, each with dates.
CREATE INDEX events_country_date ON events (country, date_start);
CREATE INDEX events_service_date ON events (service, date_start);
CREATE INDEX events_action_date ON events (action, date_start);
-- Saving an article again finds the events it had.
CREATE INDEX events_article ON events (article_id);

CREATE TABLE feeds (
	url           text COLLATE "C" PRIMARY KEY,
	etag          text NOT NULL,
	last_modified text NOT NULL,
	last_fetched  timestamptz,
	last_ok       timestamptz,
	last_status   integer NOT NULL,
	last_error    text NOT NULL
);

CREATE TABLE warc_files (
	name     text COLLATE "C" PRIMARY KEY,
	finished timestamptz,
	records  bigint NOT NULL,
	pages    bigint NOT NULL,
	articles bigint NOT NULL,
	events   bigint NOT NULL
);
