package ingest

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

//go:embed internalnets.yaml
var internalNetsYAML []byte

// internalNet is a prefix of internalnets.yaml and the kind of address it
// holds.
type internalNet struct {
	prefix netip.Prefix
	kind   string
}

// internalNets is internalnets.yaml, read once. It is never modified
// after start-up.
var internalNets = mustInternalNets(internalNetsYAML)

// mustInternalNets panics on a malformed file: it is compiled into the
// binary, so a mistake in it is a build defect, caught by the package tests.
func mustInternalNets(data []byte) []internalNet {
	nets, err := parseInternalNets(data)
	if err != nil {
		panic(err)
	}
	return nets
}

func parseInternalNets(data []byte) ([]internalNet, error) {
	var kinds map[string][]string
	if err := yaml.Unmarshal(data, &kinds); err != nil {
		return nil, fmt.Errorf("internalnets.yaml: %w", err)
	}
	var nets []internalNet
	for kind, prefixes := range kinds {
		for _, p := range prefixes {
			prefix, err := netip.ParsePrefix(p)
			if err != nil || prefix != prefix.Masked() {
				return nil, fmt.Errorf("internalnets.yaml: %s: %q is not a CIDR prefix with its host bits zero", kind, p)
			}
			nets = append(nets, internalNet{prefix, kind})
		}
	}
	if len(nets) == 0 {
		return nil, fmt.Errorf("internalnets.yaml: no prefixes")
	}
	return nets, nil
}

// nat64 is the well-known NAT64 prefix (RFC 6052): its addresses end in the
// IPv4 address a NAT64 gateway connects to.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// internalKind returns the kind of address ip is when it is inside the
// network ("loopback", "private", ...), or "" for a public address.
func internalKind(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		if kind := internalKind(netip.AddrFrom4([4]byte(b[12:]))); kind != "" {
			return kind + " (through NAT64)"
		}
		return ""
	}
	kind, bits := "", -1
	for _, n := range internalNets {
		if n.prefix.Bits() > bits && n.prefix.Contains(ip) {
			kind, bits = n.kind, n.prefix.Bits()
		}
	}
	return kind
}

// internalAddrError is a connection refused because its address is inside
// the network the Fetcher runs in.
type internalAddrError struct {
	host string // as the URL names it
	addr netip.Addr
	kind string
}

func (e *internalAddrError) Error() string {
	what := e.addr.String()
	if h := strings.Trim(e.host, "[]"); h != what {
		what = e.host + " at " + what
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(e.kind[0])) {
		article = "an"
	}
	return fmt.Sprintf("refused to connect to %s, %s %s address; list it under allow_private in the configuration to fetch it",
		what, article, e.kind)
}

// addrGuard keeps the Fetcher from connecting to internal addresses, bar
// those the configuration allows. It checks the address a connection is
// made to, after name resolution, so a name that resolves to 127.0.0.1,
// or to a public address first and an internal one when connected to,
// gets no further than an address would.
type addrGuard struct {
	hosts map[string]bool // names allowed whatever they resolve to
	nets  []netip.Prefix  // addresses allowed

	// proxy is the proxy a request goes through, if any; resolver, when
	// set, replaces the system's. Tests set them.
	proxy    func(*http.Request) (*url.URL, error)
	resolver *net.Resolver
}

// newAddrGuard returns a guard that allows the host names, IP addresses
// and CIDR prefixes of allow (see Config.AllowPrivate).
func newAddrGuard(allow []string) *addrGuard {
	g := &addrGuard{hosts: make(map[string]bool), proxy: http.ProxyFromEnvironment}
	for _, a := range allow {
		switch p, kind := parseAllowed(a); kind {
		case allowNet:
			g.nets = append(g.nets, p)
		case allowHost:
			g.hosts[hostKey(a)] = true
		}
	}
	return g
}

const (
	allowBad = iota
	allowNet
	allowHost
)

// parseAllowed reads an entry of allow_private: a CIDR prefix, an IP
// address (a prefix of one), or a host name.
func parseAllowed(s string) (netip.Prefix, int) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), allowNet
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.WithZone("").Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), allowNet
	}
	if s == "" || strings.ContainsAny(s, ":/[]@ ") {
		return netip.Prefix{}, allowBad
	}
	return netip.Prefix{}, allowHost
}

func hostKey(host string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
}

// check reports whether host may be reached at ip.
func (g *addrGuard) check(host string, ip netip.Addr) error {
	ip = ip.WithZone("").Unmap()
	if g.hosts[hostKey(host)] {
		return nil
	}
	for _, p := range g.nets {
		if p.Contains(ip) {
			return nil
		}
	}
	if kind := internalKind(ip); kind != "" {
		return &internalAddrError{host: host, addr: ip, kind: kind}
	}
	return nil
}

// dialContext dials as d does, refusing internal addresses as the socket
// connects, once the name is resolved: a check before dialling would
// resolve the name once and d again, and a rebinding DNS server can
// answer the two differently.
func (g *addrGuard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		guarded := *d
		if g.resolver != nil {
			guarded.Resolver = g.resolver
		}
		h, _ := ctx.Value(hopKey{}).(*hop)
		if (h != nil && h.viaProxy(addr)) || g.hosts[hostKey(host)] {
			// The request's proxy is the user's own choice, as is an
			// allowed name. Only a dial for the request that goes through
			// the proxy is let through: a link to the proxy's own address
			// is checked like any other.
			return guarded.DialContext(ctx, network, addr)
		}
		guarded.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refused to connect to %s: cannot read the address %q", host, address)
			}
			return g.check(host, ap.Addr())
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// proxyFor returns the proxy for req, if any. Through a proxy it is the
// proxy that connects, out of the guard's reach, so the target is checked
// here instead: by its address, or the addresses its name resolves to
// here. A name only the proxy can resolve is passed on unchecked.
func (g *addrGuard) proxyFor(req *http.Request) (*url.URL, error) {
	p, err := g.proxy(req)
	if err != nil || p == nil {
		return p, err
	}
	host := req.URL.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := g.check(host, ip); err != nil {
			return nil, err
		}
	} else if !g.hosts[hostKey(host)] {
		ips, _ := net.DefaultResolver.LookupNetIP(req.Context(), "ip", host)
		for _, ip := range ips {
			if err := g.check(host, ip); err != nil {
				return nil, err
			}
		}
	}
	addr := p.Host
	if p.Port() == "" {
		port := map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[p.Scheme]
		addr = net.JoinHostPort(p.Hostname(), port)
	}
	if h, ok := req.Context().Value(hopKey{}).(*hop); ok {
		h.setProxy(addr)
	}
	return p, nil
}
