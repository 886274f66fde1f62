package integration

// Outage drills: what rp does when its provider goes away, answers too slowly
// or serves a broken key set, and what rp and mockidp do when stopped under
// load. Each drill is bounded and waits on conditions, never on fixed sleeps.
// Redis stopped and restarted under load is drilled by
// rp/redisstore/replicas_outage_test.go (two replicas sharing one Redis).

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/integration/harness"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// drillSecret is the cookie secret of the drills' rp instances.
const drillSecret = "drill-cookie-secret-0123456789abcdef-0123456789"

// drillProvider is a mock provider served on a listener the drill controls,
// so that it can be stopped and started again on the same address.
type drillProvider struct {
	*mockidp.Provider
	srv  *http.Server
	addr string
}

// startDrillProvider serves a new mock provider (auto login) on addr
// ("127.0.0.1:0" for any port) with the signing key keyPEM (nil: the
// embedded development key). wrap, if not nil, wraps its handler.
func startDrillProvider(t *testing.T, addr string, keyPEM []byte, wrap func(http.Handler) http.Handler) *drillProvider {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	p, err := mockidp.New(mockidp.Config{Issuer: "http://" + ln.Addr().String(), Login: mockidp.LoginAuto,
		SigningKeyPEM: keyPEM, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		ln.Close()
		t.Fatalf("mockidp.New: %v", err)
	}
	var h http.Handler = p
	if wrap != nil {
		h = wrap(p)
	}
	dp := &drillProvider{Provider: p, srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, addr: ln.Addr().String()}
	go func() { _ = dp.srv.Serve(ln) }()
	t.Cleanup(func() { _ = dp.srv.Close() })
	return dp
}

// drillRP is an rp in front of a tiny app at /app/ that answers "hello SUB".
type drillRP struct {
	*rp.RP
	url       string
	transport *http.Transport // rp's transport to the provider
}

// startDrillRP starts an rp for the provider at issuer. It does not wait for
// discovery. cfg, if not nil, changes the configuration first.
func startDrillRP(t *testing.T, issuer string, cfg func(*rp.Config)) *drillRP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &drillRP{url: "http://" + ln.Addr().String(), transport: &http.Transport{}}
	c := rp.Config{
		PublicURL:     d.url,
		Providers:     []rp.ProviderConfig{{ID: "mock", Issuer: issuer, ClientID: "demo", ClientSecret: "demo-secret"}},
		CookieSecrets: [][]byte{[]byte(drillSecret)},
		HTTPClient:    &http.Client{Transport: d.transport, Timeout: 5 * time.Second},
		Logger:        slog.New(slog.DiscardHandler),
	}
	if cfg != nil {
		cfg(&c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.RP, err = rp.New(ctx, c)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("rp.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", d.Handler())
	mux.HandleFunc("/readyz", d.Readyz)
	mux.Handle("/app/", d.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "hello "+u.Subject)
	})))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		cancel()
		d.transport.CloseIdleConnections()
	})
	return d
}

// waitReady waits until rp has discovered its provider.
func (d *drillRP) waitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.WaitReady(ctx); err != nil {
		t.Fatalf("rp not ready: %v", err)
	}
}

// drillBrowser is a cookie jar that follows redirects.
func drillBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// drillGet fetches u and returns the status and body.
func drillGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signInAt signs a new browser in at d (the mock signs in its first user,
// alice) and checks it lands on the app.
func signInAt(t *testing.T, d *drillRP) *http.Client {
	t.Helper()
	c := drillBrowser()
	if st, body := drillGet(t, c, d.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		t.Fatalf("sign-in at %s: got %d %.300q, want 200 \"hello alice\"", d.url, st, body)
	}
	return c
}

// callbackURL starts a sign-in at d in browser c and lets the provider answer,
// but keeps the callback URL (with its code) instead of following it.
func callbackURL(t *testing.T, d *drillRP, c *http.Client) string {
	t.Helper()
	nf := *c
	nf.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	next := d.url + "/auth/login?rd=/app/"
	for range 4 {
		resp, err := nf.Get(next)
		if err != nil {
			t.Fatalf("GET %s: %v", next, err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: status %d, no redirect", next, resp.StatusCode)
		}
		if strings.HasPrefix(loc.String(), d.url+"/auth/callback") {
			return loc.String()
		}
		next = loc.String()
	}
	t.Fatal("no callback URL after 4 redirects")
	return ""
}

// hasSession reports whether c holds a session cookie for d.
func hasSession(c *http.Client, d *drillRP) bool {
	u, _ := url.Parse(d.url)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "foyer_session") && ck.Value != "" {
			return true
		}
	}
	return false
}

