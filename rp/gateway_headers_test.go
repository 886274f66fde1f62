package rp

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// The test's own lists of header names (never the production lists).
var (
	testRoutingHeaders = []string{
		"X-Original-URL", "X-Rewrite-URL", "X-Original-URI", "X-Forwarded-Uri", "X-Forwarded-Prefix",
		"X-Forwarded-Path", "X-Forwarded-Url", "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Scheme",
		"X-Forwarded-Ssl", "X-Url-Scheme", "X-Original-Host", "X-Host", "X-HTTP-Method-Override",
		"X-HTTP-Method", "X-Method-Override", "X-Original-Method", "X-Forwarded-Method", "X-Envoy-Original-Path",
	}
	testClientIPHeaders = []string{
		"True-Client-IP", "X-Client-IP", "Client-IP", "CF-Connecting-IP", "Fastly-Client-IP",
		"X-Cluster-Client-IP", "X-Forwarded", "Forwarded-For", "X-Originating-IP", "X-Remote-IP",
		"X-Remote-Addr", "X-ProxyUser-Ip", "X-Azure-ClientIP", "X-Appengine-User-IP", "X-Envoy-External-Address",
		"X-Forwarded-Client-Cert",
	}
	testIdentityHeaders = []string{
		"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Groups",
		"X-Foyer-Assertion", "X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
		"X-Auth-Request-Preferred-Username", "X-Auth-Request-Access-Token", "X-Forwarded-Access-Token",
	}
)

// underscored spells a header name CGI-style: X_Original_URL.
func underscored(name string) string { return strings.ReplaceAll(name, "-", "_") }

// echoRaw sends GET /echo on the wire to the harness with header lines in exactly the
// given order, and returns what the upstream saw.
func echoRaw(t *testing.T, h *harness, header ...string) upstreamSeen {
	t.Helper()
	status, body := rawRequest(t, h.srv.Listener.Addr().String(), http.MethodGet, "/echo", header...)
	if status != http.StatusOK {
		t.Fatalf("GET /echo: %d %s", status, truncate(body, 300))
	}
	var seen upstreamSeen
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatalf("upstream JSON: %v: %s", err, body)
	}
	return seen
}

// seenAny returns the values the upstream got for name in any spelling.
func seenAny(seen upstreamSeen, name string) []string {
	var out []string
	want := strings.ToLower(underscored(name))
	for k, v := range seen.Header {
		if strings.ToLower(underscored(k)) == want {
			out = append(out, v...)
		}
	}
	return out
}

// TestProxyStripsForgedHeaders sends every routing, client-IP and identity header the
// way a client forges them (canonical and CGI spelling, before and after the real
// request's own headers) from an untrusted and from a trusted peer, and checks what
// the upstream gets.
func TestProxyStripsForgedHeaders(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{false, true} {
		t.Run(map[bool]string{false: "untrusted peer", true: "trusted peer"}[trusted], func(t *testing.T) {
			t.Parallel()
			h, _ := newGatewayHarness(t, func(c *Config) {
				if !trusted {
					c.Gateway.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
				}
			})
			h.signIn(h.client)
			cookie := []string{"Cookie", cookieHeader(h, h.client)}
			var forged []string
			for _, list := range [][]string{testRoutingHeaders, testClientIPHeaders, testIdentityHeaders} {
				for _, name := range list {
					forged = append(forged, name, "forged", underscored(name), "forged")
				}
			}
			forged = append(forged, "X-Real-IP", "6.6.6.6", "X_Real_IP", "6.6.6.6")
			for _, order := range []string{"forged first", "forged last"} {
				hdr := append(slices.Clone(forged), cookie...)
				if order == "forged last" {
					hdr = append(slices.Clone(cookie), forged...)
				}
				seen := echoRaw(t, h, hdr...)
				for _, name := range testRoutingHeaders {
					if got := seenAny(seen, name); len(got) > 0 {
						t.Errorf("%s: upstream got routing header %s = %q", order, name, got)
					}
				}
				for _, name := range testClientIPHeaders {
					got := seenAny(seen, name)
					if !trusted && len(got) > 0 {
						t.Errorf("%s: upstream got %s = %q from an untrusted peer", order, name, got)
					}
					if trusted && len(got) == 0 {
						t.Errorf("%s: a trusted proxy's %s was dropped", order, name)
					}
				}
				for _, name := range testIdentityHeaders {
					for _, v := range seenAny(seen, name) {
						if v == "forged" {
							t.Errorf("%s: upstream got the forged %s", order, name)
						}
					}
				}
				if got := seenAny(seen, HeaderUser); len(got) != 1 || got[0] != "alice" {
					t.Errorf("%s: %s = %q, want [alice]", order, HeaderUser, got)
				}
				if got := seenAny(seen, "X-Real-IP"); len(got) != 1 || got[0] != "127.0.0.1" {
					t.Errorf("%s: X-Real-IP = %q, want [127.0.0.1] (the peer; no forwarded chain)", order, got)
				}
			}
		})
	}
}

