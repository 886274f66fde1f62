package rp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// signedInRequest returns a request to path carrying h.client's session cookies.
func signedInRequest(h *harness, path string) *http.Request {
	u, _ := url.Parse(h.srv.URL)
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	for _, c := range h.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	return req
}

// BenchmarkVerifyGateway measures GET /auth/verify, signed in, as nginx sends it
// (X-Original-URI from a trusted proxy): plain, with two access rules, and with the
// signed assertion (cached per session for half its lifetime).
func BenchmarkVerifyGateway(b *testing.B) {
	cases := []struct {
		name string
		cfg  func(*Config)
	}{
		{"plain", nil},
		{"rules", func(c *Config) {
			c.Gateway.Rules = []Rule{{EmailDomains: []string{"example.com"}}, {PathPrefix: "/reports", Groups: []string{"admins"}}}
		}},
		{"assertion", func(c *Config) { c.Gateway.Assertion.Enabled = true }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			h, _ := newGatewayHarness(b, tc.cfg)
			h.signIn(h.client)
			req := signedInRequest(h, "/auth/verify")
			req.Header.Set("X-Original-URI", "/reports/q?a=1")
			handler := h.rp.Handler()
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkProxy measures a signed-in GET through RP.Proxy to an upstream on
// loopback, against the same GET sent to the upstream directly (the floor).
func BenchmarkProxy(b *testing.B) {
	h, app := newGatewayHarness(b, nil)
	h.signIn(h.client)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	get := func(b *testing.B, req *http.Request) {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.Run("direct", func(b *testing.B) {
		req, _ := http.NewRequest(http.MethodGet, app.srv.URL+"/echo", nil)
		b.ReportAllocs()
		for b.Loop() {
			get(b, req)
		}
	})
	b.Run("proxied", func(b *testing.B) {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/echo", nil)
		u, _ := url.Parse(h.srv.URL)
		for _, c := range h.client.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		b.ReportAllocs()
		for b.Loop() {
			get(b, req)
		}
	})
}
