package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// robotsSite serves robots.txt through robots, an article page at every
// other path, and counts what it is asked.
type robotsSite struct {
	srv    *httptest.Server
	mu     sync.Mutex
	counts map[string]int
}

func newRobotsSite(t *testing.T, robots http.HandlerFunc) *robotsSite {
	t.Helper()
	page := readTestdata(t, "pages", "bbc.html")
	s := &robotsSite{counts: make(map[string]int)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		s.mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			robots(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *robotsSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

func robotsFile(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	}
}

func TestRobotsTxt(t *testing.T) {
	const groups = "User-agent: *\nDisallow: /private/\n\n" +
		"User-agent: policywatch\nDisallow: /news/paywalled/\nDisallow: /*?print=\nAllow: /news/paywalled/free\n\n" +
		"User-agent: otherbot\nDisallow: /\n"
	tests := []struct {
		name    string
		robots  http.HandlerFunc
		path    string
		allowed bool
		wantErr string // the page error's reason when not allowed
	}{
		{"our group disallows", robotsFile(groups), "/news/paywalled/story", false, "disallowed by robots.txt"},
		{"our group's longer Allow wins", robotsFile(groups), "/news/paywalled/free-story", true, ""},
		{"wildcard rule", robotsFile(groups), "/news/story?print=1", false, "disallowed by robots.txt"},
		{"our group replaces *'s", robotsFile(groups), "/private/story", true, ""},
		{"another bot's ban is not ours", robotsFile("User-agent: otherbot\nDisallow: /\n"), "/news/story", true, ""},
		{"* applies when we have no group", robotsFile("User-agent: *\nDisallow: /news/\n"), "/news/story", false, "disallowed by robots.txt"},
		{"agent names compare case-insensitively", robotsFile("User-agent: PolicyWatch\nDisallow: /\n"), "/news/story", false, "disallowed by robots.txt"},
		{"empty file", robotsFile(""), "/news/story", true, ""},
		{"unparsable file", robotsFile("Disallow: /\n"), "/news/story", true, ""},
		{"404 allows all", http.NotFound, "/news/story", true, ""},
		{"403 allows all", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }, "/news/story", true, ""},
		{"redirect loop allows all", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/robots.txt", http.StatusFound) }, "/news/story", true, ""},
		{
			"500 disallows all",
			func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
			"/news/story", false,
			"disallowed by robots.txt: {site}/robots.txt is unreachable (HTTP 500 Internal Server Error), which counts as disallowing all",
		},
		{
			"unreachable disallows all",
			func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			"/news/story", false,
			"disallowed by robots.txt: {site}/robots.txt is unreachable (timeout after 300ms), which counts as disallowing all",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newRobotsSite(t, tc.robots)
			f := testFetcher(t, func(c *Config) {
				c.UserAgent = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
				// Short only where the timeout is tested: elsewhere a
				// loaded machine may take longer.
				if strings.Contains(tc.wantErr, "timeout after") {
					c.Timeout = 300 * time.Millisecond
				}
			})
			link := s.srv.URL + tc.path
			art, pageErr, err := f.FetchArticle(context.Background(), Item{Feed: "F", Link: link, Summary: "The feed's text."})
			if err != nil {
				t.Fatal(err)
			}
			if tc.allowed {
				if pageErr != nil || art.TextFrom != "page" {
					t.Errorf("pageErr %v, text from %q; want the page", pageErr, art.TextFrom)
				}
				return
			}
			want := "fetch article " + link + ": " + strings.ReplaceAll(tc.wantErr, "{site}", s.srv.URL)
			if pageErr == nil || pageErr.Error() != want {
				t.Errorf("pageErr = %v, want %q", pageErr, want)
			}
			if !errors.Is(pageErr, errDisallowed) {
				t.Errorf("pageErr does not match errDisallowed")
			}
			// Disallowed is like any page that cannot be had: the feed's
			// text stands in, and the page is never asked for.
			if art.TextFrom != "feed" || art.Text != "The feed's text." {
				t.Errorf("text from %q: %q", art.TextFrom, art.Text)
			}
			if n := s.count(strings.SplitN(tc.path, "?", 2)[0]); n != 0 {
				t.Errorf("the disallowed page was fetched %d times", n)
			}
		})
	}
}

// A run asks each site for robots.txt once, however many articles, and
// never for feeds, which a site publishes to be fetched.
func TestRobotsTxtFetchedOncePerSite(t *testing.T) {
	s := newRobotsSite(t, robotsFile("User-agent: *\nDisallow: /private/\n"))
	f := testFetcher(t, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			path := "/news/" + string(rune('a'+i))
			if i%4 == 0 {
				path = "/private/" + string(rune('a'+i))
			}
			f.FetchArticle(context.Background(), Item{Link: s.srv.URL + path, Summary: "x"})
		})
	}
	wg.Wait()
	if n := s.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once", n)
	}
	if s.count("/private/a") != 0 || s.count("/private/e") != 0 || s.count("/news/b") != 1 {
		t.Errorf("requests %v", s.counts)
	}

	feedSite := newRobotsSite(t, robotsFile("User-agent: *\nDisallow: /\n"))
	f.FetchFeed(context.Background(), Feed{Name: "F", URL: feedSite.srv.URL + "/feed"}, FeedState{})
	if feedSite.count("/robots.txt") != 0 || feedSite.count("/feed") != 1 {
		t.Errorf("feed fetch: requests %v", feedSite.counts)
	}
}

// A redirect to a page another site's robots.txt disallows is disallowed.
func TestRobotsTxtAppliesAfterRedirects(t *testing.T) {
	target := newRobotsSite(t, robotsFile("User-agent: *\nDisallow: /story\n"))
	shortener := newRobotsSite(t, http.NotFound)
	shortener.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, target.srv.URL+"/story", http.StatusMovedPermanently)
	})
	link := shortener.srv.URL + "/x1"
	_, pageErr, err := testFetcher(t, nil).FetchArticle(context.Background(), Item{Link: link, Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "fetch article " + link + ": disallowed by robots.txt"; pageErr == nil || pageErr.Error() != want {
		t.Errorf("pageErr = %v, want %q", pageErr, want)
	}
	if target.count("/robots.txt") != 1 || target.count("/story") != 0 {
		t.Errorf("target site asked %v", target.counts)
	}
}
