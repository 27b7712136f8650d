package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/internal/race"
	"github.com/policywatch/policywatch/store"
	"go.etcd.io/bbolt"
)

// bigDB makes a database of some hundred articles, large enough that
// its buckets span pages, and returns its path. Its pages land the same
// on nearly every run (see canonicalCopy), so that a test damaging given
// bytes damages the same records each time.
func bigDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "made.db")
	fillDB(t, path, "events.jsonl")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b store.Batch
	for n := range 150 {
		pub := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 9*n)
		a := ingest.Article{
			Key: fmt.Sprintf("https://news.example/%d", n), URL: fmt.Sprintf("https://news.example/%d", n),
			Feed: "Example", Title: fmt.Sprintf("Report %d", n), Published: pub, Fetched: pub,
			Text: strings.Repeat("What happened that day. ", 60), TextFrom: "page",
		}
		a.ID = ingest.ArticleID(a.Key)
		country := []string{"IR", "RU", "TR", "CN"}[n%4]
		e := event.Event{
			ID: event.ID(a.ID, country, "telegram", event.Block), Country: country, Service: "telegram",
			Action: event.Block, Date: pub.Format(time.DateOnly), Confidence: 0.9, ArticleID: a.ID,
			SourceURL: a.URL, SourceTitle: a.Title, Feed: a.Feed, Published: pub.Format(time.DateOnly),
			Evidence: []string{"Telegram was blocked."},
		}
		b.Articles = append(b.Articles, store.ArticleEvents{Article: a, Events: []event.Event{e}})
	}
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	canonical := filepath.Join(t.TempDir(), "policywatch.db")
	if err := canonicalCopy(path, canonical); err != nil {
		t.Fatal(err)
	}
	return canonical
}

// canonicalCopy copies the bbolt file at from into a new file at to, one
// transaction per bucket, in key order. bbolt writes the buckets a
// transaction touched in map order, so where a store's pages land
// differs from run to run, and the bytes a seed flips held a record on
// one run and a page's child pointer on another. Only the times the
// store stamps still vary, which once in some runs moves where a page
// splits.
func canonicalCopy(from, to string) error {
	src, err := bbolt.Open(from, 0o644, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := bbolt.Open(to, 0o644, nil)
	if err != nil {
		return err
	}
	defer dst.Close()
	var names [][]byte
	err = src.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		err := dst.Update(func(dtx *bbolt.Tx) error {
			b, err := dtx.CreateBucket(name)
			if err != nil {
				return err
			}
			return src.View(func(stx *bbolt.Tx) error {
				return stx.Bucket(name).ForEach(b.Put)
			})
		})
		if err != nil {
			return err
		}
	}
	return dst.Close()
}

// readCommands are the commands that only read the database.
var readCommands = [][]string{
	{"query"},
	{"query", "--country", "RU", "--format", "csv"},
	{"query", "--stories"},
	{"stats"},
	{"stats", "--country", "IR"},
	{"export", "--format", "jsonl"},
}