// waitFor polls check every 20 ms until it returns nil or 30 s pass.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := harness.Poll(ctx, 20*time.Millisecond, check); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// newRSAKeyPEM returns a fresh RSA private key in PKCS #8 PEM.
func newRSAKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// TestDrillProviderDown stops the provider, then starts a new one on the same
// address with another signing key:
//   - signed-in users keep being served throughout;
//   - a sign-in whose code comes back while the provider is down ends on the
//     503 "cannot be reached right now" page, with no session;
//   - an rp replica started during the outage answers /readyz 503 and sign-in
//     with a 503 page;
//   - when the provider is back, both recover without a restart, and tokens
//     signed by the new key are accepted.
func TestDrillProviderDown(t *testing.T) {
	t.Parallel()
	idp := startDrillProvider(t, "127.0.0.1:0", nil, nil)
	issuer := "http://" + idp.addr
	a := startDrillRP(t, issuer, nil)
	a.waitReady(t)
	alice := signInAt(t, a)
	pending := drillBrowser()
	cb := callbackURL(t, a, pending) // a code issued just before the outage

	_ = idp.srv.Close() // the provider goes away
	a.transport.CloseIdleConnections()
	for range 5 {
		if st, body := drillGet(t, alice, a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
			t.Fatalf("signed-in user during the outage: got %d %.200q, want 200 \"hello alice\"", st, body)
		}
	}
	st, body := drillGet(t, pending, cb)
	t.Logf("callback while the provider is down: %d", st)
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached right now") || hasSession(pending, a) {
		t.Errorf("callback during the outage: got %d, session %v, body %.300q; want 503 \"cannot be reached right now\" and no session",
			st, hasSession(pending, a), body)
	}

	b := startDrillRP(t, issuer, nil) // a replica started during the outage
	if st, body := drillGet(t, drillBrowser(), b.url+"/readyz"); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz of a replica started during the outage: %d %s, want 503", st, body)
	}
	st, body = drillGet(t, drillBrowser(), b.url+"/auth/login?rd=/app/")
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached") {
		t.Errorf("sign-in at a replica started during the outage: got %d %.300q, want 503 \"cannot be reached\"", st, body)
	}

	// The provider comes back on the same address, with a key rp has never seen.
	idp2 := startDrillProvider(t, idp.addr, newRSAKeyPEM(t), nil)
	b.waitReady(t)
	if st, body := drillGet(t, drillBrowser(), b.url+"/readyz"); st != http.StatusOK {
		t.Errorf("/readyz after recovery: %d %s, want 200", st, body)
	}
	for _, d := range []*drillRP{a, b} {
		signInAt(t, d) // the new key's tokens verify (rp refetches the key set)
	}
	if st, body := drillGet(t, alice, a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		t.Errorf("signed-in user after recovery: got %d %.200q", st, body)
	}
	_ = idp2
}

// TestDrillProviderSlow makes the token endpoint answer only after rp's HTTP
// client has given up: the sign-in ends on the 503 page with no session, and
// no goroutine is left behind. Not parallel: it counts the process's goroutines.
func TestDrillProviderSlow(t *testing.T) {
	idp := startDrillProvider(t, "127.0.0.1:0", nil, nil)
	d := startDrillRP(t, "http://"+idp.addr, func(c *rp.Config) {
		c.HTTPClient = &http.Client{Transport: c.HTTPClient.Transport, Timeout: time.Second}
	})
	d.waitReady(t)
	signInAt(t, d) // warm: every pool and cache that lives on exists now
	settle := func() int {
		d.transport.CloseIdleConnections()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		return runtime.NumGoroutine()
	}
	before := settle()

	idp.InjectFault(mockidp.Fault{Delay: time.Minute, Times: 3}) // token endpoint: until the request is cancelled
	c := drillBrowser()
	st, body := drillGet(t, c, d.url+"/app/")
	t.Logf("sign-in with a slow token endpoint: %d", st)
	if st != http.StatusServiceUnavailable || hasSession(c, d) || !strings.Contains(body, "cannot be reached right now") {
		t.Errorf("sign-in with a slow token endpoint: got %d, session %v, body %.300q; want 503 \"cannot be reached right now\", no session",
			st, hasSession(c, d), body)
	}
	c.CloseIdleConnections()
	waitFor(t, "goroutines back to the baseline", func() error {
		if n := settle(); n > before {
			return errors.New(strconv.Itoa(n) + " goroutines, baseline " + strconv.Itoa(before))
		}
		return nil
	})
	idp.ClearFaults()
	signInAt(t, d) // and sign-in works again
}

