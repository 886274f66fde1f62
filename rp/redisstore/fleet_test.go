package redisstore_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

// This file is the harness of the multi-replica tests: one mock provider, one real
// redis-server, and several rp replicas, each an rp.RP with its own Redis client behind
// its own listener, sharing a clock that tests move by hand.

// TestMain quiets go-redis's process-wide logger, which would otherwise print every
// refused dial of the outage tests to stderr, as a program does with ClientLogger.
func TestMain(m *testing.M) {
	redis.SetLogger(redisstore.ClientLogger{Logger: slog.New(slog.DiscardHandler)})
	os.Exit(m.Run())
}

// fakeClock is a clock tests move by hand.
type fakeClock = revocationtest.Clock

// accessTokenTTL is the mock's access token lifetime in these tests.
const accessTokenTTL = 5 * time.Minute

// storeTimeout is each replica's redisstore.Options.Timeout unless a test sets one:
// longer than any Redis round trip takes on a loaded test machine, so that a request
// gets 503 only when Redis is really down. Past the timeout rp answers 503 (failing
// closed, as it must): with 1 s, a burst of 50 concurrent requests under -race on a
// busy 2-core machine once saw a session load time out.
const storeTimeout = 10 * time.Second

// cookieSecret is every replica's cookie secret.
var cookieSecret = []byte("0123456789abcdef0123456789abcdef-fleet")

// fleet is a provider, a Redis and the replicas in front of them.
type fleet struct {
	t     testing.TB
	redis *redistest.Server
	idp   *mockidp.TestServer
	clock *fakeClock
}

// newFleet starts redis-server (skipping without it, failing with REQUIRE_REDIS=1) and
// a mock provider with clients (nil: the default demo client).
func newFleet(t testing.TB, clients ...mockidp.Client) *fleet {
	t.Helper()
	f := &fleet{t: t, redis: redistest.Start(t), clock: revocationtest.NewClock(time.Now())}
	opts := []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = accessTokenTTL })}
	if len(clients) > 0 {
		opts = append(opts, mockidp.WithClients(clients...))
	}
	f.idp = mockidp.NewTestServer(t, opts...)
	f.idp.Advance(0)
	return f
}

// listen opens a loopback listener, so that a replica's URL is known before the
// provider that calls it back is configured.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// replica is one rp replica.
type replica struct {
	rp      *rp.RP
	url     string
	handler http.Handler      // what the listener serves
	st      *redisstore.Store // nil with cookie sessions and in-process revocations
}

// replicaOpt says how a replica differs from the default (Redis sessions, client demo,
// a new listener, reached as 127.0.0.1).
type replicaOpt struct {
	ln             net.Listener
	host           string // "localhost" keeps its cookies apart from 127.0.0.1's
	clientID       string
	secret         string
	cookieSessions bool
	// sharedRevocations keeps the revocation list and replay cache in Redis, as
	// cookie-session replicas need (Redis sessions have them anyway).
	sharedRevocations bool
	// now, if set, is this replica's clock instead of the fleet's.
	now func() time.Time
	// wrap, if set, wraps the Redis session store (to observe or delay it).
	wrap func(*redisstore.SessionStore) rp.SessionStore
	// timeout, if set, is the store's Options.Timeout instead of storeTimeout.
	timeout time.Duration
}

// replica starts an rp replica and waits until it has discovered the provider.
func (f *fleet) replica(o replicaOpt) *replica {
	t := f.t
	t.Helper()
	if o.ln == nil {
		o.ln = listen(t)
	}
	if o.host == "" {
		o.host = "127.0.0.1"
	}
	if o.clientID == "" {
		o.clientID, o.secret = f.idp.ClientID, f.idp.ClientSecret
	}
	if o.now == nil {
		o.now = f.clock.Now
	}
	if o.timeout == 0 {
		o.timeout = storeTimeout
	}
	_, port, _ := net.SplitHostPort(o.ln.Addr().String())
	r := &replica{url: "http://" + net.JoinHostPort(o.host, port)}
	cfg := rp.Config{
		PublicURL: r.url,
		Providers: []rp.ProviderConfig{{
			ID: "mock", Issuer: f.idp.Issuer, ClientID: o.clientID, ClientSecret: o.secret,
			Scopes: []string{"openid", "profile", "email", "offline_access"},
		}},
		CookieSecrets: [][]byte{cookieSecret},
		Now:           o.now,
		Logger:        slog.New(slog.DiscardHandler),
	}
	if !o.cookieSessions || o.sharedRevocations {
		st, err := redisstore.New(t.Context(), redisstore.Options{URL: f.redis.URL, IndexSecrets: [][]byte{cookieSecret}, Timeout: o.timeout, Now: o.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		r.st = st
	}
	if o.sharedRevocations {
		cfg.Revocations, cfg.ReplayCache = r.st, r.st
	}
	if !o.cookieSessions {
		ss := redisstore.NewSessionStore(r.st, redisstore.SessionStoreConfig{InsecureHTTP: true, Now: o.now})
		cfg.SessionStore = ss
		if o.wrap != nil {
			cfg.SessionStore = o.wrap(ss)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := rp.New(ctx, cfg)
	if err != nil {
		t.Fatalf("rp.New: %v", err)
	}
	r.rp = p
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.HandleFunc("/readyz", p.Readyz)
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "hello "+u.Subject)
	})))
	r.handler = mux
	srv := &httptest.Server{Listener: o.ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(srv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	return r
}

// browser returns a client with its own cookie jar that follows redirects. Cookies do
// not depend on the port, so one browser carries its session to every replica.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// get fetches u with c; a transport error gives status -1.
func get(c *http.Client, u string) (int, string) {
	resp, err := c.Get(u)
	if err != nil {
		return -1, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn signs c in through r and checks it lands on /app/ as alice.
func (f *fleet) signIn(c *http.Client, r *replica) {
	f.t.Helper()
	if st, body := get(c, r.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		f.t.Fatalf("sign-in through %s: %d %.200q, want 200 hello alice", r.url, st, body)
	}
}

// signedIn reports whether c has a live session at r.
func (f *fleet) signedIn(c *http.Client, r *replica) bool {
	f.t.Helper()
	switch st, body := get(c, r.url+"/auth/userinfo"); st {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	default:
		f.t.Fatalf("%s/auth/userinfo: %d %.200q", r.url, st, body)
		return false
	}
}

// expireAccessToken moves rp's and the provider's clocks past the access token's expiry.
func (f *fleet) expireAccessToken() {
	f.clock.Advance(accessTokenTTL + time.Second)
	f.idp.Advance(accessTokenTTL + time.Second)
}

// refreshes counts the refresh_token grants the provider received.
func (f *fleet) refreshes() int {
	n := 0
	for _, r := range f.idp.Requests("token") {
		if r.Params.Get("grant_type") == "refresh_token" {
			n++
		}
	}
	return n
}

// sid returns the provider session id of c's session at r, from /auth/userinfo.
func (f *fleet) sid(c *http.Client, r *replica) string {
	f.t.Helper()
	_, body := get(c, r.url+"/auth/userinfo")
	var info struct {
		Claims struct {
			SID string `json:"sid"`
		} `json:"claims"`
	}
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.Claims.SID == "" {
		f.t.Fatalf("no sid in /auth/userinfo (%v): %.300q", err, body)
	}
	return info.Claims.SID
}
