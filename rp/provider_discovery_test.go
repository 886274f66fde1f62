package rp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestFormPost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].FormPost = true }})
	c := h.client
	resp, page := h.get(c, "/auth/login?rd=/app/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `method="post"`) {
		t.Fatalf("provider did not answer with a form_post page: %d %s", resp.StatusCode, truncate(page, 300))
	}
	resp, body := h.submitFormPost(c, page)
	if resp.StatusCode != http.StatusOK || body != "hello alice" {
		t.Fatalf("form_post callback: %d %q, want 200 hello alice", resp.StatusCode, truncate(body, 300))
	}
}

func TestFormPostLoginCookieIsSameSiteNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].FormPost = true }})
	// With an https public URL the login cookie must be SameSite=None; Secure; __Host-.
	p, err := New(t.Context(), Config{
		PublicURL:     "https://app.example.com",
		Providers:     []ProviderConfig{{ID: "mock", Issuer: h.idp.Issuer, ClientID: "demo", ClientSecret: "demo-secret", FormPost: true}},
		CookieSecrets: [][]byte{testSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, formPost := range []bool{true, false} {
		p.providers["mock"].cfg.FormPost = formPost
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "https://app.example.com/auth/login", nil))
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("login set %d cookies, want 1", len(cookies))
		}
		c := cookies[0]
		want := http.SameSiteLaxMode
		if formPost {
			want = http.SameSiteNoneMode
		}
		if !strings.HasPrefix(c.Name, "__Host-foyer_login_") || !c.Secure || !c.HttpOnly || c.SameSite != want || c.Path != "/" || c.MaxAge != 600 {
			t.Errorf("form_post=%v: login cookie %q Secure=%v HttpOnly=%v SameSite=%v Path=%q MaxAge=%d; want __Host-, Secure, HttpOnly, SameSite=%v, Path=/, 600",
				formPost, c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.MaxAge, want)
		}
	}
}

// flakyIssuer serves a discovery document that fails until up is set.
func TestProviderUnavailableThenRecovers(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	h := newHarness(t, harnessOpt{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.idp.Server.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	p, err := New(t.Context(), Config{
		PublicURL:     "http://127.0.0.1:1",
		Providers:     []ProviderConfig{{ID: "mock", Issuer: h.idp.Issuer, ClientID: "demo", ClientSecret: "demo-secret"}},
		CookieSecrets: [][]byte{testSecret},
		HTTPClient:    &http.Client{Transport: redirectTo(proxy.URL)},
	})
	if err != nil {
		t.Fatalf("New must not fail while the provider is down: %v", err)
	}
	if p.Ready() {
		t.Fatal("ready before discovery")
	}
	rec := httptest.NewRecorder()
	p.Readyz(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d, want 503", rec.Code)
	}
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/auth/login", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "cannot be reached right now") {
		t.Errorf("sign-in while the provider is down: %d, want 503 with a clear page", rec.Code)
	}
	up.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := p.WaitReady(ctx); err != nil {
		t.Fatalf("never became ready after the provider came up: %v", err)
	}
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/auth/login", nil))
	if rec.Code != http.StatusFound {
		t.Errorf("sign-in after recovery: %d, want 302", rec.Code)
	}
}

// redirectTo sends every request to base's host (the issuer URL stays the same).
type redirectTo string

func (b redirectTo) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = strings.TrimPrefix(string(b), "http://")
	return http.DefaultTransport.RoundTrip(r)
}

// jwksServer serves a key set that tests can rotate, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches atomic.Int64
}

func (j *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	j.fetches.Add(1)
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: j.keys})
}

func newSigner(t *testing.T, kid string) (jose.Signer, jose.JSONWebKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

func sign(t *testing.T, s jose.Signer) string {
	t.Helper()
	obj, err := s.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := obj.CompactSerialize()
	return out
}

func TestKeySetRefetchCooldown(t *testing.T) {
	t.Parallel()
	signer1, pub1 := newSigner(t, "k1")
	signer2, pub2 := newSigner(t, "k2")
	forger, _ := newSigner(t, "forged")
	js := &jwksServer{keys: []jose.JSONWebKey{pub1}}
	srv := httptest.NewServer(js)
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	ks := newKeySet(srv.URL, srv.Client(), clock.Now, 30*time.Second, []string{"ES256"})
	ctx := t.Context()
	if _, err := ks.VerifySignature(ctx, sign(t, signer1)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if n := js.fetches.Load(); n != 1 {
		t.Fatalf("fetches after the first token = %d, want 1", n)
	}
	clock.Advance(time.Minute)
	// 100 forged tokens, sequential and concurrent: at most one refetch within the cooldown.
	forged := sign(t, forger)
	for range 50 {
		if _, err := ks.VerifySignature(ctx, forged); !errors.Is(err, errNoKey) {
			t.Fatalf("forged token: err = %v, want errNoKey", err)
		}
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = ks.VerifySignature(ctx, forged) })
	}
	wg.Wait()
	if n := js.fetches.Load(); n != 2 {
		t.Errorf("fetches after 100 forged tokens = %d, want 2 (one refetch)", n)
	}
	// A real rotation after the cooldown is picked up on first sight of the new kid.
	js.mu.Lock()
	js.keys = []jose.JSONWebKey{pub1, pub2}
	js.mu.Unlock()
	clock.Advance(31 * time.Second)
	if _, err := ks.VerifySignature(ctx, sign(t, signer2)); err != nil {
		t.Fatalf("token with the rotated key: %v", err)
	}
	if n := js.fetches.Load(); n != 3 {
		t.Errorf("fetches after the rotation = %d, want 3", n)
	}
	// Known keys verify without any fetch.
	for range 10 {
		if _, err := ks.VerifySignature(ctx, sign(t, signer1)); err != nil {
			t.Fatal(err)
		}
	}
	if n := js.fetches.Load(); n != 3 {
		t.Errorf("fetches for known keys = %d, want still 3", n)
	}
}

func TestKeySetRejectsDisallowedAlgorithms(t *testing.T) {
	t.Parallel()
	hs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&jwksServer{})
	t.Cleanup(srv.Close)
	ks := newKeySet(srv.URL, srv.Client(), time.Now, time.Minute, allowedAlgs([]string{"HS256", "none", "RS256"}))
	if _, err := ks.VerifySignature(t.Context(), sign(t, hs)); err == nil {
		t.Error("an HS256 token was accepted")
	}
	if got := allowedAlgs([]string{"HS256", "none", "RS256", "ES256"}); strings.Join(got, ",") != "RS256,ES256" {
		t.Errorf("allowedAlgs = %q, want [RS256 ES256]", got)
	}
}

func TestProviderResponseSizeIsCapped(t *testing.T) {
	t.Parallel()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"keys":[`))
		w.Write([]byte(strings.Repeat(" ", 2<<20)))
		w.Write([]byte(`]}`))
	}))
	t.Cleanup(big.Close)
	client := providerClient(big.Client(), 1<<20)
	ks := newKeySet(big.URL, client, time.Now, time.Minute, []string{"RS256"})
	if _, err := ks.refresh(t.Context()); !errors.Is(err, errResponseTooLarge) {
		t.Errorf("2 MiB key set: err = %v, want errResponseTooLarge", err)
	}
}
