package rp

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric label values are bounded: provider ids come from the configuration, endpoints
// and reasons from the fixed lists below, routes from rp's own route patterns. No user
// data ever becomes a label.
const (
	labelNoProvider = "none" // a callback with no known sign-in attempt
	outcomeSuccess  = "success"
	outcomeFailure  = "failure"
)

// Provider endpoints, as the "endpoint" label.
const (
	endpointDiscovery  = "discovery"
	endpointJWKS       = "jwks"
	endpointToken      = "token"
	endpointUserinfo   = "userinfo"
	endpointEndSession = "end_session"
	endpointOther      = "other"
)

// failureReasons maps an [Error] code to the "reason" label of failed sign-ins.
var failureReasons = map[string]string{
	"login_expired":             "login_expired",
	"access_denied":             "denied",
	"login_required":            "denied",
	"sign_in_failed":            "provider_error",
	"provider_error":            "provider_error",
	"provider_unavailable":      "provider_unavailable",
	"invalid_token":             "invalid_token",
	"issuer_mismatch":           "issuer_mismatch",
	"invalid_request":           "invalid_request",
	"unknown_provider":          "invalid_request",
	"session_store_unavailable": "session_store",
	"not_allowed":               "not_allowed",
	"server_error":              "internal",
	"client_secret_unavailable": "internal",
}

// reasonOf returns the bounded failure reason of err.
func reasonOf(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return "internal"
	}
	if r, ok := failureReasons[e.Code]; ok {
		return r
	}
	return "other"
}

// metrics are rp's Prometheus collectors. A nil *metrics records nothing, so call
// sites need no checks when Config.Registerer is nil.
type metrics struct {
	signIns          *prometheus.CounterVec
	callbackDuration *prometheus.HistogramVec
	providerDuration *prometheus.HistogramVec
	providerErrors   *prometheus.CounterVec
	jwksFetches      *prometheus.CounterVec
	refreshes        *prometheus.CounterVec
	requests         *prometheus.CounterVec
	requestDuration  *prometheus.HistogramVec

	endpoints sync.Map // "scheme://host/path" -> endpointLabel
}

// endpointLabel names the provider and endpoint a URL belongs to.
type endpointLabel struct{ provider, endpoint string }

