package rp

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestCookieDomainConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		public, domain string
		want           string // "" : valid
	}{
		{"https://auth.example.com", "example.com", ""},
		{"https://auth.example.com", ".example.com", ""},
		{"https://auth.example.com", "EXAMPLE.com", ""},
		{"https://example.com", "example.com", ""},
		{"https://a.b.example.com", "b.example.com", ""},
		{"http://auth.localhost:8080", "localhost", ""},
		{"https://auth.example.com", "com", "cookie domain"},
		{"https://auth.example.com", "other.com", "not under it"},
		{"https://auth.example.com", "ample.com", "not under it"},
		{"https://auth.example.com", "auth.example.com.evil.io", "not under it"},
		{"https://auth.example.com", "example.com.", "cookie domain"},
		{"https://auth.example.com", "exa mple.com", "cookie domain"},
		{"https://auth.bücher.example", "bücher.example", "cookie domain"},
		{"https://auth.example.com", "*.example.com", "cookie domain"},
		{"https://127.0.0.1", "127.0.0.1", "cookie domain"},
		{"https://auth.example.com", "https://example.com", "cookie domain"},
	}
	for _, tt := range tests {
		c := Config{PublicURL: tt.public, Providers: []ProviderConfig{{ID: "p", Issuer: "https://idp.example.com", ClientID: "c"}},
			CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Gateway: GatewayConfig{CookieDomain: tt.domain}}
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s with %q: %v, want valid", tt.public, tt.domain, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s with %q: %v, want an error mentioning %q", tt.public, tt.domain, err, tt.want)
		}
	}
}

// TestCookieAttributes checks the session and login cookies' names and attributes for
// each public URL and cookie domain.
func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	idp := mockidp.NewTestServer(t)
	tests := []struct {
		public, domain          string
		session, login, wantDom string // cookie name of the session, prefix of login cookies, Domain
		secure                  bool
	}{
		{"https://auth.example.com", "", "__Host-foyer_session", "__Host-foyer_login_", "", true},
		{"https://auth.example.com", "example.com", "__Secure-foyer_session", "__Secure-foyer_login_", "example.com", true},
		{"https://auth.example.com", ".Example.COM", "__Secure-foyer_session", "__Secure-foyer_login_", "example.com", true},
		{"http://auth.localhost:8080", "localhost", "foyer_session", "foyer_login_", "localhost", false},
		{"http://127.0.0.1:8080", "", "foyer_session", "foyer_login_", "", false},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		p, err := New(ctx, Config{PublicURL: tt.public, CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
			Providers: []ProviderConfig{{ID: "mock", Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}},
			Gateway:   GatewayConfig{CookieDomain: tt.domain}})
		if err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		if err := p.WaitReady(wctx); err != nil {
			t.Fatal(err)
		}
		wcancel()
		check := func(what string, c *http.Cookie, namePrefix string) {
			t.Helper()
			if !strings.HasPrefix(c.Name, namePrefix) || c.Domain != tt.wantDom || c.Secure != tt.secure || !c.HttpOnly ||
				c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("%s %q: %s cookie %s; want name %s…, Domain %q, Secure %v, HttpOnly, Path=/, SameSite=Lax",
					tt.public, tt.domain, what, c.String(), namePrefix, tt.wantDom, tt.secure)
			}
		}
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.public+"/auth/login?rd=/", nil))
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusFound || len(cookies) == 0 {
			t.Fatalf("%s: login start %d, cookies %v", tt.public, rec.Code, cookies)
		}
		check("login", cookies[0], tt.login)
		rec = httptest.NewRecorder()
		now := time.Now()
		s := &Session{ID: "s1", Provider: "mock", Issuer: idp.Issuer, Subject: "alice", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
		if err := p.store.Save(rec, httptest.NewRequest("GET", tt.public+"/", nil), s); err != nil {
			t.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == tt.session {
				check("session", c, tt.session)
				goto next
			}
		}
		t.Errorf("%s %q: no session cookie %s in %v", tt.public, tt.domain, tt.session, rec.Result().Cookies())
	next:
	}
}