// TestProxyRealIP: X-Real-IP is the client address rp knows — from a trusted proxy
// the rightmost X-Forwarded-For entry that is not itself a trusted proxy, whatever the
// client wrote to the left of it or in X-Real-IP.
func TestProxyRealIP(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil) // loopback trusted
	h.signIn(h.client)
	cookie := []string{"Cookie", cookieHeader(h, h.client)}
	tests := []struct {
		name   string
		header []string
		want   string
	}{
		{"no chain: the peer", nil, "127.0.0.1"},
		{"proxy's entry", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"forged entries left of it", []string{"X-Forwarded-For", "6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"two lines, forged first", []string{"X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"forged X-Real-IP before", []string{"X-Real-IP", "6.6.6.6", "X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"forged X-Real-IP after", []string{"X-Forwarded-For", "198.51.100.7", "X-Real-IP", "6.6.6.6"}, "198.51.100.7"},
		{"trusted hops skipped", []string{"X-Forwarded-For", "198.51.100.7, 127.0.0.2"}, "198.51.100.7"},
		{"garbage in the chain: the peer", []string{"X-Forwarded-For", "198.51.100.7, evil"}, "127.0.0.1"},
		{"IPv4-mapped", []string{"X-Forwarded-For", "::ffff:198.51.100.8"}, "198.51.100.8"},
	}
	for _, tt := range tests {
		seen := echoRaw(t, h, append(slices.Clone(cookie), tt.header...)...)
		if got := seen.Header.Values("X-Real-Ip"); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: X-Real-IP = %q, want [%s]", tt.name, got, tt.want)
		}
	}
}

func TestHeaderValueEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"admins", "admins"},
		{"Domain Users", "Domain Users"},
		{"team/a:b@c+d", "team/a:b@c+d"},
		{"staff,admins", "staff%2Cadmins"},
		{"50%", "50%25"},
		{"%2C", "%252C"},
		{`say "hi"`, "say %22hi%22"},
		{" lead", "%20lead"},
		{"trail ", "trail%20"},
		{" ", "%20"},
		{"a\r\nX-Evil: 1", "a%0D%0AX-Evil: 1"},
		{"a\x00b", "a%00b"},
		{"tab\there", "tab%09here"},
		{"del\x7f", "del%7F"},
		{"Ünï", "%C3%9Cn%C3%AF"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
		{"\xff", "%FF"},
	}
	for _, tt := range tests {
		got := headerValue(tt.in)
		if got != tt.want {
			t.Errorf("headerValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != tt.in {
			t.Errorf("decoding %q = %q, %v; want %q", got, back, err, tt.in)
		}
	}
	if got, want := headerList([]string{"staff,admins", "", "users", "a b"}), "staff%2Cadmins,users,a b"; got != want {
		t.Errorf("headerList = %q, want %q", got, want)
	}
}

