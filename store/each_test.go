package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// EachEvent streams what Events returns, in the same order, and both
// agree with the filter and the order written out by hand.
func TestEachEventMatchesBruteForce(t *testing.T) {
	db := openTemp(t)
	// More events than a scan decodes between releasing the pages it read,
	// so that a walk of all of them releases some.
	db.releaseEvery = 1024
	stored := randomStore(t, db, 2*db.releaseEvery+100, 11)
	for _, f := range []Filter{
		{},
		{Limit: 7},
		{Since: "2018", Until: "2018"},
		{Since: "2017-01-01", Until: "2017-01-01"},
		{Countries: []string{"RU", "ir"}},
		{Countries: []string{"RU"}, Since: "2017-06", Limit: 30},
		{Services: []string{"telegram"}, Actions: []string{"block", "fine"}},
		{Text: "encryption", MinConfidence: 0.6},
		{Feeds: []string{"bbc"}, Until: "2017"},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var streamed []event.Record
			err := db.EachEvent(f, func(e event.Record) error {
				streamed = append(streamed, e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := bruteEvents(stored, f)
			if len(want) == 0 {
				t.Fatal("the filter matches nothing; the test proves nothing")
			}
			if !slices.Equal(ids(streamed), ids(want)) {
				t.Errorf("EachEvent gave %d events\n%v\nwant %d\n%v", len(streamed), ids(streamed), len(want), ids(want))
			}
			all, err := db.Events(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(all, streamed) {
				t.Error("Events and EachEvent differ")
			}
		})
	}
}

// bruteEvents filters with matches and sorts newest first by the first
// day of the date, then the latest published, then id.
func bruteEvents(stored map[string]event.Event, f Filter) []event.Record {
	firstDay := func(d string) string {
		switch len(d) {
		case 4:
			return d + "-01-01"
		case 7:
			return d + "-01"
		}
		return d
	}
	var out []event.Record
	for _, e := range stored {
		if matches(f, e) {
			out = append(out, event.Record{Event: e})
		}
	}
	slices.SortFunc(out, func(a, b event.Record) int {
		if c := strings.Compare(firstDay(b.Date), firstDay(a.Date)); c != 0 {
			return c
		}
		if c := strings.Compare(b.Published, a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}

// An error from fn stops the walk at once, comes back unchanged and
// leaves no transaction open.
func TestEachEventStopsOnCallbackError(t *testing.T) {
	db := openTemp(t)
	randomStore(t, db, 100, 12)
	stop := errors.New("enough")
	calls := 0
	err := db.EachEvent(Filter{}, func(event.Record) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("EachEvent returned %v, want the callback's error itself", err)
	}
	if calls != 3 {
		t.Errorf("fn called %d times after failing on the 3rd", calls)
	}
	if n := db.bolt.Stats().OpenTxN; n != 0 {
		t.Errorf("%d read transactions left open", n)
	}
	// A limit stops it too, without an error.
	calls = 0
	if err := db.EachEvent(Filter{Limit: 5}, func(event.Record) error { calls++; return nil }); err != nil || calls != 5 {
		t.Errorf("EachEvent with Limit 5: %d calls, %v", calls, err)
	}
}

// A damaged event fails the walk where it is met: the newer events have
// been passed on, the older ones are not.
func TestEachEventDecodeError(t *testing.T) {
	db := openTemp(t)
	b := specBatch(t,
		"a1 rferl RU telegram block 2018-04-16",
		"a2 rferl IR telegram restrict 2018-03-01",
		"a3 rferl CN google block 2017-05-05",
	)
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	damaged := b.Articles[1].Events[0].ID
	err := db.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketEvents).Put(eventKey("2018-03-01", damaged), []byte("{damaged"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = db.EachEvent(Filter{}, func(e event.Record) error {
		got = append(got, e.Country)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "decode event "+damaged) || !strings.Contains(err.Error(), db.Path()) {
		t.Errorf("EachEvent error = %v, want one naming the event and the file", err)
	}
	if !slices.Equal(got, []string{"RU"}) {
		t.Errorf("before failing EachEvent passed %v, want [RU]", got)
	}
}
