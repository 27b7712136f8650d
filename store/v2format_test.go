package store

import (
	"encoding/json"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// A frozen copy of how schema version 2 (the format of every store made
// before version 3) wrote events and articles, kept to make such stores
// in tests: they must go on upgrading however the code changes.

func encodeEventV2(r event.Record) ([]byte, error) {
	e := r.Event
	return json.Marshal(storedEventV2{
		ID: e.ID, Country: e.Country, Service: e.Service, Action: e.Action, Date: e.Date,
		Reason: e.Reason, Evidence: e.Evidence, Confidence: e.Confidence,
		ArticleID: e.ArticleID, SourceURL: e.SourceURL, SourceTitle: e.SourceTitle,
		Published: e.Published, Feed: e.Feed, FirstSeen: r.FirstSeen, Extractor: e.Extractor,
		WARCFile: e.WARCFile, WARCOffset: e.WARCOffset, WARCLength: e.WARCLength,
	})
}

func encodeArticleV2(a *ingest.Article) ([]byte, error) {
	return json.Marshal(storedArticleV2{
		ID: a.ID, Key: a.Key, Feed: a.Feed, URL: a.URL, Title: a.Title,
		Published: a.Published, Text: a.Text, TextFrom: a.TextFrom, Fetched: a.Fetched,
		WARCFile: a.WARCFile, WARCOffset: a.WARCOffset, WARCLength: a.WARCLength,
	})
}

// downgradeToV2 turns a closed file into exactly what schema version 2
// wrote for the same saves: events as JSON under their ids, indexed by
// date in idx_date, articles as JSON, no event_dates. Every other bucket
// (stories, alerts, feeds, WARC files, the other indexes, the kept
// tallies and counts) is the same in both versions and is left as it is.
func downgradeToV2(t testing.TB, path string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		type kv struct{ k, v []byte }
		var events, dates, articles []kv
		err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			r, err := decodeEvent(v)
			if err != nil {
				return err
			}
			raw, err := encodeEventV2(r)
			if err != nil {
				return err
			}
			date, _, err := splitEventKey(k)
			if err != nil {
				return err
			}
			events = append(events, kv{[]byte(r.ID), raw})
			dates = append(dates, kv{pairKey(string(date), r.ID), nil})
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketArticles).ForEach(func(k, v []byte) error {
			a, err := decodeArticle(v)
			if err != nil {
				return err
			}
			raw, err := encodeArticleV2(&a)
			articles = append(articles, kv{[]byte(a.ID), raw})
			return err
		})
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketEvents, bucketEventDates, bucketArticles} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		for _, b := range []struct {
			name []byte
			kvs  []kv
		}{{bucketEvents, events}, {bucketIdxDateV2, dates}, {bucketArticles, articles}} {
			bk, err := tx.CreateBucket(b.name)
			if err != nil {
				return err
			}
			for _, e := range b.kvs {
				if err := bk.Put(e.k, e.v); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
}