// FuzzHeaderList: splitting an encoded list on ',' and percent-decoding each element
// gives back exactly the non-empty elements, and the value is valid in a header.
func FuzzHeaderList(f *testing.F) {
	f.Add("staff,admins", "users", "x\r\ny")
	f.Add(" a ", "%2C", "Ü")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		in := []string{a, b, c}
		enc := headerList(in)
		for i := 0; i < len(enc); i++ {
			if enc[i] < 0x20 || enc[i] >= 0x7f {
				t.Fatalf("headerList(%q) = %q: byte %#x", in, enc, enc[i])
			}
		}
		var want []string
		for _, v := range in {
			if v != "" {
				want = append(want, v)
			}
		}
		var got []string
		if enc != "" {
			for _, e := range strings.Split(enc, ",") {
				d, err := url.PathUnescape(strings.TrimSpace(e))
				if err != nil {
					t.Fatalf("element %q: %v", e, err)
				}
				got = append(got, d)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("headerList(%q) = %q, reads back as %q", in, enc, got)
		}
	})
}

// TestIdentityHeadersCannotBeSplitWrongly signs in a user whose provider-controlled
// claims carry commas, quotes, CR LF, NUL and non-ASCII, and checks the upstream and
// forward auth get one group per group, printable ASCII only, and that a rule for
// "admins" is not satisfied by a group named "staff,admins".
func TestIdentityHeadersCannotBeSplitWrongly(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"admins"}}}
	}, mockidp.WithLogin(mockidp.LoginAuto))
	groups := []any{"staff,admins", "users", "Ünïcode", "x\r\nX-Injected: 1", `q"uote`, "nul\x00"}
	h.idp.QueueLogin("", mockidp.User{Subject: "mallory,alice", Claims: map[string]any{
		"email": "m@example.com", "email_verified": true, "preferred_username": "mal\r\nlory", "groups": groups}})
	if resp, body := h.get(h.client, "/app/"); resp.StatusCode != http.StatusOK || body != "hello mallory,alice" {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, body)
	}
	wantGroups := []string{"staff,admins", "users", "Ünïcode", "x\r\nX-Injected: 1", `q"uote`, "nul\x00"}
	check := func(where string, hdr http.Header) {
		t.Helper()
		raw := hdr.Get(HeaderGroups)
		var got []string
		for _, e := range strings.Split(raw, ",") {
			d, err := url.PathUnescape(e)
			if err != nil {
				t.Fatalf("%s: %s element %q: %v", where, HeaderGroups, e, err)
			}
			got = append(got, d)
		}
		if !slices.Equal(got, wantGroups) {
			t.Errorf("%s: %s = %q reads as %q, want %q", where, HeaderGroups, raw, got, wantGroups)
		}
		if u := hdr.Get(HeaderUser); u != "mallory%2Calice" {
			t.Errorf("%s: %s = %q, want mallory%%2Calice", where, HeaderUser, u)
		}
		if n := hdr.Get(HeaderPreferredUsername); n != "mal%0D%0Alory" {
			t.Errorf("%s: %s = %q, want mal%%0D%%0Alory", where, HeaderPreferredUsername, n)
		}
		if hdr.Get("X-Injected") != "" {
			t.Errorf("%s: a header was injected", where)
		}
	}
	seen := proxiedEcho(t, h, h.client)
	check("upstream", seen.Header)
	rec := verifyAs(h, h.client, trustedPeer, "", "X-Forwarded-Uri", "/x")
	if rec.Code != http.StatusOK {
		t.Fatalf("verify: %d", rec.Code)
	}
	check("verify", rec.Header())
	if rec := verifyAs(h, h.client, trustedPeer, "", "X-Forwarded-Uri", "/admin", "Accept", "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("a group named \"staff,admins\" passed the rule for admins: %d", rec.Code)
	}
	if rec := verifyAs(h, h.client, trustedPeer, "?allowed_groups=admins", "Accept", "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("a group named \"staff,admins\" passed allowed_groups=admins: %d", rec.Code)
	}
}
