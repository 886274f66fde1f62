package rp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// fakeIntrospection is an RFC 7662 endpoint the test scripts: answers by token, with
// a count of calls; it checks rp's client authentication.
type fakeIntrospection struct {
	t         *testing.T
	id, sec   string
	calls     atomic.Int64
	mu        sync.Mutex
	answers   map[string]func(w http.ResponseWriter)
	badAuth   atomic.Int64
	lastToken atomic.Value
}

func (f *fakeIntrospection) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	id, sec, ok := r.BasicAuth()
	if uid, _ := url.QueryUnescape(id); !ok || uid != f.id || sec != url.QueryEscape(f.sec) || r.Method != http.MethodPost {
		f.badAuth.Add(1)
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	tok := r.PostFormValue("token")
	f.lastToken.Store(tok)
	f.mu.Lock()
	a := f.answers[tok]
	f.mu.Unlock()
	if a == nil {
		w.Write([]byte(`{"active":false}`))
		return
	}
	a(w)
}

func (f *fakeIntrospection) set(tok string, a func(w http.ResponseWriter)) {
	f.mu.Lock()
	f.answers[tok] = a
	f.mu.Unlock()
}

// jsonAnswer answers 200 with v as JSON.
func jsonAnswer(v any) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
}

func newIntrospectionKit(t *testing.T, b BearerConfig) (*bearerKit, *fakeIntrospection) {
	t.Helper()
	f := &fakeIntrospection{t: t, answers: map[string]func(http.ResponseWriter){}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	b.Enabled = true
	b.IntrospectionURL = srv.URL + "/introspect"
	k := newBearerKit(t, b, nil)
	f.id, f.sec = k.h.idp.ClientID, k.h.idp.ClientSecret
	return k, f
}

// TestBearerIntrospection: opaque tokens are introspected; every answer that is not
// a clear "active" for this provider's access token is refused, outages and garbage
// are 503 and never let in, and times are checked at both edges.
func TestBearerIntrospection(t *testing.T) {
	t.Parallel()
	// The answers that must arrive in time get the default timeout (5 s): a loaded
	// machine may take longer than a short one to answer at all. The slow answer
	// gets its own rp, whose timeout is short.
	k, f := newIntrospectionKit(t, BearerConfig{Introspection: IntrospectOpaque, Scopes: []string{"read"}})
	slowKit, slowFake := newIntrospectionKit(t, BearerConfig{Introspection: IntrospectOpaque, Scopes: []string{"read"}, IntrospectionTimeout: 300 * time.Millisecond})
	now := k.h.clock.Now()
	skew := DefaultClockSkew
	active := func(over map[string]any) func(http.ResponseWriter) {
		a := map[string]any{"active": true, "sub": "svc-2", "username": "svc-two", "scope": "read", "client_id": "cli",
			"aud": k.h.idp.ClientID, "iss": k.h.idp.Issuer, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "token_type": "Bearer"}
		for n, v := range over {
			if v == nil {
				delete(a, n)
			} else {
				a[n] = v
			}
		}
		return jsonAnswer(a)
	}
	tests := []struct {
		name   string
		answer func(http.ResponseWriter)
		status int
		code   string
	}{
		{"active", active(nil), 200, ""},
		{"active, minimal (no aud, exp, iss, token_type)", active(map[string]any{"aud": nil, "exp": nil, "iss": nil, "token_type": nil, "iat": nil}), 200, ""},
		{"exp 1 s inside the skew", active(map[string]any{"exp": now.Add(-skew + time.Second).Unix()}), 200, ""},
		{"exp 1 s past the skew", active(map[string]any{"exp": now.Add(-skew - time.Second).Unix()}), 401, "invalid_token"},
		{"nbf 1 s past the skew", active(map[string]any{"nbf": now.Add(skew + time.Second).Unix()}), 401, "invalid_token"},
		{"inactive", jsonAnswer(map[string]any{"active": false}), 401, "invalid_token"},
		{"inactive, with claims", active(map[string]any{"active": false}), 401, "invalid_token"},
		{"active as a string", jsonAnswer(map[string]any{"active": "true", "sub": "x"}), 503, "temporarily_unavailable"},
		{"no active member", jsonAnswer(map[string]any{"sub": "x"}), 503, "temporarily_unavailable"},
		{"a refresh token", active(map[string]any{"token_type": "refresh_token"}), 401, "invalid_token"},
		{"wrong iss", active(map[string]any{"iss": "https://evil.example"}), 401, "invalid_token"},
		{"wrong aud", active(map[string]any{"aud": "other-api"}), 401, "invalid_token"},
		{"no sub", active(map[string]any{"sub": nil}), 401, "invalid_token"},
		{"missing scope", active(map[string]any{"scope": "write"}), 403, "insufficient_scope"},
		{"500", func(w http.ResponseWriter) { http.Error(w, "down", 500) }, 503, "temporarily_unavailable"},
		{"500 with an active body", func(w http.ResponseWriter) {
			w.WriteHeader(500)
			json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "svc-2", "scope": "read"})
		}, 503, "temporarily_unavailable"},
		{"garbage", func(w http.ResponseWriter) { w.Write([]byte("<html>oops")) }, 503, "temporarily_unavailable"},
		{"JSON array", func(w http.ResponseWriter) { w.Write([]byte(`[{"active":true}]`)) }, 503, "temporarily_unavailable"},
	}
	slow := jsonAnswer(map[string]any{"active": true, "sub": "svc-2", "username": "svc-two", "scope": "read", "client_id": "cli",
		"aud": slowKit.h.idp.ClientID, "iss": slowKit.h.idp.Issuer, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "token_type": "Bearer"})
	slowFake.set("opaque-slow", func(w http.ResponseWriter) { time.Sleep(time.Second); slow(w) })
	for via, a := range map[string]answer{
		"proxy":  call(t, "GET", slowKit.proxy.URL+"/api", "Authorization", "Bearer opaque-slow"),
		"verify": call(t, "GET", slowKit.h.srv.URL+"/auth/verify", "Authorization", "Bearer opaque-slow", "X-Forwarded-Uri", "/api"),
	} {
		checkRefusal(t, via+": slow", a, 503, "temporarily_unavailable")
		if a.header.Get("Retry-After") == "" {
			t.Errorf("%s: slow: 503 without Retry-After", via)
		}
	}
	for i, tt := range tests {
		tok := "opaque-" + strings.ReplaceAll(tt.name, " ", "_") + "-" + string(rune('a'+i))
		tok = strings.Map(func(r rune) rune {
			if isB64Token(string(r)) {
				return r
			}
			return '_'
		}, tok)
		f.set(tok, tt.answer)
		for _, via := range []string{"proxy", "verify"} {
			var a answer
			if via == "proxy" {
				a = call(t, "GET", k.proxy.URL+"/api", "Authorization", "Bearer "+tok)
			} else {
				a = call(t, "GET", k.h.srv.URL+"/auth/verify", "Authorization", "Bearer "+tok, "X-Forwarded-Uri", "/api")
			}
			name := via + ": " + tt.name
			if tt.status != 200 {
				checkRefusal(t, name, a, tt.status, tt.code)
				if tt.status == 503 && a.header.Get("Retry-After") == "" {
					t.Errorf("%s: 503 without Retry-After", name)
				}
				continue
			}
			hdr := a.header
			if via == "proxy" {
				hdr = a.seen.Header
			}
			if a.status != 200 || hdr.Get(HeaderUser) != "svc-2" || hdr.Get(HeaderPreferredUsername) != "svc-two" {
				t.Errorf("%s: %d user %q name %q, want 200 svc-2 svc-two", name, a.status, hdr.Get(HeaderUser), hdr.Get(HeaderPreferredUsername))
			}
		}
	}
	if n := f.badAuth.Load() + slowFake.badAuth.Load(); n != 0 {
		t.Errorf("%d introspection calls without rp's client credentials", n)
	}
}

