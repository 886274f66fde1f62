package integration

// The RP conformance suite: foyer's rp against a mockidp that misbehaves the
// way the OpenID Foundation's RP tests make their provider misbehave. Each
// case is named after the OIDF test it mirrors (oidcc-client-test-*, the
// FAPI client tests borrowed by the checklist, and a few foyer-* extras for
// response faults no OIDF test covers). The README lists which OIDF modules
// are covered and why the others are not; conformance_*_test.go hold the
// cases.
//
// Every case gets its own provider and its own rp (both in process, on
// httptest servers), so cases run in parallel and share nothing: faults,
// keys, clocks, captured requests and logs all belong to one case.
// TestConformanceSharedProvider is the exception on purpose: it shows that
// faults scoped by login_hint keep cases apart on one provider.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/leakcheck"
	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

const (
	// confCookieSecret is the cookie secret of every conformance rp.
	confCookieSecret = "conformance-suite-cookie-secret-0123456789abcdef"
	// confApp is the protected page a sign-in returns to.
	confApp = "/app/page"
	// confProvider is the id of the mock provider in rp's configuration.
	confProvider = "mock"
)

// confOptions chooses how a conformance stack is built.
type confOptions struct {
	// alg is the mock's signing algorithm; "" is RS256.
	alg string
	// idp changes the mock's Config (lifetimes, control API...).
	idp func(*mockidp.Config)
	// provider changes rp's provider configuration (token auth, form_post...).
	provider func(*rp.ProviderConfig)
	// before are faults queued before rp starts: discovery and JWKS faults
	// must be in place for rp's first fetch.
	before []mockidp.Fault
	// prepare runs once the mock is up, before rp starts.
	prepare func(t *testing.T, idp *mockidp.TestServer)
	// shared, when set, is a provider shared with other cases instead of a
	// fresh one; its client "demo" (secret "demo-secret") must accept any
	// loopback redirect URI. The other fields changing the mock are ignored.
	shared *mockidp.TestServer
	// noWait returns before rp has discovered the provider.
	noWait bool
}

// confStack is one conformance case's world: a fresh mock provider, a fresh
// rp in front of a one-line app, rp's log captured and rp's clock movable.
type confStack struct {
	t     *testing.T
	idp   *mockidp.TestServer
	rp    *rp.RP
	rpURL string
	log   *confLog
	clock *confClock
}

// startConf starts a stack. The mock's client registers exactly rp's
// redirect URI, post-logout redirect URI and back-channel logout URI (no
// loopback wildcard), so a sign-in or sign-out that works proves that rp
// sends the registered values.
func startConf(t *testing.T, o confOptions) *confStack {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	rpURL := "http://" + srv.Listener.Addr().String()
	client := mockidp.Client{
		ID: "demo", Secret: "demo-secret",
		RedirectURIs:           []string{rpURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{rpURL + "/auth/logout/done"},
		BackchannelLogoutURI:   rpURL + "/auth/backchannel-logout",
	}
	opts := []mockidp.Option{mockidp.WithClients(client), mockidp.WithLogin(mockidp.LoginAuto)}
	if o.alg != "" {
		opts = append(opts, mockidp.WithAlg(o.alg))
	}
	if o.idp != nil {
		opts = append(opts, mockidp.WithConfig(o.idp))
	}
	idp := o.shared
	if idp == nil {
		idp = mockidp.NewTestServer(t, opts...)
	}
	for _, f := range o.before {
		idp.InjectFault(f)
	}
	if o.prepare != nil {
		o.prepare(t, idp)
	}

	st := &confStack{t: t, idp: idp, rpURL: rpURL, log: &confLog{}, clock: &confClock{}}
	t.Cleanup(st.assertLogClean)
	pc := rp.ProviderConfig{ID: confProvider, Issuer: idp.Issuer, ClientID: client.ID, ClientSecret: client.Secret}
	if o.provider != nil {
		o.provider(&pc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := rp.New(ctx, rp.Config{
		PublicURL:     rpURL,
		Providers:     []rp.ProviderConfig{pc},
		CookieSecrets: [][]byte{[]byte(confCookieSecret)},
		Logger:        confSlog(st.log),
		Now:           st.clock.Now,
	})
	if err != nil {
		t.Fatalf("rp.New: %v", err)
	}
	st.rp = p
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "landed as "+u.Subject)
	})))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	if !o.noWait {
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if err := p.WaitReady(wctx); err != nil {
			t.Fatalf("rp never discovered the provider: %v\nrp log:\n%s", err, st.log)
		}
	}
	return st
}

