package rp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkVerifyMetrics is BenchmarkVerify with and without metrics, to show what
// measuring each /auth/ request costs.
func BenchmarkVerifyMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			h := newHarness(b, harnessOpt{cfg: func(c *Config) {
				if on {
					c.Registerer = prometheus.NewRegistry()
				}
			}})
			h.signIn(h.client)
			u, _ := url.Parse(h.srv.URL)
			req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
			for _, c := range h.client.Jar.Cookies(u) {
				req.AddCookie(c)
			}
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

// BenchmarkInstrument measures RP.Instrument around a handler that does nothing.
func BenchmarkInstrument(b *testing.B) {
	h := newHarness(b, harnessOpt{cfg: func(c *Config) { c.Registerer = prometheus.NewRegistry() }})
	handler := h.rp.Instrument("proxy", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(rec, req)
	}
}