// newMetrics creates and registers rp's collectors with reg; nil reg: no metrics.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	const ns = "foyer_rp"
	m := &metrics{
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "sign_ins_total",
			Help: "Finished sign-ins (callbacks) by provider, outcome (success, failure) and failure reason.",
		}, []string{"provider", "outcome", "reason"}),
		callbackDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "callback_duration_seconds",
			Help:    "Time to answer /auth/callback, provider calls included, by provider and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"provider", "outcome"}),
		providerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "provider_request_duration_seconds",
			Help:    "Latency of requests to providers by provider and endpoint (discovery, jwks, token, userinfo, end_session, other).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"provider", "endpoint"}),
		providerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "provider_request_errors_total",
			Help: "Failed requests to providers (network errors and 5xx answers) by provider and endpoint.",
		}, []string{"provider", "endpoint"}),
		jwksFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "jwks_fetches_total",
			Help: "Key set fetches by provider: the first, refetches on an unknown key, and background refreshes.",
		}, []string{"provider"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "token_refreshes_total",
			Help: "Token refreshes at the provider by provider and outcome (success, ended, error).",
		}, []string{"provider", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "http_requests_total",
			Help: "Requests served by route (rp's route patterns, \"proxy\" for the upstream) and status code.",
		}, []string{"route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "http_request_duration_seconds",
			Help:    "Time to answer requests by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.signIns, m.callbackDuration, m.providerDuration, m.providerErrors,
		m.jwksFetches, m.refreshes, m.requests, m.requestDuration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// signIn records one finished callback.
func (m *metrics) signIn(provider string, err error, d time.Duration) {
	if m == nil {
		return
	}
	if provider == "" {
		provider = labelNoProvider
	}
	outcome, reason := outcomeSuccess, ""
	if err != nil {
		outcome, reason = outcomeFailure, reasonOf(err)
	}
	m.signIns.WithLabelValues(provider, outcome, reason).Inc()
	m.callbackDuration.WithLabelValues(provider, outcome).Observe(d.Seconds())
}

// refresh records one token refresh: outcome is "success", "ended" (the provider
// refused it or the new ID token failed its checks) or "error" (an outage).
func (m *metrics) refresh(provider, outcome string) {
	if m == nil {
		return
	}
	m.refreshes.WithLabelValues(provider, outcome).Inc()
}

// registerEndpoint labels requests to rawURL as provider's endpoint.
func (m *metrics) registerEndpoint(provider, endpoint, rawURL string) {
	if m == nil || rawURL == "" {
		return
	}
	if k, ok := endpointKey(rawURL); ok {
		m.endpoints.LoadOrStore(k, endpointLabel{provider, endpoint})
	}
}

// endpointOf returns the labels of a request URL; unknown URLs are "other" of
// provider "none".
func (m *metrics) endpointOf(r *http.Request) endpointLabel {
	if v, ok := m.endpoints.Load(r.URL.Scheme + "://" + r.URL.Host + r.URL.Path); ok {
		return v.(endpointLabel)
	}
	return endpointLabel{labelNoProvider, endpointOther}
}

// metricsTransport measures every request rp makes to a provider.
type metricsTransport struct {
	base http.RoundTripper
	m    *metrics
	now  func() time.Time
}

// RoundTrip performs r and records its latency, and an error for network failures
// and 5xx answers.
func (t *metricsTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	l := t.m.endpointOf(r)
	if l.endpoint == endpointJWKS {
		t.m.jwksFetches.WithLabelValues(l.provider).Inc()
	}
	start := t.now()
	resp, err := t.base.RoundTrip(r)
	t.m.providerDuration.WithLabelValues(l.provider, l.endpoint).Observe(t.now().Sub(start).Seconds())
	if err != nil || resp.StatusCode >= 500 {
		t.m.providerErrors.WithLabelValues(l.provider, l.endpoint).Inc()
	}
	return resp, err
}

// instrumentClient returns c with its transport measured; c itself is not changed.
func (m *metrics) instrumentClient(c *http.Client) *http.Client {
	if m == nil {
		return c
	}
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = &metricsTransport{base: base, m: m, now: time.Now}
	return &cc
}

// Instrument returns h measured as route in foyer_rp_http_requests_total and
// foyer_rp_http_request_duration_seconds. route must come from a small fixed set (e.g.
// "proxy"), never from the request. Without a Config.Registerer it returns h unchanged.
func (p *RP) Instrument(route string, h http.Handler) http.Handler {
	m := p.metrics
	if m == nil {
		return h
	}
	return promhttp.InstrumentHandlerDuration(m.requestDuration.MustCurryWith(prometheus.Labels{"route": route}),
		promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(prometheus.Labels{"route": route}), h))
}

// instrumentMux measures mux's requests labelled by the route pattern that matched
// (net/http sets Request.Pattern), so /auth/verify and every other /auth/ route are
// counted without each handler knowing about metrics.
func (m *metrics) instrumentMux(mux *http.ServeMux) http.Handler {
	if m == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		m.requestDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

// WriteHeader records the status and passes it on.
func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write marks the header as written (200 unless WriteHeader came first).
func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// endpointKey normalizes a URL to "scheme://host/path" (no query), the form
// endpointOf looks requests up by.
func endpointKey(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Scheme + "://" + u.Host + u.Path, true
}

// refreshOutcome is the "outcome" label of a finished token refresh.
func refreshOutcome(err error) string {
	switch {
	case err == nil:
		return outcomeSuccess
	case errors.Is(err, errSessionEnded):
		return "ended"
	}
	return "error"
}
