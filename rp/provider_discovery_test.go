package rp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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
