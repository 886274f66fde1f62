package integration

// Helpers of the outage drills (drills_test.go, drills_sigterm_test.go).

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
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
	if err := stack.Poll(ctx, 20*time.Millisecond, check); err != nil {
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
