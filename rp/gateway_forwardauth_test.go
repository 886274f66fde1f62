package rp

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// verifyAs calls GET /auth/verify (with query) in process, from peer, with c's cookies
// (nil: none) and the given headers.
func verifyAs(h *harness, c *http.Client, peer, query string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify"+query, nil)
	req.RemoteAddr = peer
	if c != nil {
		u, _ := url.Parse(h.srv.URL)
		for _, ck := range c.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.rp.Handler().ServeHTTP(rec, req)
	return rec
}

const (
	trustedPeer   = "127.0.0.1:40000"
	untrustedPeer = "203.0.113.9:40000"
)

func TestVerifySignedIn(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	h.signIn(h.client)
	for _, peer := range []string{trustedPeer, untrustedPeer} {
		rec := verifyAs(h, h.client, peer, "", "X-Forwarded-User", "admin", "X_Forwarded_User", "admin")
		if rec.Code != http.StatusOK {
			t.Fatalf("peer %s: status %d, want 200", peer, rec.Code)
		}
		got := rec.Header()
		if got.Get(HeaderUser) != "alice" || got.Get(HeaderEmail) != "alice@example.com" || got.Get(HeaderGroups) != "admins,users" {
			t.Errorf("identity headers = %v", got)
		}
		if got.Get(HeaderAssertion) != "" || got.Get("Authorization") != "" {
			t.Errorf("assertion or token sent while off: %v", got)
		}
	}
}

func TestVerifySignedOut(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.AllowedRedirectHosts = []string{"app.example.com"}
		c.Gateway.APIPathPrefixes = []string{"/api/"}
	})
	public, _ := url.Parse(h.srv.URL)
	login := h.srv.URL + "/auth/login?rd="
	tests := []struct {
		name   string
		peer   string
		query  string
		header []string
		status int
		rd     string // for 302: the rd of the sign-in URL
	}{
		{"nginx style: 401", trustedPeer, "", []string{"X-Original-URI", "/reports?q=1"}, 401, ""},
		{"redirect asked", trustedPeer, "?redirect=1", []string{"X-Original-URI", "/reports?q=1"}, 302, "/reports?q=1"},
		{"redirect asked, no origin", trustedPeer, "?redirect=1", nil, 302, "/"},
		{"traefik style", trustedPeer, "", []string{"X-Forwarded-Method", "GET", "X-Forwarded-Proto", "http", "X-Forwarded-Host", public.Host, "X-Forwarded-Uri", "/a/b?c=d"}, 302, "/a/b?c=d"},
		{"traefik style, POST", trustedPeer, "", []string{"X-Forwarded-Method", "POST", "X-Forwarded-Uri", "/a"}, 401, ""},
		{"traefik style, XHR", trustedPeer, "", []string{"X-Forwarded-Uri", "/a", "Accept", "application/json"}, 401, ""},
		{"traefik style, API path", trustedPeer, "", []string{"X-Forwarded-Uri", "/api/x"}, 401, ""},
		{"caddy style, allowed other host", trustedPeer, "", []string{"X-Forwarded-Method", "GET", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Uri", "/x"}, 302, "https://app.example.com/x"},
		{"X-Original-URL", trustedPeer, "?redirect=true", []string{"X-Original-URL", "https://app.example.com/y?z=1"}, 302, "https://app.example.com/y?z=1"},
		{"Forwarded header", trustedPeer, "?redirect=1", []string{"Forwarded", `for=1.2.3.4;proto=https;host="app.example.com"`, "X-Original-URI", "/f"}, 302, "https://app.example.com/f"},
		{"other host not allowed", trustedPeer, "", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "X-Forwarded-Uri", "/x"}, 302, "/"},
		{"list: last host counts", trustedPeer, "", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example.com, evil.example", "X-Forwarded-Uri", "/x"}, 302, "/"},
		{"uri scheme-relative: one path", trustedPeer, "", []string{"X-Forwarded-Uri", "//evil.example/x"}, 302, "/evil.example/x"},
		{"uri backslash", trustedPeer, "", []string{"X-Forwarded-Uri", "/\\evil.example"}, 400, ""},
		{"uri absolute", trustedPeer, "", []string{"X-Forwarded-Uri", "https://evil.example/"}, 400, ""},
		{"X-Original-URL javascript", trustedPeer, "?redirect=1", []string{"X-Original-URL", "javascript:alert(1)"}, 400, ""},
		// From an untrusted peer the forwarded headers are ignored: no Traefik-style
		// redirect is triggered by them, and they never choose the return path.
		{"untrusted: forged traefik headers", untrustedPeer, "", []string{"X-Forwarded-Method", "GET", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Uri", "/x"}, 401, ""},
		{"untrusted: forged host, redirect asked", untrustedPeer, "?redirect=1", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Uri", "/x", "X-Original-URL", "https://app.example.com/x"}, 302, "/"},
		{"untrusted: forged user", untrustedPeer, "", []string{"X-Forwarded-User", "alice", "X_Forwarded_User", "alice"}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := verifyAs(h, nil, tt.peer, tt.query, tt.header...)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body.String())
			}
			if rec.Header().Get(HeaderUser) != "" {
				t.Errorf("signed-out answer carries %s", HeaderUser)
			}
			if tt.status == http.StatusFound {
				if got, want := rec.Header().Get("Location"), login+url.QueryEscape(tt.rd); got != want {
					t.Errorf("Location = %q, want %q", got, want)
				}
			} else if tt.status == http.StatusUnauthorized && !strings.Contains(rec.Body.String(), `"unauthorized"`) {
				t.Errorf("401 body = %s", rec.Body.String())
			}
		})
	}
}

func TestVerifyRedirectConfig(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.ForwardAuthRedirect = true })
	if rec := verifyAs(h, nil, trustedPeer, "", "X-Original-URI", "/r"); rec.Code != http.StatusFound {
		t.Errorf("ForwardAuthRedirect: status %d, want 302", rec.Code)
	}
	if rec := verifyAs(h, nil, trustedPeer, "?redirect=0", "X-Original-URI", "/r"); rec.Code != http.StatusUnauthorized {
		t.Errorf("?redirect=0 overrides: status %d, want 401", rec.Code)
	}
}

