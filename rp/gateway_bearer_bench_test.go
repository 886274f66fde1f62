package rp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerifyBearer measures GET /auth/verify with "Authorization: Bearer" as a
// proxy sends it, against the signed-in cookie case of BenchmarkVerifyGateway:
//
//   - jwt: a real RS256 access token of the mock provider (client_credentials),
//     verified locally on every request (signature, claims; no cache);
//   - introspection-cached: an opaque token whose RFC 7662 answer is in the cache
//     (one call at the start, then none), so the figure is the cache lookup and claim
//     checks.
func BenchmarkVerifyBearer(b *testing.B) {
	b.Run("jwt", func(b *testing.B) {
		h, _ := newGatewayHarness(b, func(c *Config) { c.Providers[0].Bearer = BearerConfig{Enabled: true} })
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest("POST", h.idp.Issuer+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(h.idp.ClientID, h.idp.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		benchVerifyBearer(b, h, tr.AccessToken)
	})
	b.Run("introspection-cached", func(b *testing.B) {
		f := &fakeIntrospection{answers: map[string]func(http.ResponseWriter){}}
		srv := httptest.NewServer(f)
		b.Cleanup(srv.Close)
		h, _ := newGatewayHarness(b, func(c *Config) {
			c.Providers[0].Bearer = BearerConfig{Enabled: true, Introspection: IntrospectOpaque, IntrospectionURL: srv.URL,
				IntrospectionCacheTTL: 10 * time.Minute}
		})
		f.id, f.sec = h.idp.ClientID, h.idp.ClientSecret
		f.set("opaque-bench-token", jsonAnswer(map[string]any{"active": true, "sub": "svc", "scope": "read",
			"exp": h.clock.Now().Add(time.Hour).Unix(), "aud": h.idp.ClientID, "groups": []string{"a", "b"}}))
		benchVerifyBearer(b, h, "opaque-bench-token")
		if n := f.calls.Load(); n != 1 {
			b.Fatalf("%d introspection calls, want 1", n)
		}
	})
}

func benchVerifyBearer(b *testing.B, h *harness, tok string) {
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("X-Original-URI", "/reports/q?a=1")
	req.Header.Set("Authorization", "Bearer "+tok)
	handler := h.rp.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
