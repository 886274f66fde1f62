package rp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestParsePublicRoute(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want PublicRoute
	}{
		{"/healthz", PublicRoute{Path: "/healthz"}},
		{"GET /healthz", PublicRoute{Methods: []string{"GET"}, Path: "/healthz"}},
		{"  POST   /hooks/github ", PublicRoute{Methods: []string{"POST"}, Path: "/hooks/github"}},
		{"/static/", PublicRoute{Prefix: "/static/"}},
		{"/assets*", PublicRoute{Prefix: "/assets"}},
		{"/*", PublicRoute{Prefix: "/"}},
		{"~/hooks/[a-z]+", PublicRoute{Regex: "/hooks/[a-z]+"}},
		{"POST ~/api/v[0-9]+/webhook", PublicRoute{Methods: []string{"POST"}, Regex: "/api/v[0-9]+/webhook"}},
		{"OPTIONS /api/", PublicRoute{Methods: []string{"OPTIONS"}, Prefix: "/api/"}},
	}
	for _, tt := range good {
		got, err := ParsePublicRoute(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePublicRoute(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	bad := []string{
		"", "GET", "GET ", "healthz", "get /healthz", "G3T /x", "GET POST /x", "/a/../b", "/a/./b", "/public/..;/x",
		"/a;b", "/a\\b", "/a%2fb", "/%2e%2e/", "/a//b", "/%61", "~(", "~[z-a]", "/a b", "/a?b",
	}
	for _, in := range bad {
		if r, err := ParsePublicRoute(in); err == nil {
			t.Errorf("ParsePublicRoute(%q) = %+v, want an error", in, r)
		}
	}
}

func TestPublicRouteConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		route PublicRoute
		want  string
	}{
		{PublicRoute{}, "exactly one"},
		{PublicRoute{Path: "/a", Prefix: "/b"}, "exactly one"},
		{PublicRoute{Path: "/a", Regex: "/b"}, "exactly one"},
		{PublicRoute{Prefix: "/a/../"}, "dot-segment"},
		{PublicRoute{Regex: "("}, "regex"},
		{PublicRoute{Path: "/a", Methods: []string{"get"}}, "method"},
		{PublicRoute{Path: "/a", Methods: []string{""}}, "method"},
		{PublicRoute{Path: "/a", Host: "*.com"}, "host"},
		{PublicRoute{Path: "/a", Host: "*"}, "host"},
		{PublicRoute{Path: "/a", Host: "exa mple.com"}, "host"},
		{PublicRoute{Path: "/a", Host: "example.com:http"}, "host"},
		{PublicRoute{Path: "/a", Host: "bücher.example"}, "host"},
		{PublicRoute{Path: "/a", Host: "https://example.com"}, "host"},
	}
	for _, tt := range tests {
		c := Config{PublicURL: "https://app.example.com", Providers: []ProviderConfig{{ID: "p", Issuer: "https://idp.example.com", ClientID: "c"}},
			CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Gateway: GatewayConfig{PublicRoutes: []PublicRoute{tt.route}}}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "public route 1") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("route %+v: error %v, want one about public route 1 mentioning %q", tt.route, err, tt.want)
		}
	}
}

