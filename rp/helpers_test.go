package rp

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

// fakeClock is a clock tests move by hand.
type fakeClock = revocationtest.Clock

func newFakeClock() *fakeClock { return revocationtest.NewClock(time.Now()) }

// countingTransport counts token endpoint requests by grant type.
type countingTransport struct {
	base     http.RoundTripper
	refresh  atomic.Int64
	exchange atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil && strings.HasSuffix(r.URL.Path, "/token") {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		switch {
		case strings.Contains(string(body), "grant_type=refresh_token"):
			c.refresh.Add(1)
		case strings.Contains(string(body), "grant_type=authorization_code"):
			c.exchange.Add(1)
		}
	}
	return c.base.RoundTrip(r)
}

// harness is a mock provider, an RP in front of a tiny app, and a browser-like client.
type harness struct {
	t      testing.TB
	idp    *mockidp.TestServer
	rp     *RP
	srv    *httptest.Server
	clock  *fakeClock
	calls  *countingTransport
	client *http.Client // follows redirects, keeps cookies
}

type harnessOpt struct {
	idp []mockidp.Option
	cfg func(*Config)
}

// newHarness starts everything and waits until the provider is discovered.
func newHarness(t testing.TB, opt harnessOpt) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock()}
	h.idp = mockidp.NewTestServer(t, opt.idp...)
	h.idp.Advance(0)
	h.srv = httptest.NewUnstartedServer(nil)
	h.calls = &countingTransport{base: http.DefaultTransport}
	cfg := Config{
		PublicURL: "http://" + h.srv.Listener.Addr().String(),
		Providers: []ProviderConfig{{
			ID: "mock", Name: "Mock IdP", Issuer: h.idp.Issuer,
			ClientID: h.idp.ClientID, ClientSecret: h.idp.ClientSecret,
		}},
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")},
		Now:           h.clock.Now,
		HTTPClient:    &http.Client{Transport: h.calls, Timeout: 10 * time.Second},
	}
	if opt.cfg != nil {
		opt.cfg(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.rp = p
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFromContext(r.Context())
		io.WriteString(w, "hello "+u.Subject)
	})))
	mux.HandleFunc("/readyz", p.Readyz)
	mux.Handle("/", p.Home())
	h.srv.Config.Handler = mux
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if len(cfg.Providers) > 0 && cfg.Providers[0].Issuer == h.idp.Issuer {
		if err := p.WaitReady(wctx); err != nil {
			t.Fatalf("WaitReady: %v", err)
		}
	}
	h.client = h.newBrowser()
	return h
}

// newBrowser returns a client with its own cookie jar that follows redirects.
func (h *harness) newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// noFollow returns a copy of c that stops at the first redirect.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// get fetches url with c and returns status and body.
func (h *harness) get(c *http.Client, path string, header ...string) (*http.Response, string) {
	h.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = h.srv.URL + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs the default client's browser in and checks it lands on /app/.
func (h *harness) signIn(c *http.Client) {
	h.t.Helper()
	resp, body := h.get(c, "/app/")
	if resp.StatusCode != http.StatusOK || body != "hello alice" {
		h.t.Fatalf("sign-in: got %d %q, want 200 %q", resp.StatusCode, truncate(body, 300), "hello alice")
	}
}

// signedIn reports whether c has a live session, by /auth/userinfo.
func (h *harness) signedIn(c *http.Client) bool {
	h.t.Helper()
	resp, _ := h.get(c, "/auth/userinfo")
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	h.t.Fatalf("/auth/userinfo: status %d", resp.StatusCode)
	return false
}

// session returns the session c's cookies carry, or nil.
func (h *harness) session(c *http.Client) *Session {
	h.t.Helper()
	u, _ := url.Parse(h.srv.URL)
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/", nil)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	s, err := h.rp.store.Load(req)
	if err != nil {
		h.t.Fatalf("Load: %v", err)
	}
	return s
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// submitFormPost posts a form_post page's form, as the browser's script would.
func (h *harness) submitFormPost(c *http.Client, page string) (*http.Response, string) {
	h.t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no form in form_post page: %s", truncate(page, 300))
	}
	form := url.Values{}
	for _, in := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	resp, err := c.PostForm(html.UnescapeString(m[1]), form)
	if err != nil {
		h.t.Fatalf("POST form_post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// callbackURL starts a sign-in with c (rd as the return path) and follows the redirects
// up to, not into, rp's callback; it returns the callback URL the provider sent.
func (h *harness) callbackURL(t testing.TB, c *http.Client, rd string) string {
	t.Helper()
	next := h.srv.URL + "/auth/login?rd=" + url.QueryEscape(rd)
	for !strings.HasPrefix(next, h.srv.URL+"/auth/callback") {
		resp, err := c.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("%s: %d, no redirect", next, resp.StatusCode)
		}
		next = loc.String()
	}
	return next
}