// browser returns a fresh cookie-jar client: one person's browser.
func (st *confStack) browser() *stack.Client { return stack.NewClient(st.t) }

// attempt plays a whole sign-in in browser b: /auth/login, the provider
// (auto login: no page), a form_post page if there is one, rp's callback
// and wherever rp sends the browser then. It returns the last answer.
func (st *confStack) attempt(b *stack.Client) *stack.Response {
	st.t.Helper()
	r := b.Get(st.rpURL + "/auth/login?provider=" + confProvider + "&rd=" + url.QueryEscape(confApp))
	if !stack.IsRedirect(r.StatusCode) || !strings.HasPrefix(r.Location(st.t).String(), st.idp.Issuer+"/authorize") {
		st.t.Fatalf("GET /auth/login: want a redirect to %s/authorize\n%s\nrp log:\n%s", st.idp.Issuer, r, st.log)
	}
	return st.follow(b, r)
}

// follow follows r's redirects, posting form_post pages on to rp's callback
// as their script would.
func (st *confStack) follow(b *stack.Client, r *stack.Response) *stack.Response {
	st.t.Helper()
	r = b.Follow(r)
	for range 3 {
		posted := false
		for _, f := range r.Forms() {
			if strings.HasPrefix(f.Action.String(), st.rpURL+"/auth/callback") && strings.HasPrefix(r.URL.String(), st.idp.Issuer) {
				hops := r.Hops
				r = b.Follow(b.Submit(f, "", nil))
				r.Hops = append(hops, r.Hops...)
				posted = true
				break
			}
		}
		if !posted {
			break
		}
	}
	return r
}

// signIn signs alice in with browser b and fails unless she lands on the app.
func (st *confStack) signIn(b *stack.Client) {
	st.t.Helper()
	st.assertAccepted(b, st.attempt(b))
}

// assertAccepted fails unless r is the app page greeting alice and rp's
// /auth/userinfo names her, from the mock's issuer.
func (st *confStack) assertAccepted(b *stack.Client, r *stack.Response) {
	st.t.Helper()
	if r.StatusCode != http.StatusOK || r.URL.String() != st.rpURL+confApp || string(r.Body) != "landed as alice" {
		st.t.Fatalf("sign-in: want 200 %q at %s\n%s\nrp log:\n%s", "landed as alice", confApp, r, st.log)
	}
	ui := st.userinfo(b)
	if ui.StatusCode != http.StatusOK {
		st.t.Fatalf("GET /auth/userinfo after sign-in: want 200\n%s", ui)
	}
	var got struct{ Iss, Sub string }
	ui.JSON(st.t, &got)
	if got.Sub != "alice" || got.Iss != st.idp.Issuer {
		st.t.Errorf("/auth/userinfo: got iss=%q sub=%q, want %q alice", got.Iss, got.Sub, st.idp.Issuer)
	}
}

// userinfo fetches rp's /auth/userinfo as JSON in browser b.
func (st *confStack) userinfo(b *stack.Client) *stack.Response {
	st.t.Helper()
	req := b.NewRequest(http.MethodGet, st.rpURL+"/auth/userinfo", nil)
	req.Header.Set("Accept", "application/json")
	return b.Do(req)
}

// claims returns the claims of b's session from /auth/userinfo.
func (st *confStack) claims(b *stack.Client) map[string]any {
	st.t.Helper()
	r := st.userinfo(b)
	if r.StatusCode != http.StatusOK {
		st.t.Fatalf("GET /auth/userinfo: want 200 (signed in)\n%s", r)
	}
	var got struct{ Claims map[string]any }
	r.JSON(st.t, &got)
	return got.Claims
}

