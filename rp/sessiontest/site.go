package sessiontest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// site is an RP over a store from the target, in front of a tiny app (/app/, through
// RequireLogin) and an upstream (every other path, through the proxy), signed in
// through a mock provider that shares the suite's clock.
type site struct {
	t        *testing.T
	tg       Target
	clock    *clock
	idp      *mockidp.TestServer
	srv      *httptest.Server
	upstream *httptest.Server
	cfg      func(*rp.Config)

	handler atomic.Pointer[http.Handler]
	mu      sync.Mutex
	rp      *rp.RP
	store   rp.SessionStore
}

// newSite starts a provider, an upstream and an RP; cfg adjusts the RP's Config.
func newSite(t *testing.T, tg Target, cfg func(*rp.Config)) *site {
	t.Helper()
	c := newClock()
	s := &site{t: t, tg: tg, clock: c, cfg: cfg}
	s.idp = mockidp.NewTestServer(t, mockidp.WithConfig(func(mc *mockidp.Config) { mc.Now = c.Now }))
	s.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream "+r.Header.Get("X-Forwarded-User"))
	}))
	t.Cleanup(s.upstream.Close)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.handler.Load()).ServeHTTP(w, r)
	}))
	s.restart()
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// restart replaces the RP and its store by new ones on the same backend, the way a
// restarted process (or another replica) starts: nothing in memory is kept.
func (s *site) restart() {
	s.t.Helper()
	store := s.tg.New(s.t, Options{Now: s.clock.Now, IdleTimeout: idleTimeout, Secrets: [][]byte{secretA}, InsecureHTTP: true})
	cfg := rp.Config{
		PublicURL: "http://" + s.srv.Listener.Addr().String(),
		Providers: []rp.ProviderConfig{{
			ID: "mock", Name: "Mock", Issuer: s.idp.Issuer, ClientID: s.idp.ClientID, ClientSecret: s.idp.ClientSecret,
		}},
		CookieSecrets:    [][]byte{secretA},
		SessionStore:     store,
		IdleTimeout:      idleTimeout,
		AbsoluteLifetime: absoluteLifetime,
		Now:              s.clock.Now,
		HTTPClient:       &http.Client{Timeout: 10 * time.Second},
	}
	if s.tg.Configure != nil {
		s.tg.Configure(s.t, &cfg)
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.t.Cleanup(cancel)
	p, err := rp.New(ctx, cfg)
	if err != nil {
		s.t.Fatalf("rp.New: %v", err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		s.t.Fatalf("WaitReady: %v", err)
	}
	up, _ := url.Parse(s.upstream.URL)
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "hello "+u.Subject)
	})))
	mux.Handle("/", p.Proxy(up, rp.ProxyOptions{}))
	var h http.Handler = mux
	s.handler.Store(&h)
	s.mu.Lock()
	s.rp, s.store = p, store
	s.mu.Unlock()
}

// advance moves the clock of the RP, its store and the provider.
func (s *site) advance(d time.Duration) { s.clock.Advance(d) }

// browser is a client with its own cookie jar that follows redirects. Its jar keeps
// cookies until the server deletes them, whatever their Max-Age says: the suite's
// clock is not the real one, and a refusal must be the server's doing.
type browser struct {
	s      *site
	jar    *keepJar
	client *http.Client
}

func (s *site) browser() *browser {
	j := &keepJar{cookies: map[string]map[string]string{}, order: map[string][]string{}}
	return &browser{s: s, jar: j, client: &http.Client{Jar: j, Timeout: 20 * time.Second}}
}

// keepJar is an http.CookieJar that keeps cookies by host (ports ignored, as
// browsers do) and ignores expiry except deletion.
type keepJar struct {
	mu      sync.Mutex
	cookies map[string]map[string]string // host -> name -> value
	order   map[string][]string          // host -> names in the order first set
}

func (j *keepJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	h := u.Hostname()
	if j.cookies[h] == nil {
		j.cookies[h] = map[string]string{}
	}
	for _, c := range cs {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Unix(1, 0))) {
			delete(j.cookies[h], c.Name)
			continue
		}
		if _, ok := j.cookies[h][c.Name]; !ok {
			j.order[h] = append(j.order[h], c.Name)
		}
		j.cookies[h][c.Name] = c.Value
	}
}

func (j *keepJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	h := u.Hostname()
	var out []*http.Cookie
	seen := map[string]bool{}
	for _, n := range j.order[h] {
		if v, ok := j.cookies[h][n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, &http.Cookie{Name: n, Value: v})
		}
	}
	return out
}

// siteURL is the RP's URL, for the jar.
func (b *browser) siteURL() *url.URL {
	u, _ := url.Parse(b.s.srv.URL)
	return u
}