// TestBearerIntrospectionCache: an answer is reused until the cache TTL or the token's
// exp, whichever comes first, for the same token only; outages are not cached;
// concurrent requests for one token make one call; the cache is keyed by a hash.
func TestBearerIntrospectionCache(t *testing.T) {
	t.Parallel()
	k, f := newIntrospectionKit(t, BearerConfig{Introspection: IntrospectOpaque, IntrospectionCacheTTL: time.Minute})
	now := k.h.clock.Now()
	f.set("tok-long", jsonAnswer(map[string]any{"active": true, "sub": "a", "exp": now.Add(time.Hour).Unix()}))
	get := func(tok string) int { return call(t, "GET", k.proxy.URL+"/x", "Authorization", "Bearer "+tok).status }
	calls := func() int64 { return f.calls.Load() }

	if get("tok-long") != 200 || get("tok-long") != 200 || calls() != 1 {
		t.Fatalf("two requests, one token: %d calls, want 1", calls())
	}
	k.h.clock.Advance(time.Minute - time.Second)
	if get("tok-long") != 200 || calls() != 1 {
		t.Errorf("1 s before the TTL: %d calls, want still 1", calls())
	}
	k.h.clock.Advance(2 * time.Second)
	if get("tok-long") != 200 || calls() != 2 {
		t.Errorf("1 s after the TTL: %d calls, want 2", calls())
	}
	// A token expiring before the TTL is cached only until its exp.
	f.set("tok-short", jsonAnswer(map[string]any{"active": true, "sub": "b", "exp": k.h.clock.Now().Add(10 * time.Second).Unix()}))
	if get("tok-short") != 200 || calls() != 3 {
		t.Fatalf("tok-short: %d calls, want 3", calls())
	}
	k.h.clock.Advance(9 * time.Second)
	if get("tok-short") != 200 || calls() != 3 {
		t.Errorf("1 s before the token's exp: %d calls, want 3 (cached)", calls())
	}
	k.h.clock.Advance(2 * time.Second) // past exp, within the clock skew
	if get("tok-short") != 200 || calls() != 4 {
		t.Errorf("1 s past the token's exp: %d calls, want 4 (asked again)", calls())
	}
	// An outage is not cached: the next request asks again and passes.
	var down atomic.Bool
	down.Store(true)
	f.set("tok-flaky", func(w http.ResponseWriter) {
		if down.Load() {
			http.Error(w, "down", 503)
			return
		}
		jsonAnswer(map[string]any{"active": true, "sub": "c"})(w)
	})
	if s := get("tok-flaky"); s != 503 {
		t.Errorf("outage: %d, want 503", s)
	}
	down.Store(false)
	if s := get("tok-flaky"); s != 200 {
		t.Errorf("after the outage: %d, want 200 (outages are not cached)", s)
	}
	// Concurrent requests for one new token: one call.
	before := calls()
	f.set("tok-slow", func(w http.ResponseWriter) {
		time.Sleep(200 * time.Millisecond)
		jsonAnswer(map[string]any{"active": true, "sub": "d"})(w)
	})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s := get("tok-slow"); s != 200 {
				t.Errorf("concurrent: %d", s)
			}
		}()
	}
	wg.Wait()
	if n := calls() - before; n != 1 {
		t.Errorf("10 concurrent requests for one token: %d calls, want 1", n)
	}
	// Keyed by a hash: no cache key holds the token.
	k.h.rp.introspections.mu.Lock()
	for key := range k.h.rp.introspections.cache {
		if strings.Contains(string(key[:]), "tok-") {
			t.Error("a cache key holds the token")
		}
	}
	k.h.rp.introspections.mu.Unlock()
}

