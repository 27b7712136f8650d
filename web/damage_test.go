package web

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestDamagedDatabase: a request that meets a damaged file is a 500 that
// says so, and the server goes on answering.
func TestDamagedDatabase(t *testing.T) {
	path := fixtureDB(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cut short, as a full disk or a bad copy leaves it: bbolt would map
	// pages past the end and the first read would be a SIGBUS.
	if err := os.Truncate(path, info.Size()/3); err != nil {
		t.Fatal(err)
	}
	srv := start(t, path)
	for _, p := range []string{"/stories", "/events", "/events.csv", "/stories/abc", "/feed.atom", "/", "/stories"} {
		r := get(t, srv, p)
		if r.status != http.StatusInternalServerError || !strings.Contains(string(r.body), "the database is damaged") {
			t.Errorf("GET %s: %d %s; want 500 saying the database is damaged", p, r.status, r.body)
		}
	}
	if r := get(t, srv, "/healthz"); r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "damaged") {
		t.Errorf("GET /healthz: %d %s; want 503 saying the database is damaged", r.status, r.body)
	}
}