// session returns the cookies of the RP's session (foyer_session*), by name.
func (b *browser) session() jar {
	out := jar{}
	for _, c := range b.jar.Cookies(b.siteURL()) {
		if strings.HasPrefix(c.Name, "foyer_session") {
			out[c.Name] = c.Value
		}
	}
	return out
}

// setSession replaces the browser's session cookies by j's.
func (b *browser) setSession(j jar) {
	var cs []*http.Cookie
	for n := range b.session() {
		cs = append(cs, &http.Cookie{Name: n, MaxAge: -1})
	}
	for _, n := range j.names() {
		cs = append(cs, &http.Cookie{Name: n, Value: j[n]})
	}
	b.jar.SetCookies(b.siteURL(), cs)
}

// browserWith returns a new browser holding the session cookies j: a stolen or
// backed-up copy. Each call is a fresh copy (a refused cookie gets cleared).
func (s *site) browserWith(j jar) *browser {
	c := s.browser()
	c.setSession(j)
	return c
}

// do sends a request and returns the status and body; follow says whether
// redirects are followed.
func (b *browser) do(method, path string, body url.Values, follow bool, header ...string) (*http.Response, string) {
	b.s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.s.srv.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		b.s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := *b.client
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	resp, err := c.Do(req)
	if err != nil {
		b.s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// signIn signs b in as the provider's next user and checks it lands on /app/.
func (b *browser) signIn(sub string) {
	b.s.t.Helper()
	if sub != "alice" {
		b.s.idp.QueueLogin("", mockidp.User{Subject: sub})
	}
	resp, body := b.do(http.MethodGet, "/auth/login?rd=/app/", nil, true)
	if resp.StatusCode != http.StatusOK || body != "hello "+sub {
		b.s.t.Fatalf("sign-in as %s: %d %q", sub, resp.StatusCode, trunc(body))
	}
}

// who returns the subject b is signed in as through each route, "" when signed out
// there. Signed out means the route refused: a redirect to sign in, or 401.
func (b *browser) who(route string) string {
	b.s.t.Helper()
	resp, body := b.do(http.MethodGet, route, nil, false)
	switch {
	case resp.StatusCode == http.StatusOK && route == "/app/":
		return strings.TrimPrefix(body, "hello ")
	case resp.StatusCode == http.StatusOK && route == "/proxied/":
		return strings.TrimPrefix(body, "upstream ")
	case resp.StatusCode == http.StatusOK && route == "/auth/verify":
		if u := resp.Header.Get("X-Forwarded-User"); u != "" {
			return u
		}
		b.s.t.Fatalf("/auth/verify: 200 without X-Forwarded-User")
	case resp.StatusCode == http.StatusOK && route == "/auth/userinfo":
		if m := subField.FindStringSubmatch(body); m != nil {
			return m[1]
		}
		b.s.t.Fatalf("/auth/userinfo: no sub in %q", trunc(body))
	case resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), "/auth/login"),
		resp.StatusCode == http.StatusUnauthorized:
		return ""
	}
	b.s.t.Fatalf("GET %s: unexpected %d %q", route, resp.StatusCode, trunc(body))
	return ""
}

var subField = regexp.MustCompile(`"sub":\s*"([^"]*)"`)

// routes are the ways a request meets the session: the RP's own endpoint, an app
// behind RequireLogin, an upstream behind the proxy, and forward auth (as a reverse
// proxy in front would ask it, from loopback).
var routes = []string{"/auth/userinfo", "/app/", "/proxied/", "/auth/verify"}

// loaded returns the session b's cookies carry, loaded by the site's current store.
func (b *browser) loaded() *rp.Session {
	b.s.t.Helper()
	b.s.mu.Lock()
	st := b.s.store
	b.s.mu.Unlock()
	return load(b.s.t, st, b.session())
}

// refreshes counts the refresh-token grants the provider received.
func (s *site) refreshes() int {
	n := 0
	for _, r := range s.idp.Requests("token") {
		if r.Params.Get("grant_type") == "refresh_token" {
			n++
		}
	}
	return n
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signOut signs b out with the sign-out form, as a user does.
func (b *browser) signOut() {
	b.s.t.Helper()
	_, page := b.do(http.MethodGet, "/auth/logout", nil, true)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.s.t.Fatalf("sign-out page has no CSRF field: %q", trunc(page))
	}
	resp, _ := b.do(http.MethodPost, "/auth/logout", url.Values{"csrf": {m[1]}}, false, "Origin", b.s.srv.URL)
	if resp.StatusCode != http.StatusSeeOther {
		b.s.t.Fatalf("POST /auth/logout: %d, want 303", resp.StatusCode)
	}
}