// assertNoSession fails unless browser b is signed out at rp.
func (st *confStack) assertNoSession(b *stack.Client) {
	st.t.Helper()
	if r := st.userinfo(b); r.StatusCode != http.StatusUnauthorized {
		st.t.Fatalf("GET /auth/userinfo: want 401 (no session)\n%s\nrp log:\n%s", r, st.log)
	}
}

// confRejection is what a refused sign-in must look like.
type confRejection struct {
	// status is the HTTP status of rp's error page.
	status int
	// message is a piece of the plain-words message the person reads.
	message string
	// reason is a piece of the technical reason in rp's log line.
	reason string
	// before is the provider endpoint rp must never have called
	// ("userinfo" after a bad ID token, "token" after a bad
	// authorization response); "" checks nothing.
	before string
}

// assertRejected fails unless r is rp's error page as want says, rp logged
// the reason, browser b has no session, and rp stopped before want.before.
func (st *confStack) assertRejected(b *stack.Client, r *stack.Response, want confRejection) {
	st.t.Helper()
	if r.StatusCode != want.status {
		st.t.Errorf("status: got %d, want %d\n%s\nrp log:\n%s", r.StatusCode, want.status, r, st.log)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		st.t.Errorf("error page Content-Type: got %q, want text/html", ct)
	}
	if text := r.Text(); !strings.Contains(text, want.message) {
		st.t.Errorf("error page: got %q, want it to say %q", text, want.message)
	}
	if !st.log.has("request failed", want.reason) {
		st.t.Errorf("rp log: no \"request failed\" line with reason containing %q\n%s", want.reason, st.log)
	}
	if want.before != "" {
		if n := len(st.idp.Requests(want.before)); n != 0 {
			st.t.Errorf("rp called the provider's %s endpoint %d times, want 0: it must stop at the bad answer", want.before, n)
		}
	}
	st.assertNoSession(b)
}

// confSlog returns a logger writing JSON lines of every level to w.
func confSlog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// assertLogClean fails the test if rp logged a token (any JWT: ID, access
// or logout token) or the user's email address, whatever the case did.
func (st *confStack) assertLogClean() {
	log := st.log.String()
	if found := leakcheck.Find(log, "alice@example.com"); found != nil {
		st.t.Errorf("rp log contains %q (a token or an email address):\n%s", found, log)
	}
}

// confClock is rp's clock: real time plus an offset a test can move, until
// Stop makes it stand still.
type confClock struct {
	mu      sync.Mutex
	offset  time.Duration
	stopped bool
	at      time.Time // the time while stopped
}

// Now returns the current time of the clock.
func (c *confClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return c.at
	}
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *confClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
}

// Stop stops the clock at its current time: from then on only Advance moves it,
// so that a test's "one second before" stays one second however long the
// machine takes between two requests.
func (c *confClock) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.at, c.stopped = time.Now().Add(c.offset), true
	}
}

// confLog collects rp's JSON log lines; it is safe for concurrent use.
type confLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *confLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *confLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// errConfNotYet tells stack.Poll to check again.
var errConfNotYet = errors.New("not yet")

// records returns the log lines decoded.
func (l *confLog) records() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// has reports whether a line with message msg has a reason containing reason.
func (l *confLog) has(msg, reason string) bool {
	for _, rec := range l.records() {
		if m, _ := rec["msg"].(string); m != msg {
			continue
		}
		if r, _ := rec["reason"].(string); strings.Contains(r, reason) {
			return true
		}
	}
	return false
}

// waitLog waits until rp logs a line with message msg and a reason
// containing reason.
func (st *confStack) waitLog(msg, reason string) {
	st.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := stack.Poll(ctx, 10*time.Millisecond, func() error {
		if st.log.has(msg, reason) {
			return nil
		}
		return errConfNotYet
	})
	if err != nil {
		st.t.Fatalf("rp never logged %q with reason containing %q: %v\n%s", msg, reason, err, st.log)
	}
}
