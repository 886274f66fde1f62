package rp

import (
	"net/http"
	"net/http/httptest"
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
			h.benchVerify(b)
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