// TestVerifyPathRulesTrustOnlyProxies is GHSA-7x63-xv5r-3p2x: the path a rule covers
// comes from X-Forwarded-Uri only when a trusted proxy sent it; from anyone else
// every rule applies.
func TestVerifyPathRulesTrustOnlyProxies(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}}
	})
	h.signIn(h.client)
	tests := []struct {
		name   string
		peer   string
		uri    string
		status int
	}{
		{"trusted, public path", trustedPeer, "/public/page", 200},
		{"trusted, admin path", trustedPeer, "/admin/users", 403},
		{"trusted, admin in other case", trustedPeer, "/ADMIN/users", 403},
		{"trusted, dot-dot into admin: refused", trustedPeer, "/public/../admin/users", 400},
		{"trusted, encoded slash: refused", trustedPeer, "/public%2F..%2Fadmin", 400},
		{"trusted, fragment: refused", trustedPeer, "/public#/../admin", 400},
		{"untrusted, claims public", untrustedPeer, "/public/page", 403},
		{"trusted, client's X-Original-URI passed on beside the proxy's", trustedPeer, "/admin/users|/public/page", 403},
		// The attacker's order: the forged public path in the header rp would read first.
		{"trusted, client's X-Forwarded-Uri passed on beside the proxy's X-Original-URI", trustedPeer, "/public/page|/admin/users", 403},
		{"trusted, both agree", trustedPeer, "/public/page|/public/page", 200},
		{"trusted, no uri", trustedPeer, "", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if fwd, orig, two := strings.Cut(tt.uri, "|"); two {
				hdr = []string{"X-Forwarded-Uri", fwd, "X-Original-URI", orig, "Accept", "application/json"}
			} else if tt.uri != "" {
				hdr = []string{"X-Forwarded-Uri", tt.uri, "Accept", "application/json"}
			}
			rec := verifyAs(h, h.client, tt.peer, "", hdr...)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body.String())
			}
			if tt.status != http.StatusOK && rec.Header().Get(HeaderUser) != "" {
				t.Error("a denied answer carries identity headers")
			}
		})
	}
}

func TestVerifyQueryRules(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	h.signIn(h.client) // alice: admins, users; alice@example.com
	tests := []struct {
		query  string
		status int
	}{
		{"?allowed_groups=admins", 200},
		{"?allowed_groups=ops,admins", 200},
		{"?allowed_groups=ops", 403},
		{"?allowed_emails=alice@example.com", 200},
		{"?allowed_emails=bob@example.com", 403},
		{"?allowed_email_domains=example.com", 200},
		{"?allowed_email_domains=example.org", 403},
		{"?allowed_email_domains=example.com&allowed_groups=ops", 403},
		{"?allowed_emails=a@b@example.com", 400},
	}
	for _, tt := range tests {
		rec := verifyAs(h, h.client, trustedPeer, tt.query, "Accept", "application/json")
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.query, rec.Code, tt.status, rec.Body.String())
		}
	}
}

func TestTrustedProxiesConfig(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	hdr := []string{"X-Forwarded-Method", "GET", "X-Forwarded-Uri", "/x"}
	if rec := verifyAs(h, nil, "10.1.2.3:5000", "", hdr...); rec.Code != http.StatusFound {
		t.Errorf("from 10.1.2.3: status %d, want 302 (trusted)", rec.Code)
	}
	if rec := verifyAs(h, nil, "[::ffff:10.1.2.3]:5000", "", hdr...); rec.Code != http.StatusFound {
		t.Errorf("from IPv4-mapped 10.1.2.3: status %d, want 302 (trusted)", rec.Code)
	}
	if rec := verifyAs(h, nil, trustedPeer, "", hdr...); rec.Code != http.StatusUnauthorized {
		t.Errorf("from loopback, no longer trusted: status %d, want 401", rec.Code)
	}
	if rec := verifyAs(h, nil, "garbage", "", hdr...); rec.Code != http.StatusUnauthorized {
		t.Errorf("unparsable peer: status %d, want 401", rec.Code)
	}
}

func TestVerifyEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	resp, _ := h.get(h.client, "/auth/verify", "X-Forwarded-User", "admin")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get(HeaderUser) != "" {
		t.Fatalf("signed out: %d with user %q, want 401 and no identity", resp.StatusCode, resp.Header.Get(HeaderUser))
	}
	h.signIn(h.client)
	resp, _ = h.get(h.client, "/auth/verify")
	if resp.StatusCode != http.StatusOK || resp.Header.Get(HeaderUser) != "alice" || resp.Header.Get(HeaderEmail) != "alice@example.com" ||
		resp.Header.Get(HeaderGroups) != "admins,users" || resp.Header.Get(HeaderPreferredUsername) != "alice" {
		t.Errorf("signed in: %d %v, want 200 with alice's identity headers", resp.StatusCode, resp.Header)
	}
}
