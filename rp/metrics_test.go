package rp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestMetricsCountSignInsAndProviderCalls(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Registerer = reg }})
	val := func(name string, labels map[string]string) float64 { return metricValue(t, reg, name, labels) }

	h.signIn(h.client)
	if got := val("foyer_rp_sign_ins_total", map[string]string{"provider": "mock", "outcome": "success", "reason": ""}); got != 1 {
		t.Errorf("successful sign-ins = %v, want 1", got)
	}
	for _, ep := range []string{"discovery", "jwks", "token", "userinfo"} {
		if got := val("foyer_rp_provider_request_duration_seconds", map[string]string{"provider": "mock", "endpoint": ep}); got != 1 {
			t.Errorf("%s requests observed = %v, want 1", ep, got)
		}
	}
	if got := val("foyer_rp_http_requests_total", map[string]string{"route": "GET /auth/callback", "code": "303"}); got != 1 {
		t.Errorf("callback requests with 303 = %v, want 1", got)
	}

	// A refused code: a failure with a bounded reason, and the token endpoint's answer
	// (a 400) is not a provider error.
	h.idp.InjectFault(mockidp.Fault{TokenError: "invalid_grant"})
	if resp, _ := h.get(h.newBrowser(), "/app/"); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("sign-in with a refused code: %d, want 502", resp.StatusCode)
	}
	if got := val("foyer_rp_sign_ins_total", map[string]string{"provider": "mock", "outcome": "failure", "reason": "provider_error"}); got != 1 {
		t.Errorf("provider_error failures = %v, want 1", got)
	}
	// A userinfo outage is a provider error of the userinfo endpoint.
	h.idp.InjectFault(mockidp.Fault{UserinfoStatus: http.StatusServiceUnavailable})
	h.get(h.newBrowser(), "/app/")
	if got := val("foyer_rp_provider_request_errors_total", map[string]string{"provider": "mock", "endpoint": "userinfo"}); got != 1 {
		t.Errorf("userinfo errors = %v, want 1", got)
	}
	if got := val("foyer_rp_provider_request_errors_total", map[string]string{"endpoint": "token"}); got != 0 {
		t.Errorf("token errors = %v, want 0 (a 400 is an answer, not an outage)", got)
	}
	// A callback nobody started.
	h.get(h.newBrowser(), "/auth/callback?state=nope&code=x", "Accept", "application/json")
	if got := val("foyer_rp_sign_ins_total", map[string]string{"provider": "none", "reason": "login_expired"}); got != 1 {
		t.Errorf("login_expired failures = %v, want 1", got)
	}
	if got := val("foyer_rp_callback_duration_seconds", nil); got != 4 {
		t.Errorf("callback latency observations = %v, want 4", got)
	}

	// /auth/verify is counted by its route, whatever part of rp serves it.
	h.get(h.client, "/auth/verify")
	h.get(h.newBrowser(), "/auth/verify")
	if got := val("foyer_rp_http_requests_total", map[string]string{"route": "GET /auth/verify"}); got != 2 {
		t.Errorf("verify requests = %v, want 2", got)
	}
	// No user data in any label.
	families, _ := reg.Gather()
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, "alice") || strings.Contains(v, "nope") {
					t.Errorf("%s has user data in label %s=%q", f.GetName(), l.GetName(), v)
				}
			}
		}
	}
	if n := seriesCount(t, reg, "foyer_rp_sign_ins_total"); n != 3 {
		t.Errorf("sign-in series = %d, want 3 (success, provider_error, login_expired)", n)
	}
}

func TestInstrument(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Registerer = reg }})
	teapot := h.rp.Instrument("proxy", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	for range 3 {
		teapot.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	}
	if got := metricValue(t, reg, "foyer_rp_http_requests_total", map[string]string{"route": "proxy", "code": "418"}); got != 3 {
		t.Errorf("proxy requests = %v, want 3", got)
	}
	if got := metricValue(t, reg, "foyer_rp_http_request_duration_seconds", map[string]string{"route": "proxy"}); got != 3 {
		t.Errorf("proxy latency observations = %v, want 3", got)
	}
}

func TestNoRegistererNoMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	if h.rp.metrics != nil {
		t.Fatal("metrics without a Registerer")
	}
	h.signIn(h.client) // nil metrics record nothing and do not panic
	inner := http.NotFoundHandler()
	if got := h.rp.Instrument("proxy", inner); got == nil {
		t.Fatal("Instrument returned nil")
	}
}

func TestRegistererConflict(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Registerer = reg }})
	cfg := h.rp.settings.Config
	cfg.Registerer = reg // the same collectors again
	_, err := New(t.Context(), cfg)
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Errorf("New with an already used registry: %v, want AlreadyRegisteredError", err)
	}
}

// TestReasonOfIsBounded: the reason label takes a fixed set of values, each error
// code mapped to its own; anything else is "other" or "internal". The expected
// values are the test's own, not the production table.
func TestReasonOfIsBounded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("plain"), "internal"},
		{newError(400, "something_new", "", nil), "other"},
		{newError(400, "login_expired", "", nil), "login_expired"},
		{authError("access_denied", ""), "denied"},
		{newError(400, "login_required", "", nil), "denied"},
		{newError(400, "sign_in_failed", "", nil), "provider_error"},
		{newError(502, "provider_error", "", nil), "provider_error"},
		{newError(503, "provider_unavailable", "", nil), "provider_unavailable"},
		{invalidToken("x"), "invalid_token"},
		{newError(400, "issuer_mismatch", "", nil), "issuer_mismatch"},
		{newError(400, "invalid_request", "", nil), "invalid_request"},
		{newError(400, "unknown_provider", "", nil), "invalid_request"},
		{newError(503, "session_store_unavailable", "", nil), "session_store"},
		{newError(403, "not_allowed", "", nil), "not_allowed"},
		{newError(500, "server_error", "", nil), "internal"},
		{newError(500, "client_secret_unavailable", "", nil), "internal"},
		{authError("made_up_by_the_provider", ""), ""}, // any of the set; checked below
	} {
		got := reasonOf(tc.err)
		if tc.want == "" {
			switch got {
			case "denied", "provider_error", "other", "invalid_request":
			default:
				t.Errorf("reasonOf(%v) = %q, want a value of the fixed set", tc.err, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("reasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// seriesCount returns the number of series of the metric family name.
func seriesCount(t *testing.T, reg prometheus.Gatherer, name string) int {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

func TestMetricsCountRefreshes(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.AccessTokenTTL = 5 * time.Minute })},
		cfg: func(c *Config) {
			c.Providers[0].Scopes = []string{"openid", "profile", "email", "offline_access"}
			c.Registerer = reg
		},
	})
	count := func(outcome string) float64 {
		return metricValue(t, reg, "foyer_rp_token_refreshes_total", map[string]string{"provider": "mock", "outcome": outcome})
	}
	h.signIn(h.client)
	h.expireAccessToken()
	if !h.signedIn(h.client) || count("success") != 1 {
		t.Fatalf("after a refresh: success = %v, want 1", count("success"))
	}
	h.expireAccessToken()
	h.idp.InjectFault(mockidp.Fault{Refresh: true, TokenStatus: http.StatusServiceUnavailable})
	if !h.signedIn(h.client) || count("error") != 1 {
		t.Errorf("after a provider outage: error = %v, want 1 (and still signed in)", count("error"))
	}
	h.idp.InjectFault(mockidp.Fault{Refresh: true, TokenError: "invalid_grant"})
	if h.signedIn(h.client) || count("ended") != 1 {
		t.Errorf("after invalid_grant: ended = %v, want 1 (and signed out)", count("ended"))
	}
}
