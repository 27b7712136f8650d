package ingest

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func TestInternalKind(t *testing.T) {
	tests := []struct{ addr, kind string }{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "link-local"},
		{"100.64.0.1", "shared"},
		{"100.127.255.254", "shared"},
		{"0.0.0.0", "unspecified"},
		{"192.0.0.170", "protocol-assignment"},
		{"255.255.255.255", "reserved"},
		{"224.0.0.1", "multicast"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::127.0.0.1", "reserved"},
		{"fd00:ec2::254", "private"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "reserved"},
		{"64:ff9b::a00:1", "private (through NAT64)"},
		{"64:ff9b:1::1", "reserved"},
		{"ff02::1", "multicast"},
		// Public: reachable from anywhere, so nothing to guard.
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"93.184.215.14", ""},
		{"64:ff9b::808:808", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
	}
	for _, tc := range tests {
		if got := internalKind(netip.MustParseAddr(tc.addr)); got != tc.kind {
			t.Errorf("internalKind(%s) = %q, want %q", tc.addr, got, tc.kind)
		}
	}
}

func TestParseAllowed(t *testing.T) {
	tests := []struct {
		entry string
		kind  int
		net   string
	}{
		{"localhost", allowHost, ""},
		{"intranet.example.org", allowHost, ""},
		{"127.0.0.1", allowNet, "127.0.0.1/32"},
		{"::1", allowNet, "::1/128"},
		{"::ffff:10.0.0.1", allowNet, "10.0.0.1/32"},
		{"10.1.2.0/24", allowNet, "10.1.2.0/24"},
		{"10.1.2.3/24", allowNet, "10.1.2.0/24"},
		{"fd00::/8", allowNet, "fd00::/8"},
		{"localhost:8080", allowBad, ""},
		{"http://localhost", allowBad, ""},
		{"", allowBad, ""},
	}
	for _, tc := range tests {
		p, kind := parseAllowed(tc.entry)
		if kind != tc.kind || (kind == allowNet && p.String() != tc.net) {
			t.Errorf("parseAllowed(%q) = %v, %d; want %s, %d", tc.entry, p, kind, tc.net, tc.kind)
		}
	}
}

// listen serves h on a loopback address of the caller's choosing: the
// whole of 127.0.0.0/8 is the machine itself, so a test can tell an
// allowed address from one that is not.
func listen(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// countRequests counts what reaches h.
func countRequests(n *atomic.Int32, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

// By default a feed, a redirect or an article link to an internal address
// is refused before a byte is sent, with an error naming the URL and the
// address; allow_private lets through what it lists.
func TestFetchRefusesInternalAddresses(t *testing.T) {
	feedBody := readTestdata(t, "feeds", "rights.json")
	var insideAsked atomic.Int32
	inside := listen(t, "127.0.0.2", countRequests(&insideAsked, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			w.Header().Set("Content-Type", "application/feed+json")
			w.Write(feedBody)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><article><p>The secrets of the internal wiki, which no feed should fetch for anyone.</p></article></body></html>")
	})))
	outside := listen(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, inside.URL+"/feed", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/feed+json")
			w.Write(feedBody)
		}
	}))
	ctx := context.Background()
	refused := func(host string) string {
		return "refused to connect to " + host + ", a loopback address; list it under allow_private in the configuration to fetch it"
	}

	t.Run("by default", func(t *testing.T) {
		f := testFetcher(t, func(c *Config) { c.AllowPrivate = nil })
		feed := Feed{Name: "Inside", URL: inside.URL + "/feed"}
		_, err := f.FetchFeed(ctx, feed, FeedState{})
		if want := `fetch feed "Inside" ` + feed.URL + ": " + refused("127.0.0.2"); err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
		var ie *internalAddrError
		if !errors.As(err, &ie) {
			t.Errorf("err %T is no internalAddrError", err)
		}
		if n := insideAsked.Load(); n != 0 {
			t.Errorf("the internal server was asked %d times", n)
		}
	})

	t.Run("redirect and article link", func(t *testing.T) {
		f := testFetcher(t, func(c *Config) { c.AllowPrivate = []string{"127.0.0.1"} })
		feed := Feed{Name: "Moved", URL: outside.URL + "/moved"}
		_, err := f.FetchFeed(ctx, feed, FeedState{})
		if want := `fetch feed "Moved" ` + feed.URL + ": redirected to " + inside.URL + "/feed: " + refused("127.0.0.2"); err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
		link := inside.URL + "/wiki"
		art, pageErr, err := f.FetchArticle(ctx, Item{Link: link, Summary: "<p>What the feed said.</p>"})
		if err != nil || art.TextFrom != "feed" {
			t.Errorf("article: err %v, text from %q; want the feed's text", err, art.TextFrom)
		}
		if want := "fetch article " + link + ": " + refused("127.0.0.2"); pageErr == nil || pageErr.Error() != want {
			t.Errorf("pageErr = %v\nwant %s", pageErr, want)
		}
		if n := insideAsked.Load(); n != 0 {
			t.Errorf("the internal server was asked %d times", n)
		}
	})

	t.Run("allowed", func(t *testing.T) {
		for _, allow := range [][]string{{"127.0.0.0/8"}, {"127.0.0.1", "127.0.0.2"}, {"::ffff:127.0.0.2", "127.0.0.1"}} {
			insideAsked.Store(0)
			f := testFetcher(t, func(c *Config) { c.AllowPrivate = allow })
			art, pageErr, err := f.FetchArticle(ctx, Item{Link: inside.URL + "/wiki"})
			if err != nil || pageErr != nil || art.TextFrom != "page" {
				t.Errorf("allow %q: err %v, pageErr %v", allow, err, pageErr)
			}
			if _, err := f.FetchFeed(ctx, Feed{Name: "Moved", URL: outside.URL + "/moved"}, FeedState{}); err != nil {
				t.Errorf("allow %q: %v", allow, err)
			}
		}
	})

	t.Run("by name", func(t *testing.T) {
		port := outside.Listener.Addr().(*net.TCPAddr).Port
		feed := Feed{Name: "Named", URL: "http://localhost:" + strconv.Itoa(port) + "/feed"}
		f := testFetcher(t, func(c *Config) { c.AllowPrivate = nil })
		_, err := f.FetchFeed(ctx, feed, FeedState{})
		if err == nil || !strings.Contains(err.Error(), "refused to connect to localhost at ") || !strings.Contains(err.Error(), ", a loopback address") {
			t.Errorf("err = %v, want localhost refused by its address", err)
		}
		f = testFetcher(t, func(c *Config) { c.AllowPrivate = []string{"LocalHost"} })
		if _, err := f.FetchFeed(ctx, feed, FeedState{}); err != nil {
			t.Errorf("localhost allowed by name: %v", err)
		}
	})
}