// TestDrillBrokenJWKS rotates the provider's key while its key set answers
// garbage or a body far larger than rp's response cap. A sign-in then needs the
// new key: it must fail closed (error page, no session), rp must stop reading
// the huge body at its cap, and signed-in users are not affected.
func TestDrillBrokenJWKS(t *testing.T) {
	t.Parallel()
	const huge = 64 << 20
	for name, jwks := range map[string]func(w http.ResponseWriter, sent *atomic.Int64){
		"garbage": func(w http.ResponseWriter, _ *atomic.Int64) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"keys": [{"kty": "RSA", "n": "%%%", "e": 12}], garbage`)
		},
		"huge": func(w http.ResponseWriter, sent *atomic.Int64) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(`{"keys":[` + strings.Repeat(" ", 32<<10-9))
			for sent.Load() < huge {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return // rp hung up
				}
				chunk = []byte(strings.Repeat(" ", 32<<10))
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var broken atomic.Bool
			var sent atomic.Int64
			idp := startDrillProvider(t, "127.0.0.1:0", nil, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if broken.Load() && r.URL.Path == "/jwks" {
						jwks(w, &sent)
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			d := startDrillRP(t, "http://"+idp.addr, nil)
			d.waitReady(t)
			alice := signInAt(t, d)

			broken.Store(true)
			if err := idp.RotateKey(); err != nil {
				t.Fatal(err)
			}
			c := drillBrowser()
			st, body := drillGet(t, c, d.url+"/app/")
			t.Logf("sign-in needing a key: %d; key set bytes written before rp hung up: %d", st, sent.Load())
			if st < 400 || hasSession(c, d) {
				t.Errorf("sign-in needing a key from a broken key set: got %d, session %v, body %.300q; want an error page, no session",
					st, hasSession(c, d), body)
			}
			if name == "huge" && sent.Load() >= huge {
				t.Errorf("rp read the whole %d MiB key set; want it to stop at its response cap", huge>>20)
			}
			if st, body := drillGet(t, alice, d.url+"/app/"); st != http.StatusOK || body != "hello alice" {
				t.Errorf("signed-in user with a broken key set: got %d %.200q", st, body)
			}
		})
	}
}

// drillUpstream is an app that holds every request to /slow until released.
type drillUpstream struct {
	arrived atomic.Int64
	release chan struct{}
	once    sync.Once
}

func (u *drillUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		u.arrived.Add(1)
		<-u.release
	}
	io.WriteString(w, "app says hi to "+r.Header.Get("X-Forwarded-User"))
}

func (u *drillUpstream) open() { u.once.Do(func() { close(u.release) }) }

// TestDrillSIGTERM stops bin/rp and bin/mockidp with SIGTERM while requests
// are in flight: each in-flight request is answered in full, and each program
// exits with status 0 within the harness's grace period.
func TestDrillSIGTERM(t *testing.T) {
	t.Parallel()
	bins := programs.Binaries(t)
	up := &drillUpstream{release: make(chan struct{})}
	upSrv := &http.Server{Handler: up, ReadHeaderTimeout: 5 * time.Second}
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = upSrv.Serve(upLn) }()
	t.Cleanup(func() { up.open(); _ = upSrv.Close() })

	idpAddr, rpAddr := harness.FreeAddr(t), harness.FreeAddr(t)
	issuer, rpURL := "http://"+idpAddr, "http://"+rpAddr
	idp := harness.StartProcess(t, harness.ProcessConfig{Name: "mockidp", Path: bins.Path("mockidp"),
		Args: []string{"--addr", idpAddr, "--login", "auto"}, ReadyURL: issuer + "/healthz"})
	rpProc := harness.StartProcess(t, harness.ProcessConfig{Name: "rp", Path: bins.Path("rp"),
		Args: []string{"--addr", rpAddr, "--issuer", issuer, "--client-id", "demo", "--upstream", "http://" + upLn.Addr().String()},
		Env:  []string{"RP_CLIENT_SECRET=demo-secret", "RP_COOKIE_SECRET=" + drillSecret}, ReadyURL: rpURL + "/readyz"})

	c := drillBrowser()
	if st, body := drillGet(t, c, rpURL+"/"); st != http.StatusOK || body != "app says hi to alice" {
		t.Fatalf("sign-in through bin/rp: got %d %.300q", st, body)
	}

	// rp: requests held by the app, background load, then SIGTERM.
	const inFlight = 6
	results := make(chan string, inFlight)
	for range inFlight {
		go func() {
			resp, err := c.Get(rpURL + "/slow")
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				results <- "error reading: " + err.Error()
				return
			}
			results <- strconv.Itoa(resp.StatusCode) + " " + string(b)
		}()
	}
	waitFor(t, "the in-flight requests to reach the app", func() error {
		if n := up.arrived.Load(); n < inFlight {
			return errors.New(strconv.Itoa(int(n)) + " arrived")
		}
		return nil
	})
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	var badLoad atomic.Value
	load.Go(func() { drillLoad(rpURL+"/healthz", stopLoad, &badLoad) })
	// Release the app once rp has stopped accepting connections (it is shutting down).
	go func() {
		_ = harness.Poll(context.Background(), 5*time.Millisecond, func() error {
			conn, err := net.Dial("tcp", rpAddr)
			if err == nil {
				conn.Close()
				return errors.New("still accepting")
			}
			return nil
		})
		up.open()
	}()
	rpProc.Stop(t) // SIGTERM; fails unless exit 0 within the grace period
	close(stopLoad)
	load.Wait()
	for range inFlight {
		if got := <-results; got != "200 app says hi to alice" {
			t.Errorf("in-flight request during rp's shutdown: got %q, want \"200 app says hi to alice\"", got)
		}
	}
	if v := badLoad.Load(); v != nil {
		t.Errorf("load on rp during shutdown: %v", v)
	}

	// mockidp: a token request whose body is still arriving, background load, then SIGTERM.
	conn, err := net.Dial("tcp", idpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	form := "grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
	io.WriteString(conn, "POST /token HTTP/1.1\r\nHost: "+idpAddr+"\r\nAuthorization: Basic ZGVtbzpkZW1vLXNlY3JldA==\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(form))+"\r\n\r\n"+form[:10])
	stopLoad = make(chan struct{})
	load.Go(func() { drillLoad(issuer+"/.well-known/openid-configuration", stopLoad, &badLoad) })
	stopped := make(chan struct{})
	go func() { idp.Stop(t); close(stopped) }()
	_ = harness.Poll(context.Background(), 5*time.Millisecond, func() error { // until it stops accepting
		c, err := net.Dial("tcp", idpAddr)
		if err == nil {
			c.Close()
			return errors.New("still accepting")
		}
		return nil
	})
	io.WriteString(conn, form[10:])
	resp, err := io.ReadAll(conn)
	if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 400") || !strings.Contains(string(resp), "invalid_grant") {
		t.Errorf("token request in flight during mockidp's shutdown: %v %.300q, want a full 400 invalid_grant answer", err, resp)
	}
	<-stopped
	close(stopLoad)
	load.Wait()
	if v := badLoad.Load(); v != nil {
		t.Errorf("load on mockidp during shutdown: %v", v)
	}
}

// drillLoad GETs u in a loop until stop is closed. A request may fail to
// connect once the server has stopped listening; any answer must be a 200.
func drillLoad(u string, stop <-chan struct{}, bad *atomic.Value) {
	c := &http.Client{Timeout: 10 * time.Second}
	for {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(u)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				continue // not listening any more
			}
			if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection reset") {
				// A keep-alive connection closed by the shutdown between two
				// requests: the request was never processed, clients retry it.
				continue
			}
			bad.Store(err.Error())
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			bad.Store(u + ": status " + strconv.Itoa(resp.StatusCode))
			return
		}
	}
}