// TestPublicRouteMatching: methods, exact paths, prefixes, regex anchoring, case,
// hosts (and look-alikes), on the normalised path.
func TestPublicRouteMatching(t *testing.T) {
	t.Parallel()
	route := func(s, host string) publicRoute {
		r, err := ParsePublicRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		r.Host = host
		cr, err := compilePublicRoute(r)
		if err != nil {
			t.Fatal(err)
		}
		return cr
	}
	tests := []struct {
		route, host         string
		method, reqHost, in string
		want                bool
	}{
		{"GET /healthz", "", "GET", "", "/healthz", true},
		{"GET /healthz", "", "HEAD", "", "/healthz", true},
		{"GET /healthz", "", "POST", "", "/healthz", false},
		{"GET /healthz", "", "", "", "/healthz", false}, // method unknown
		{"/healthz", "", "", "", "/healthz", true},
		{"/healthz", "", "DELETE", "", "/healthz", true},
		{"/healthz", "", "GET", "", "/healthz/", false},
		{"/healthz", "", "GET", "", "/healthzz", false},
		{"/healthz", "", "GET", "", "/Healthz", false},
		{"/healthz", "", "GET", "", "/x/healthz", false},
		{"/healthz", "", "GET", "", "", false}, // path unknown
		{"~/?.*", "", "GET", "", "", false},    // path unknown, though the regex matches ""
		{"/static/", "", "GET", "", "/static/app.js", true},
		{"/static/", "", "GET", "", "/static/", true},
		{"/static/", "", "GET", "", "/static", false},
		{"/static/", "", "GET", "", "/staticx/app.js", false},
		{"/static/", "", "GET", "", "/STATIC/app.js", false},
		{"/assets*", "", "GET", "", "/assets-v2/x", true},
		{"~/hooks/[a-z]+", "", "POST", "", "/hooks/github", true},
		{"~/hooks/[a-z]+", "", "POST", "", "/hooks/github/../admin", false},
		{"~/hooks/[a-z]+", "", "POST", "", "/hooks/github/admin", false},
		{"~/hooks/[a-z]+", "", "POST", "", "/admin/hooks/github", false},
		{"~/hooks/[a-z]+", "", "POST", "", "/hooks/github\n", false},
		{"~/hooks/[a-z]+|/other", "", "POST", "", "/other/admin", false}, // alternation stays anchored
		{"~/hooks/[a-z]+|/other", "", "POST", "", "/admin/other", false},
		{"~/hooks/[a-z]+|/other", "", "POST", "", "/other", true},
		{"/", "hooks.example.com", "GET", "hooks.example.com", "/", true},
		{"/", "hooks.example.com", "GET", "HOOKS.example.com", "/", true},
		{"/", "hooks.example.com", "GET", "hooks.example.com:8443", "/", false},
		{"/", "hooks.example.com:8443", "GET", "hooks.example.com:8443", "/", true},
		{"/", "hooks.example.com", "GET", "app.example.com", "/", false},
		{"/", "hooks.example.com", "GET", "", "/", false}, // host unknown
		{"/", "hooks.example.com", "GET", "hooks.example.com.evil.io", "/", false},
		{"/", "hooks.example.com", "GET", "hooks.example.com.", "/", false},
		{"/", "*.example.com", "GET", "a.example.com", "/", true},
		{"/", "*.example.com", "GET", "a.b.example.com", "/", true},
		{"/", "*.example.com", "GET", "example.com", "/", false},
		{"/", "*.example.com", "GET", ".example.com", "/", false},
		{"/", "*.example.com", "GET", "evil-example.com", "/", false},
		{"/", "*.example.com", "GET", "xexample.com", "/", false},
		{"/", "*.example.com", "GET", "example.com.evil.io", "/", false},
		{"/", "*.example.com", "GET", "a.example.com@evil.io", "/", false},
		{"/", "*.example.com", "GET", "evil.io@a.example.com", "/", false},
		{"/", "*.example.com", "GET", "evil.io\\.example.com", "/", false},
		{"/", "*.example.com", "GET", "a..example.com", "/", false},
		{"/", "*.example.com", "GET", "a.example.com:443", "/", false},
		{"/", "*.example.com", "GET", "a.example.com:", "/", false},
	}
	for _, tt := range tests {
		r := route(tt.route, tt.host)
		if got := r.matches(tt.method, strings.ToLower(tt.reqHost), tt.in); got != tt.want {
			t.Errorf("route %q host %q: matches(%q, %q, %q) = %v, want %v", tt.route, tt.host, tt.method, tt.reqHost, tt.in, got, tt.want)
		}
	}
}

// seenBy is an upstream that answers every path with what it saw, as JSON.
func seenBy() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(upstreamSeen{Header: r.Header, Host: r.Host, Path: r.URL.EscapedPath()})
	})
}

// publicHarness is a gateway harness plus Proxy mounted directly at another server,
// in front of seenBy, with the given public routes and rules.
func publicHarness(t *testing.T, routes []string, cfg func(*Config)) (*harness, *httptest.Server) {
	t.Helper()
	var prs []PublicRoute
	for _, s := range routes {
		r, err := ParsePublicRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		prs = append(prs, r)
	}
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.PublicRoutes = prs
		c.Gateway.Rules = []Rule{{PathPrefix: "/", Groups: []string{"admins"}}}
		if cfg != nil {
			cfg(c)
		}
	}, mockidp.WithLogin(mockidp.LoginAuto))
	up := httptest.NewServer(seenBy())
	t.Cleanup(up.Close)
	upURL, _ := url.Parse(up.URL)
	proxy := httptest.NewServer(h.rp.Proxy(upURL, ProxyOptions{}))
	t.Cleanup(proxy.Close)
	return h, proxy
}