// TestAllowedRedirectHostsLookAlikes: "*.example.com" lets a sign-in return to real
// subdomains only.
func TestAllowedRedirectHostsLookAlikes(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.AllowedRedirectHosts = []string{"*.example.com", "app.other.test:8443"}
	})
	tests := []struct {
		rd   string
		pass bool
	}{
		{"https://app1.example.com/x?y=1", true},
		{"https://a.b.example.com/", true},
		{"https://APP1.EXAMPLE.COM/x", true},
		{"https://app.other.test:8443/x", true},
		{"https://example.com/x", false},
		{"https://EXAMPLE.com/x", false},
		{"https://.example.com/x", false},
		{"https://example.com.evil.io/x", false},
		{"https://app1.example.com.evil.io/x", false},
		{"https://evil-example.com/x", false},
		{"https://xexample.com/x", false},
		{"https://app1.example.com./x", false},
		{"https://app1.example.com@evil.io/x", false},
		{"https://evil.io@app1.example.com/x", false},
		{"https://evil.io\\@app1.example.com/x", false},
		{"https://evil.io\\.example.com/x", false},
		{"https://evil.io%5c.example.com/x", false},
		{"https://evil.io%2f.example.com/x", false},
		{"https://app1..example.com/x", false},
		{"https://app1.example.com:8443/x", false},
		{"https://app1.example.com:/x", false},
		{"https://app.other.test/x", false},
		{"https://xn--exmple-cua.com/x", false},
		{"https://app1.xn--exmple-cua.com/x", false},
		{"https://app1.exаmple.com/x", false}, // Cyrillic а
		{"https://app1.example.com\u3002evil.io/x", false},
		{"http://app1.example.com/x", false},
		{"javascript://app1.example.com/%0aalert(1)", false},
		{"//app1.example.com/x", false},
		{"https:app1.example.com/x", false},
		{"https://app1.example.com/\\evil.io", false},
	}
	for _, tt := range tests {
		got := h.rp.safeReturn(tt.rd)
		if tt.pass && got != tt.rd {
			t.Errorf("safeReturn(%q) = %q, want it kept", tt.rd, got)
		}
		if !tt.pass && got != "/" {
			t.Errorf("safeReturn(%q) = %q, want /", tt.rd, got)
		}
	}
	// Forward auth returns to the original host when it is allowed.
	for host, want := range map[string]string{
		"app1.example.com":          "https://app1.example.com/page?q=1",
		"example.com.evil.io":       "/",
		"app1.example.com.evil.io":  "/",
		"evil.io, app1.example.com": "https://app1.example.com/page?q=1", // the proxy's value is the last
		"app1.example.com, evil.io": "/",
	} {
		rec := verifyAs(h, nil, trustedPeer, "?redirect=1", "X-Forwarded-Proto", "https", "X-Forwarded-Host", host, "X-Forwarded-Uri", "/page?q=1")
		loc, _ := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusFound || loc.Query().Get("rd") != want {
			t.Errorf("X-Forwarded-Host %q: %d rd=%q, want 302 rd=%q", host, rec.Code, loc.Query().Get("rd"), want)
		}
	}
	if err := (Config{PublicURL: "https://a.example.com", Providers: []ProviderConfig{{ID: "p", Issuer: "https://i.example.com", ClientID: "c"}},
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Gateway:       GatewayConfig{AllowedRedirectHosts: []string{"*.com", "https://x.example.com", "*", "a.*.example.com"}}}).Validate(); err == nil ||
		strings.Count(err.Error(), "allowed redirect host") != 4 {
		t.Errorf("bad allowed redirect hosts: %v, want four errors", err)
	}
}