// A name is checked by the address it resolves to as the connection is
// made, not by itself nor by a lookup of its own: a DNS server that
// answers an internal address for a name of its domain (a rebinding
// attack answers a public one first) gets nowhere.
func TestFetchRefusesNamesResolvingInside(t *testing.T) {
	var asked atomic.Int32
	srv := listen(t, "127.0.0.1", countRequests(&asked, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(readTestdata(t, "feeds", "rights.json"))
	})))
	f := testFetcher(t, func(c *Config) { c.AllowPrivate = nil })
	f.guard.resolver = fakeDNS(t, func(name string) netip.Addr { return netip.MustParseAddr("127.0.0.1") })
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	feed := Feed{Name: "Rebound", URL: "http://rebind.test:" + strconv.Itoa(port) + "/feed"}
	_, err := f.FetchFeed(context.Background(), feed, FeedState{})
	if want := `fetch feed "Rebound" ` + feed.URL + ": refused to connect to rebind.test at 127.0.0.1, a loopback address"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the server was asked %d times", n)
	}
	// The same name and server, allowed by name.
	f = testFetcher(t, func(c *Config) { c.AllowPrivate = []string{"rebind.test"} })
	f.guard.resolver = fakeDNS(t, func(name string) netip.Addr { return netip.MustParseAddr("127.0.0.1") })
	if _, err := f.FetchFeed(context.Background(), feed, FeedState{}); err != nil || asked.Load() != 1 {
		t.Errorf("allowed by name: err %v, server asked %d times", err, asked.Load())
	}
}

// fakeDNS is a resolver that answers every A query with answer(name), and
// AAAA queries with nothing.
func fakeDNS(t *testing.T, answer func(name string) netip.Addr) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(t, server, answer)
			return client, nil
		},
	}
}

// serveDNS answers the queries of one stream connection (RFC 1035 4.2.2:
// each message after its length in two bytes).
func serveDNS(t *testing.T, c net.Conn, answer func(string) netip.Addr) {
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(msg)
		if err != nil {
			return
		}
		q, err := p.Question()
		if err != nil {
			return
		}
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
		b.EnableCompression()
		b.StartQuestions()
		b.Question(q)
		b.StartAnswers()
		if q.Type == dnsmessage.TypeA {
			ip := answer(strings.TrimSuffix(q.Name.String(), "."))
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: ip.As4()})
		}
		out, err := b.Finish()
		if err != nil {
			t.Error(err)
			return
		}
		if err := binary.Write(c, binary.BigEndian, uint16(len(out))); err != nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// Through a proxy, the proxy connects: the target is checked before the
// request is handed to it, and the proxy itself, the user's own choice,
// is reached wherever it is. A link to the proxy's own address, not
// through it, is checked like any other.
func TestFetchThroughProxyChecksTarget(t *testing.T) {
	var proxied atomic.Int32
	feedBody := readTestdata(t, "feeds", "rights.json")
	proxy := listen(t, "127.0.0.1", countRequests(&proxied, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(feedBody)
	})))
	proxyURL, _ := url.Parse(proxy.URL)
	f := testFetcher(t, func(c *Config) { c.AllowPrivate = nil })
	f.guard.proxy = func(req *http.Request) (*url.URL, error) {
		if strings.HasPrefix(req.URL.Host, "127.") { // as ProxyFromEnvironment leaves loopback alone
			return nil, nil
		}
		return proxyURL, nil
	}
	ctx := context.Background()

	if _, err := f.FetchFeed(ctx, Feed{Name: "Public", URL: "http://93.184.215.14/feed"}, FeedState{}); err != nil {
		t.Errorf("public address through the proxy: %v", err)
	}
	if n := proxied.Load(); n != 1 {
		t.Errorf("proxy asked %d times, want once", n)
	}
	for _, target := range []string{"http://10.1.2.3/feed", "http://[::ffff:169.254.169.254]/latest/meta-data/", proxy.URL + "/"} {
		_, err := f.FetchFeed(ctx, Feed{Name: "Inside", URL: target}, FeedState{})
		var ie *internalAddrError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want it refused", target, err)
		}
	}
	if n := proxied.Load(); n != 1 {
		t.Errorf("proxy asked %d times, want once", n)
	}
}