// TestBearerWithMockIdP: real tokens from the mock provider — client_credentials and
// a signed-in user's access token (RFC 9068 JWTs) — through the proxy and
// /auth/verify, verified locally and, with IntrospectAll, at its /introspect too, which
// then notices a revoked token once the cached answer is older than the TTL.
func TestBearerWithMockIdP(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Providers[0].Bearer = BearerConfig{Enabled: true, Introspection: IntrospectAll, IntrospectionCacheTTL: 30 * time.Second}
	}, mockidp.WithLogin(mockidp.LoginAuto))
	up := httptest.NewServer(seenBy())
	t.Cleanup(up.Close)
	upURL, _ := url.Parse(up.URL)
	proxy := httptest.NewServer(h.rp.Proxy(upURL, ProxyOptions{}))
	t.Cleanup(proxy.Close)
	token := func(form url.Values) string {
		req, _ := http.NewRequest("POST", h.idp.Issuer+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(h.idp.ClientID, h.idp.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tr)
		if tr.AccessToken == "" {
			t.Fatalf("token endpoint: %d", resp.StatusCode)
		}
		return tr.AccessToken
	}
	cc := token(url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}})
	for _, via := range []string{proxy.URL + "/api", h.srv.URL + "/auth/verify"} {
		a := call(t, "GET", via, "Authorization", "Bearer "+cc, "X-Forwarded-Uri", "/api")
		hdr := a.header
		if strings.HasSuffix(via, "/api") {
			hdr = a.seen.Header
		}
		if a.status != 200 || hdr.Get(HeaderUser) != h.idp.ClientID {
			t.Errorf("client_credentials via %s: %d user %q, want 200 %s", via, a.status, hdr.Get(HeaderUser), h.idp.ClientID)
		}
	}
	// A user's access token: sign in, take it from the session.
	h.signIn(h.client)
	userToken := h.session(h.client).Tokens.AccessToken
	a := call(t, "GET", proxy.URL+"/api", "Authorization", "Bearer "+userToken)
	if a.status != 200 || a.seen.Header.Get(HeaderUser) != "alice" {
		t.Errorf("alice's access token: %d user %q", a.status, a.seen.Header.Get(HeaderUser))
	}
	// Revoke it at the provider: refused once the cached answer is past the TTL.
	req, _ := http.NewRequest("POST", h.idp.Issuer+"/revoke", strings.NewReader(url.Values{"token": {userToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.idp.ClientID, h.idp.ClientSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	if a := call(t, "GET", proxy.URL+"/api", "Authorization", "Bearer "+userToken); a.status != 200 {
		t.Errorf("revoked, answer still cached: %d, want 200 (within the TTL)", a.status)
	}
	h.clock.Advance(31 * time.Second)
	checkRefusal(t, "revoked, cache expired", call(t, "GET", proxy.URL+"/api", "Authorization", "Bearer "+userToken), 401, "invalid_token")
	if a.header.Get("Set-Cookie") != "" {
		t.Error("a bearer request got a cookie")
	}
}