// checkDamageReport fails unless r is exit 4 with a message naming the
// file, what is wrong and what to run.
func checkDamageReport(t *testing.T, what string, r result, path string) {
	t.Helper()
	if r.code != exitDamaged {
		t.Errorf("%s: exit %d, want %d\n%s", what, r.code, exitDamaged, r.stderr)
		return
	}
	if !strings.Contains(r.stderr, path+" is damaged: ") {
		t.Errorf("%s: %q; want it to name %s and say it is damaged", what, r.stderr, path)
	}
	if !strings.Contains(r.stderr, "policywatch check") || !strings.Contains(r.stderr, "policywatch recover") {
		t.Errorf("%s: %q; want it to point to check and recover", what, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine") {
		t.Errorf("%s: a stack trace:\n%s", what, r.stderr)
	}
}

func TestDamagedDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func([]byte) []byte
		// every command reports damage; else some reads may succeed,
		// those that reach the damaged pages fail.
		all bool
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/3] }, true},
		{"8 KB overwritten mid-file", func(b []byte) []byte {
			r := rand.New(rand.NewPCG(10, 1))
			// Pages holding records from the middle of the file on: the
			// very middle may be free pages, whose damage loses nothing
			// to recover. The article URLs are in articles, keys and
			// events as they are; the text is compressed, and since
			// schema version 4 with a dictionary that may hold its words,
			// so it cannot be searched for.
			half := len(b) / 2
			mark := []byte("https://news.example/")
			at := bytes.Index(b[half:], mark)
			if at < 0 {
				at = bytes.LastIndex(b[:half], mark) - half
			}
			mid := max((half+at)/4096*4096, 4*4096) // never the two meta pages
			for i := mid; i < mid+8192; i++ {
				b[i] = byte(r.Uint32())
			}
			return b
		}, false},
	}
	config := writeConfig(t, []ingest.Feed{{Name: "Nowhere", URL: "http://127.0.0.1:1/feed.xml"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := bigDB(t)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			raw = tt.damage(raw)
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, args := range readCommands {
				r := policywatch(t, nil, append(args, "--db", path)...)
				if r.code == exitOK && !tt.all {
					continue
				}
				failed++
				checkDamageReport(t, strings.Join(args, " "), r, path)
			}
			if tt.all && failed == 0 {
				t.Error("every command read the damaged file without noticing")
			}
			r := policywatch(t, nil, "run", "--config", config, "--db", path, "--no-alerts")
			checkDamageReport(t, "run", r, path)
			if !strings.Contains(r.stderr, "not writing to "+path) {
				t.Errorf("run: %q; want it to say it does not write", r.stderr)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, raw) {
				t.Error("run wrote to the damaged file")
			}

			r = policywatch(t, nil, "check", "--db", path)
			if r.code != exitDamaged || !strings.Contains(r.stdout, "problem") {
				t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if _, err := os.Stat(path + ".backup"); err == nil {
				t.Fatal("unexpected file")
			}
			r = policywatch(t, nil, "backup", "--db", path, path+".backup")
			checkDamageReport(t, "backup", r, path)

			out := filepath.Join(t.TempDir(), "recovered.db")
			r = policywatch(t, nil, "recover", "--db", path, out)
			if r.code != exitOK || !strings.Contains(r.stdout, "Could not be read") {
				t.Fatalf("recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			must(t, "check", "--db", out)
			must(t, "query", "--stories", "--db", out)
			must(t, "stats", "--db", out)
		})
	}
}

func TestEmptyDatabaseFileIsNotReinitialised(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	config := writeConfig(t, []ingest.Feed{{Name: "Nowhere", URL: "http://127.0.0.1:1/feed.xml"}})
	for _, args := range [][]string{{"query"}, {"stats"}, {"run", "--config", config, "--no-alerts"}, {"check"}} {
		r := policywatch(t, nil, append(args, "--db", path)...)
		if r.code != exitDamaged || !strings.Contains(r.stderr+r.stdout, "empty") {
			t.Errorf("%s: exit %d, want %d saying the file is empty\n%s%s", args[0], r.code, exitDamaged, r.stdout, r.stderr)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Size() != 0 {
		t.Errorf("the empty file was written to (%v)", err)
	}
}

func TestBackupAndCheckSound(t *testing.T) {
	t.Parallel()
	path := bigDB(t)
	out := must(t, "check", "--db", path)
	if !strings.Contains(out, "no problems found") || !strings.Contains(out, "events: 159") {
		t.Errorf("check of a sound file:\n%s", out)
	}
	// A query holds the file open meanwhile, as serve does.
	reader, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if out := must(t, "backup", "--db", path, backup); !strings.Contains(out, "Backed up") {
		t.Errorf("backup said %q", out)
	}
	if a, b := must(t, "export", "--format", "jsonl", "--db", path), must(t, "export", "--format", "jsonl", "--db", backup); a != b {
		t.Error("the backup exports other events")
	}
	if r := policywatch(t, nil, "recover", "--db", path); r.code != exitUsage {
		t.Errorf("recover without a file: exit %d", r.code)
	}
}

// TestCompactCommand writes a compact copy of a database in use: it
// passes check, exports the same events and stories, and compact
// refuses to write over a file.
func TestCompactCommand(t *testing.T) {
	t.Parallel()
	path := bigDB(t)
	reader, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	to := filepath.Join(t.TempDir(), "compact.db")
	if out := must(t, "compact", "--db", path, to); !strings.Contains(out, "Compacted "+path) {
		t.Errorf("compact said %q", out)
	}
	if out := must(t, "check", "--db", to); !strings.Contains(out, "no problems found") {
		t.Errorf("check of the compact copy:\n%s", out)
	}
	for _, args := range [][]string{{"export", "--format", "jsonl"}, {"export", "--format", "csv"}, {"query", "--stories", "--format", "json"}} {
		if a, b := must(t, append(args, "--db", path)...), must(t, append(args, "--db", to)...); a != b {
			t.Errorf("%s of the compact copy differs", args[0])
		}
	}
	if r := policywatch(t, nil, "compact", "--db", path, to); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("compact onto an existing file: exit %d\n%s", r.code, r.stderr)
	}
}

// TestDamageFaultInjection runs every reading command and run on the
// database damaged at random, one seed each: none panics (which would
// end the test binary), each either succeeds or reports the damage as
// such, and recover always makes a file that passes check.
func TestDamageFaultInjection(t *testing.T) {
	t.Parallel()
	seeds := 9
	if testing.Short() || race.Enabled {
		seeds = 3
	}
	sound := bigDB(t)
	orig, err := os.ReadFile(sound)
	if err != nil {
		t.Fatal(err)
	}
	config := writeConfig(t, []ingest.Feed{{Name: "Nowhere", URL: "http://127.0.0.1:1/feed.xml"}})
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		raw := bytes.Clone(orig)
		var what string
		switch seed % 3 {
		case 0:
			n := 8192 + r.IntN(len(raw)-8192)
			raw, what = raw[:n], fmt.Sprintf("cut to %d bytes", n)
		case 1:
			for range 20 {
				raw[8192+r.IntN(len(raw)-8192)] ^= 0xff
			}
			what = "20 bytes flipped"
		default:
			p := 2 + r.IntN(len(raw)/4096-2)
			clear(raw[p*4096 : (p+1)*4096])
			what = fmt.Sprintf("page %d zeroed", p)
		}
		path := filepath.Join(t.TempDir(), "policywatch.db")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: %s", seed, what)
		for _, args := range append(readCommands, []string{"run", "--config", config, "--no-alerts"}, []string{"check"}) {
			res := policywatch(t, nil, append(args, "--db", path)...)
			switch {
			case res.code == exitOK, args[0] == "run" && res.code == exitFailure && strings.Contains(res.stderr, "no feed could be fetched"):
			case args[0] == "check":
				if res.code != exitDamaged || !strings.Contains(res.stdout, "problem") {
					t.Errorf("seed %d: check: exit %d\n%s%s", seed, res.code, res.stdout, res.stderr)
				}
			default:
				checkDamageReport(t, fmt.Sprintf("seed %d: %s", seed, strings.Join(args, " ")), res, path)
			}
		}
		out := filepath.Join(t.TempDir(), "recovered.db")
		must(t, "recover", "--db", path, out)
		must(t, "check", "--db", out)
	}
}
