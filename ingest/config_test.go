package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/config"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte("feeds:\n  - name: BBC World\n    url: https://feeds.bbci.co.uk/news/world/rss.xml\n"), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.UserAgent != DefaultUserAgent || c.Concurrency != 4 || c.Timeout != 20*time.Second ||
		c.MaxBodyBytes != 5<<20 || c.HostDelay != time.Second || c.MaxRetries != 2 || c.MaxRetryWait != 2*time.Minute {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestParseConfigSettings(t *testing.T) {
	data := `
user_agent: test-agent/1.0
concurrency: 8
timeout: 1m30s
max_body_bytes: 1048576
host_delay: 250ms
max_retries: 5
max_retry_wait: 30s
alerts:
  # read by another package; ignored here whatever it holds
  email: ops@example.org
  rules: [{country: IR}]
feeds:
  - name: EFF Deeplinks
    url: https://www.eff.org/rss/updates.xml
    tags: [rights]
`
	// The alerts section is another package's: config hands ingest the
	// file without it, and an unknown key stays an error.
	cf, err := config.Parse([]byte(data), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(cf.Ingest, cf.Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseConfig([]byte(data), "feeds.yaml"); err == nil || !strings.Contains(err.Error(), `feeds.yaml:9: unknown key "alerts"`) {
		t.Errorf("ingest given the alerts section: %v", err)
	}
	if c.UserAgent != "test-agent/1.0" || c.Concurrency != 8 || c.Timeout != 90*time.Second ||
		c.MaxBodyBytes != 1<<20 || c.HostDelay != 250*time.Millisecond || c.MaxRetries != 5 || c.MaxRetryWait != 30*time.Second {
		t.Errorf("settings not read: %+v", c)
	}
	if len(c.Feeds) != 1 || c.Feeds[0].Name != "EFF Deeplinks" || c.Feeds[0].Tags[0] != "rights" {
		t.Errorf("feeds = %+v", c.Feeds)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string // each must appear in the error
	}{
		{
			name: "unknown key",
			data: "timout: 20s\nfeeds:\n  - name: A\n    url: https://a.example/feed\n",
			want: []string{`feeds.yaml:1: unknown key "timout"`},
		},
		{
			name: "unknown key in a feed",
			data: "feeds:\n  - name: A\n    url: https://a.example/feed\n    tag: [x]\n",
			want: []string{`feeds.yaml:4: unknown key "tag"`},
		},
		{
			name: "duration without unit",
			data: "timeout: 20\nfeeds:\n  - name: A\n    url: https://a.example/feed\n",
			want: []string{"feeds.yaml:1:", "time.Duration"},
		},
		{
			name: "syntax error",
			data: "feeds:\n  - name: A\n   url: [\n",
			want: []string{"feeds.yaml:"},
		},
		{
			name: "negative settings",
			data: "concurrency: -1\nhost_delay: -1s\nmax_retries: -1\nmax_retry_wait: -1m\nfeeds:\n  - name: A\n    url: https://a.example/feed\n",
			want: []string{"feeds.yaml: concurrency -1 must be at least 1", "feeds.yaml: host_delay -1s must not be negative",
				"feeds.yaml: max_retries -1 must not be negative", "feeds.yaml: max_retry_wait -1m0s must not be negative"},
		},
		{
			name: "allow_private entries that are not hosts",
			data: "allow_private: [\"localhost:8080\", \"http://intranet\", 10.0.0.0/33, localhost]\nfeeds:\n  - name: A\n    url: https://a.example/feed\n",
			want: []string{`feeds.yaml: allow_private: "localhost:8080" is neither a host name, an IP address nor a CIDR prefix`,
				`allow_private: "http://intranet" is neither`, `allow_private: "10.0.0.0/33" is neither`},
		},
		{
			name: "no feeds",
			data: "timeout: 5s\n",
			want: []string{"feeds.yaml: no feeds configured"},
		},
		{
			name: "every feed problem at once, with lines",
			data: `feeds:
  - name: Good
    url: https://good.example/feed
  - name: Relative
    url: /feed.xml
  - name: BBC World
    url: htp:/x
  - name: good
    url: https://other.example/feed
  - name: ""
    url: https://GOOD.example/feed#top
  - name: FTP
    url: ftp://files.example/feed
`,
			want: []string{
				`feeds.yaml:4: feed 2 ("Relative"): url "/feed.xml" is not an absolute http(s) URL`,
				`feeds.yaml:6: feed 3 ("BBC World"): url "htp:/x" is not an absolute http(s) URL`,
				`feeds.yaml:8: feed 4 ("good"): duplicate name, also feed 1`,
				`feeds.yaml:10: feed 5: empty name`,
				`feeds.yaml:10: feed 5: duplicate url "https://GOOD.example/feed#top", also feed 1`,
				`feeds.yaml:12: feed 6 ("FTP"): url "ftp://files.example/feed" is not an absolute http(s) URL`,
			},
		},
		{
			name: "unknown key and invalid feed reported together",
			data: "colour: blue\nfeeds:\n  - name: A\n    url: nope\n",
			want: []string{`feeds.yaml:1: unknown key "colour"`, `feeds.yaml:3: feed 1 ("A"): url "nope"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.data), "feeds.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Config{Feeds: []Feed{{Name: "A", URL: "x"}}}
	c.applyDefaults()
	err := c.Validate()
	if err == nil || err.Error() != `feed 1 ("A"): url "x" is not an absolute http(s) URL` {
		t.Errorf("Validate() = %v", err)
	}
}

// The feed list the project ships must load, and cover what the brief and
// the README promise: world, tech, rights and regional sources.
func TestShippedFeedsYAML(t *testing.T) {
	f, err := config.Load("../feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(f.Ingest, f.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Feeds) < 16 {
		t.Errorf("%d feeds, want at least 16", len(c.Feeds))
	}
	tags := map[string]int{}
	for _, f := range c.Feeds {
		if len(f.Tags) == 0 {
			t.Errorf("feed %q has no tags", f.Name)
		}
		for _, tag := range f.Tags {
			tags[tag]++
		}
	}
	for _, want := range []string{"world", "tech", "rights", "regional", "iran", "russia", "india", "turkey", "china", "africa"} {
		if tags[want] == 0 {
			t.Errorf("no feed tagged %q", want)
		}
	}
	if c.UserAgent == "" || c.Timeout <= 0 || c.HostDelay <= 0 {
		t.Errorf("settings: %+v", c)
	}
}

// A zero written in the file is meant: only a key left out takes its
// default. Zero is no delay and no retries; where zero cannot work (a
// zero timeout, body cap or concurrency) it is an error, not a default.
func TestParseConfigZeroIsZero(t *testing.T) {
	const feeds = "feeds:\n  - name: A\n    url: https://a.example/feed\n"
	c, err := ParseConfig([]byte("host_delay: 0s\nmax_retries: 0\nmax_retry_wait: 0\n"+feeds), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HostDelay != 0 || c.MaxRetries != 0 || c.MaxRetryWait != 0 {
		t.Errorf("host_delay %s, max_retries %d, max_retry_wait %s; want all zero", c.HostDelay, c.MaxRetries, c.MaxRetryWait)
	}
	// NewFetcher keeps them zero too.
	if got := NewFetcher(c, nil).Config(); got.HostDelay != 0 || got.MaxRetries != 0 || got.MaxRetryWait != 0 {
		t.Errorf("fetcher runs with host_delay %s, max_retries %d, max_retry_wait %s; want all zero", got.HostDelay, got.MaxRetries, got.MaxRetryWait)
	}

	_, err = ParseConfig([]byte("user_agent: \"\"\nconcurrency: 0\ntimeout: 0s\nmax_body_bytes: 0\n"+feeds), "feeds.yaml")
	for _, w := range []string{
		"feeds.yaml: user_agent must not be empty",
		"feeds.yaml: concurrency 0 must be at least 1",
		"feeds.yaml: timeout 0s must be positive",
		"feeds.yaml: max_body_bytes 0 must be positive",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
}

// max_retries: 0 gives up on a 429 at once, and host_delay: 0s lets the
// next request to the host go without waiting.
func TestZeroRetriesAndDelayFetch(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if r.URL.Path == "/busy" {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(readTestdata(t, "feeds", "rights.json"))
	}))
	defer srv.Close()
	c, err := ParseConfig([]byte("host_delay: 0s\nmax_retries: 0\nallow_private: [127.0.0.1]\nfeeds:\n"+
		"  - name: Quick\n    url: "+srv.URL+"/feed\n"+
		"  - name: Busy\n    url: "+srv.URL+"/busy\n"), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f := newFetcher(c, nil, clock)
	for range 2 {
		if _, err := f.FetchFeed(context.Background(), c.Feeds[0], FeedState{}); err != nil {
			t.Fatal(err)
		}
	}
	if w := clock.waits(); len(w) != 0 {
		t.Errorf("waited %v between two requests to one host, want no wait", w)
	}
	asked.Store(0)
	_, err = f.FetchFeed(context.Background(), c.Feeds[1], FeedState{})
	if want := "HTTP 429 Too Many Requests: still so after 0 retries as its Retry-After asked"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %v, want one ending %q", err, want)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("server asked %d times, want once (no retry)", n)
	}
}

func TestParseConfigAllowPrivate(t *testing.T) {
	c, err := ParseConfig([]byte("allow_private: [localhost, 127.0.0.1, \"::1\", 10.1.2.0/24]\nfeeds:\n  - name: A\n    url: http://localhost:8080/feed\n"), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.AllowPrivate, " "); got != "localhost 127.0.0.1 ::1 10.1.2.0/24" {
		t.Errorf("allow_private = %s", got)
	}
	// Nothing is allowed unless listed.
	c, err = ParseConfig([]byte("feeds:\n  - name: A\n    url: https://a.example/feed\n"), "feeds.yaml")
	if err != nil || len(c.AllowPrivate) != 0 {
		t.Errorf("allow_private = %q, %v; want none", c.AllowPrivate, err)
	}
}