// TestPublicRoutesThroughProxy: a public webhook passes signed out (without identity,
// forged identity headers removed, the client's Authorization kept) while the rest
// stays protected; signed-in users allowed by the rules get their identity headers;
// users the rules deny pass without; no spelling of another path gets through.
func TestPublicRoutesThroughProxy(t *testing.T) {
	t.Parallel()
	h, proxy := publicHarness(t, []string{"POST /hooks/github", "/static/", "~/api/v[0-9]+/status"}, nil)
	addr := proxy.Listener.Addr().String()
	forged := []string{"X-Forwarded-User", "admin", "X_Forwarded_User", "admin", "X-Forwarded-Groups", "admins", "X-Auth-Request-User", "admin"}
	type result struct {
		status int
		seen   upstreamSeen
	}
	do := func(method, target string, header ...string) result {
		status, body := rawRequest(t, addr, method, target, header...)
		var seen upstreamSeen
		if status == http.StatusOK && method != http.MethodHead {
			if err := json.Unmarshal([]byte(body), &seen); err != nil {
				t.Fatalf("%s %s: %v: %s", method, target, err, body)
			}
		}
		return result{status, seen}
	}
	// Signed out.
	for _, tt := range []struct {
		method, target string
		status         int
	}{
		{"POST", "/hooks/github", 200},
		{"GET", "/hooks/github", 302},
		{"POST", "/hooks/github/x", 401},
		{"GET", "/static/app.js", 200},
		{"HEAD", "/static/app.js", 200},
		{"GET", "/static", 302},
		{"GET", "/%73tatic/app.js", 200},
		{"GET", "/STATIC/app.js", 302},
		{"GET", "/api/v2/status", 200},
		{"GET", "/api/v2/status/x", 302},
		{"GET", "/api/vx/status", 302},
		{"GET", "/admin", 302},
		{"GET", "/static/../admin", 400},
		{"GET", "/static/%2e%2e/admin", 400},
		{"GET", "/static;x/../admin", 400},
		{"GET", "/static/..;/admin", 400},
		{"GET", "/static%2f..%2fadmin", 400},
		{"GET", "/static/%252e%252e/admin", 400},
		{"GET", "/static\\..\\admin", 400},
		{"GET", "/static/%c0%ae%c0%ae/admin", 400},
		{"POST", "/hooks/github/..%2f..%2fadmin", 400},
	} {
		hdr := append([]string{"Authorization", "Bearer webhook-secret"}, forged...)
		res := do(tt.method, tt.target, hdr...)
		if res.status != tt.status {
			t.Errorf("signed out %s %s: status %d, want %d", tt.method, tt.target, res.status, tt.status)
			continue
		}
		if res.status != http.StatusOK || tt.method == "HEAD" {
			continue
		}
		for _, name := range []string{"X-Forwarded-User", "X-Forwarded-Groups", "X-Auth-Request-User", "X_Forwarded_User"} {
			if got := seenAny(res.seen, name); len(got) > 0 {
				t.Errorf("signed out %s %s: upstream got %s = %q", tt.method, tt.target, name, got)
			}
		}
		if got := res.seen.Header.Get("Authorization"); got != "Bearer webhook-secret" {
			t.Errorf("signed out %s %s: Authorization = %q, want the client's own", tt.method, tt.target, got)
		}
	}
	// Signed in and allowed (alice is in admins): identity headers on public routes too.
	h.signIn(h.client)
	cookie := cookieHeader(h, h.client)
	res := do("GET", "/static/app.js", append([]string{"Cookie", cookie}, forged...)...)
	if res.status != 200 || res.seen.Header.Get(HeaderUser) != "alice" || res.seen.Header.Get(HeaderGroups) != "admins,users" {
		t.Errorf("signed in on a public route: %d, identity %q/%q, want 200 alice/admins,users", res.status, res.seen.Header.Get(HeaderUser), res.seen.Header.Get(HeaderGroups))
	}
	if got := seenAny(res.seen, "X-Auth-Request-User"); len(got) > 0 {
		t.Errorf("signed in: forged X-Auth-Request-User reached the app: %q", got)
	}
	// Signed in but denied by the rules (bob is not in admins): public routes pass
	// without his identity, the rest is 403.
	bob := h.newBrowser()
	h.idp.QueueLogin("", mockidp.User{Subject: "bob", Claims: map[string]any{"groups": []any{"users"}}})
	if resp, _ := h.get(bob, "/app/"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob on /app/: %d, want 403", resp.StatusCode)
	}
	bobCookie := cookieHeader(h, bob)
	res = do("GET", "/static/app.js", append([]string{"Cookie", bobCookie}, forged...)...)
	if res.status != 200 || len(seenAny(res.seen, HeaderUser)) > 0 || len(seenAny(res.seen, HeaderGroups)) > 0 {
		t.Errorf("denied user on a public route: %d, identity %q, want 200 without identity", res.status, seenAny(res.seen, HeaderUser))
	}
	if res := do("GET", "/admin", "Cookie", bobCookie, "Accept", "application/json"); res.status != http.StatusForbidden {
		t.Errorf("denied user on a protected path: %d, want 403", res.status)
	}
}