// TestOneSignInAcrossSubdomains runs rp on http://auth.foyer.localhost with cookie domain
// foyer.localhost and two apps, app1.foyer.localhost and app2.foyer.localhost, behind a Traefik-style
// forward-auth proxy (all on one loopback port, told apart by Host; no DNS): signing in
// through app1 signs the browser in on app2 too, the sign-in returns to app1, and
// signing out ends the session on both (a copy of the old cookie included).
func TestOneSignInAcrossSubdomains(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// Two labels under localhost: a cookie jar (Go's without a public suffix list, and
	// browsers) shares Domain=foyer.localhost cookies between its subdomains.
	hostPort := func(name string) string { return name + ".foyer.localhost:" + itoa(port) }
	public := "http://" + hostPort("auth")
	idp := mockidp.NewTestServer(t, mockidp.WithLogin(mockidp.LoginAuto),
		mockidp.WithClients(mockidp.Client{ID: "rp", Secret: "rp-secret", RedirectURIs: []string{public + "/auth/callback"},
			PostLogoutRedirectURIs: []string{public + "/auth/logout/done"}}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := New(ctx, Config{PublicURL: public, CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-sub")},
		Providers: []ProviderConfig{{ID: "mock", Issuer: idp.Issuer, ClientID: "rp", ClientSecret: "rp-secret"}},
		Gateway:   GatewayConfig{CookieDomain: "foyer.localhost", AllowedRedirectHosts: []string{"*.foyer.localhost:" + itoa(port)}}})
	if err != nil {
		t.Fatal(err)
	}
	// The forward-auth proxy in front of app1 and app2, as Traefik's forwardAuth does it:
	// ask /auth/verify with the original request's cookies and X-Forwarded-* headers,
	// pass a 2xx on to the app with the identity, and any other answer to the browser.
	apps := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app, _, _ := strings.Cut(r.Host, ".")
		req := httptest.NewRequest("GET", public+"/auth/verify", nil)
		req.RemoteAddr = "127.0.0.1:1"
		req.Header = http.Header{"Cookie": r.Header.Values("Cookie"), "X-Forwarded-Method": {r.Method},
			"X-Forwarded-Proto": {"http"}, "X-Forwarded-Host": {r.Host}, "X-Forwarded-Uri": {r.RequestURI}}
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			return
		}
		io.WriteString(w, app+" sees "+rec.Header().Get(HeaderUser))
	})
	mux := http.NewServeMux()
	mux.Handle("auth.foyer.localhost/", p.Handler()) // ServeMux matches hosts without the port
	mux.Handle("/", apps)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	// A browser that reaches every *.localhost name on this port without DNS.
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		switch {
		case host == "127.0.0.1": // the mock provider
			return dialer.DialContext(ctx, network, addr)
		case strings.HasSuffix(host, ".localhost"):
			return dialer.DialContext(ctx, network, ln.Addr().String())
		}
		t.Errorf("the browser tried to reach %s", addr)
		return nil, net.UnknownNetworkError("not loopback")
	}}
	browser := &http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Sign in through app1: back on app1, signed in.
	if status, body := get("http://" + hostPort("app1") + "/page?x=1"); status != 200 || body != "app1 sees alice" {
		t.Fatalf("app1 after sign-in: %d %q", status, body)
	}
	// app2 shares the session: no second sign-in.
	authorizes := len(idp.Requests("authorize"))
	if status, body := get("http://" + hostPort("app2") + "/other"); status != 200 || body != "app2 sees alice" {
		t.Fatalf("app2: %d %q, want signed in without another sign-in", status, body)
	}
	if n := len(idp.Requests("authorize")); n != authorizes {
		t.Errorf("app2 started another sign-in (%d authorize requests, had %d)", n, authorizes)
	}
	var session *http.Cookie
	for _, c := range jar.Cookies(&url.URL{Scheme: "http", Host: hostPort("app2")}) {
		if c.Name == "foyer_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("app2's host has no foyer_session cookie")
	}
	// Sign out on rp's host: both apps are signed out; a copy of the cookie is dead.
	_, page := get(public + "/auth/logout")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no logout form: %s", truncate(page, 300))
	}
	req, _ := http.NewRequest("POST", public+"/auth/logout", strings.NewReader(url.Values{"csrf": {m[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", public)
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	nf := *browser
	nf.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, app := range []string{"app1", "app2"} {
		resp, err := nf.Get("http://" + hostPort(app) + "/page")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), public+"/auth/login") {
			t.Errorf("%s after sign-out: %d to %q, want a redirect to sign in", app, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	stolen := httptest.NewRequest("GET", public+"/auth/verify", nil)
	stolen.AddCookie(session)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, stolen)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("a copy of the signed-out cookie: %d, want 401", rec.Code)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestOwnCookieNames(t *testing.T) {
	t.Parallel()
	for name, own := range map[string]bool{
		"foyer_session": true, "__Host-foyer_session": true, "__Secure-foyer_session": true, " __Secure-foyer_session_1": true,
		"__Secure-foyer_login_abc": true, "__Host-foyer_seen": true, "app": false, "__Secure-app": false, "__Host-app": false,
		"__Secure-__Host-foyer_session": false, "xfoyer_session": false,
	} {
		if got := ownCookie(name); got != own {
			t.Errorf("ownCookie(%q) = %v, want %v", name, got, own)
		}
	}
}