// TestVerifyPublicRoutes: forward auth answers 200 for public routes as the trusted
// proxy reports the request, with the forged header beside the real one in both orders.
func TestVerifyPublicRoutes(t *testing.T) {
	t.Parallel()
	h, _ := publicHarness(t, []string{"POST /hooks/github", "/static/"}, func(c *Config) {
		c.Gateway.PublicRoutes = append(c.Gateway.PublicRoutes, PublicRoute{Prefix: "/", Host: "hooks.example.com"})
	})
	type hdr = [][2]string
	verify := func(c *http.Client, peer string, headers hdr) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
		req.RemoteAddr = peer
		req.Header.Set("Accept", "application/json")
		for _, kv := range headers {
			req.Header.Add(kv[0], kv[1])
		}
		if c != nil {
			u, _ := url.Parse(h.srv.URL)
			for _, ck := range c.Jar.Cookies(u) {
				req.AddCookie(ck)
			}
		}
		rec := httptest.NewRecorder()
		h.rp.Handler().ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name    string
		peer    string
		headers hdr
		status  int
	}{
		{"public prefix", trustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}}, 200},
		{"public via X-Original-URI", trustedPeer, hdr{{"X-Original-URI", "/static/a.js"}}, 200},
		{"public via X-Original-URL", trustedPeer, hdr{{"X-Original-URL", "https://app.example.com/static/a.js"}}, 200},
		{"protected", trustedPeer, hdr{{"X-Forwarded-Uri", "/admin"}}, 401},
		{"no original path", trustedPeer, nil, 401},
		{"untrusted peer claims a public path", untrustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}}, 401},
		{"dot-dot out of public", trustedPeer, hdr{{"X-Forwarded-Uri", "/static/../admin"}}, 400},
		{"encoded dot-dot out of public", trustedPeer, hdr{{"X-Forwarded-Uri", "/static/%2e%2e/admin"}}, 400},
		{"path parameter out of public", trustedPeer, hdr{{"X-Forwarded-Uri", "/static;x/../admin"}}, 400},
		{"method matches", trustedPeer, hdr{{"X-Forwarded-Method", "POST"}, {"X-Forwarded-Uri", "/hooks/github"}}, 200},
		{"method does not match", trustedPeer, hdr{{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/hooks/github"}}, 401},
		{"method unknown", trustedPeer, hdr{{"X-Original-URI", "/hooks/github"}}, 401},
		{"X-Original-Method", trustedPeer, hdr{{"X-Original-Method", "POST"}, {"X-Original-URI", "/hooks/github"}}, 200},
		// A client's header passed on beside the proxy's, both orders.
		{"forged public X-Original-URI beside real X-Forwarded-Uri", trustedPeer, hdr{{"X-Forwarded-Uri", "/admin"}, {"X-Original-URI", "/static/a.js"}}, 401},
		{"forged public X-Forwarded-Uri beside real X-Original-URI", trustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}, {"X-Original-URI", "/admin"}}, 401},
		{"forged first, real second (one header)", trustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}, {"X-Forwarded-Uri", "/admin"}}, 401},
		{"real first, forged second (one header)", trustedPeer, hdr{{"X-Forwarded-Uri", "/admin"}, {"X-Forwarded-Uri", "/static/a.js"}}, 401},
		{"forged X-Original-URL beside real X-Original-URI", trustedPeer, hdr{{"X-Original-URI", "/admin"}, {"X-Original-URL", "https://app.example.com/static/a.js"}}, 401},
		// Host-limited route.
		{"public host", trustedPeer, hdr{{"X-Forwarded-Host", "hooks.example.com"}, {"X-Forwarded-Uri", "/anything"}}, 200},
		{"public host, other case", trustedPeer, hdr{{"X-Forwarded-Host", "HOOKS.example.com"}, {"X-Forwarded-Uri", "/anything"}}, 200},
		{"look-alike host", trustedPeer, hdr{{"X-Forwarded-Host", "hooks.example.com.evil.io"}, {"X-Forwarded-Uri", "/anything"}}, 401},
		{"forged host first, proxy's last", trustedPeer, hdr{{"X-Forwarded-Host", "hooks.example.com, app.example.com"}, {"X-Forwarded-Uri", "/anything"}}, 401},
		{"host from an untrusted peer", untrustedPeer, hdr{{"X-Forwarded-Host", "hooks.example.com"}, {"X-Forwarded-Uri", "/anything"}}, 401},
	}
	for _, tt := range tests {
		rec := verify(nil, tt.peer, tt.headers)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
		}
		if rec.Header().Get(HeaderUser) != "" {
			t.Errorf("%s: identity headers while signed out", tt.name)
		}
	}
	h.signIn(h.client)
	rec := verify(h.client, trustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}})
	if rec.Code != 200 || rec.Header().Get(HeaderUser) != "alice" {
		t.Errorf("signed in on a public route: %d, user %q, want 200 alice", rec.Code, rec.Header().Get(HeaderUser))
	}
	bob := h.newBrowser()
	h.idp.QueueLogin("", mockidp.User{Subject: "bob", Claims: map[string]any{"groups": []any{"users"}}})
	h.get(bob, "/app/")
	rec = verify(bob, trustedPeer, hdr{{"X-Forwarded-Uri", "/static/a.js"}})
	if rec.Code != 200 || rec.Header().Get(HeaderUser) != "" {
		t.Errorf("denied user on a public route: %d, user %q, want 200 without identity", rec.Code, rec.Header().Get(HeaderUser))
	}
	if rec := verify(bob, trustedPeer, hdr{{"X-Forwarded-Uri", "/admin"}}); rec.Code != http.StatusForbidden {
		t.Errorf("denied user on a protected path: %d, want 403", rec.Code)
	}
}

// TestCORSPreflight: with PublicCORSPreflight, OPTIONS with Origin and
// Access-Control-Request-Method passes without a session; other OPTIONS do not, and
// without the option none do.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		_, proxy := publicHarness(t, nil, func(c *Config) { c.Gateway.PublicCORSPreflight = on })
		addr := proxy.Listener.Addr().String()
		tests := []struct {
			header []string
			status int
		}{
			{[]string{"Origin", "https://spa.example.com", "Access-Control-Request-Method", "PUT"}, 200},
			{[]string{"Origin", "https://spa.example.com"}, 401},
			{[]string{"Access-Control-Request-Method", "PUT"}, 401},
			{nil, 401},
		}
		for _, tt := range tests {
			want := tt.status
			if !on {
				want = http.StatusUnauthorized
			}
			if status, body := rawRequest(t, addr, http.MethodOptions, "/api/items", tt.header...); status != want {
				t.Errorf("option %v, OPTIONS %q: %d, want %d (%s)", on, tt.header, status, want, truncate(body, 100))
			}
		}
		if status, _ := rawRequest(t, addr, http.MethodPut, "/api/items", "Origin", "https://spa.example.com", "Access-Control-Request-Method", "PUT"); status != http.StatusUnauthorized {
			t.Errorf("option %v: a PUT with preflight headers passed: %d", on, status)
		}
	}
}

// failingStore is a session store that is down.
type failingStore struct{}

func (failingStore) Load(*http.Request) (*Session, error) { return nil, errors.New("store down") }
func (failingStore) Save(http.ResponseWriter, *http.Request, *Session) error {
	return errors.New("store down")
}
func (failingStore) Delete(http.ResponseWriter, *http.Request, *Session) error {
	return errors.New("store down")
}

// TestPublicRoutesSurviveStoreOutage: with the session store down, public routes pass
// without identity while the rest answers 503.
func TestPublicRoutesSurviveStoreOutage(t *testing.T) {
	t.Parallel()
	h, proxy := publicHarness(t, []string{"/healthz"}, func(c *Config) { c.SessionStore = failingStore{} })
	addr := proxy.Listener.Addr().String()
	if status, _ := rawRequest(t, addr, "GET", "/healthz"); status != http.StatusOK {
		t.Errorf("public route with the store down: %d, want 200", status)
	}
	if status, _ := rawRequest(t, addr, "GET", "/admin"); status != http.StatusServiceUnavailable {
		t.Errorf("protected path with the store down: %d, want 503", status)
	}
	rec := verifyAs(h, nil, trustedPeer, "", "X-Forwarded-Uri", "/healthz")
	if rec.Code != http.StatusOK {
		t.Errorf("verify, public route with the store down: %d, want 200", rec.Code)
	}
	if rec := verifyAs(h, nil, trustedPeer, "", "X-Forwarded-Uri", "/admin"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("verify, protected path with the store down: %d, want 503", rec.Code)
	}
}
