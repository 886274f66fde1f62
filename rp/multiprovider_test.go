package rp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/foyer-oidc/foyer/mockidp"
)

// metricValue returns the value of the counter, gauge or histogram (its sample count)
// named name whose labels include labels, summed over matching series.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			sum += value(m)
		}
	}
	return sum
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// twoProviders is an RP with provider "a" (the harness's mock, RS256) and "b" (a second
// mock signing with ES256), and a metrics registry.
func twoProviders(t *testing.T) (*harness, *mockidp.TestServer, *prometheus.Registry) {
	t.Helper()
	b := mockidp.NewTestServer(t, mockidp.WithAlg("ES256"))
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) {
		c.Providers[0].ID, c.Providers[0].Name = "a", "Provider A"
		c.Providers = append(c.Providers, ProviderConfig{ID: "b", Name: "Provider <B>", Issuer: b.Issuer, ClientID: b.ClientID, ClientSecret: b.ClientSecret})
		c.Registerer = reg
	}})
	return h, b, reg
}

// startLogin starts a sign-in with provider id in c and returns the authorization URL.
func (h *harness) startLogin(c *http.Client, id string) *url.URL {
	h.t.Helper()
	resp, _ := h.get(noFollow(c), "/auth/login?provider="+id)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		h.t.Fatalf("login with %s: %d %q", id, resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}

func TestChooserAndEachProvider(t *testing.T) {
	t.Parallel()
	h, b, reg := twoProviders(t)
	resp, page := h.get(h.client, "/auth/login?rd=/app/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chooser: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`data-testid="provider-a" href="/auth/login?provider=a&amp;rd=%2Fapp%2F">Continue with Provider A</a>`,
		`data-testid="provider-b" href="/auth/login?provider=b&amp;rd=%2Fapp%2F">Continue with Provider &lt;B&gt;</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("chooser lacks %s", want)
		}
	}
	if !strings.HasPrefix(h.startLogin(h.newBrowser(), "b").String(), b.Issuer+"/authorize?") {
		t.Error("provider=b did not go straight to provider b")
	}
	for _, tc := range []struct{ id, iss string }{{"a", h.idp.Issuer}, {"b", b.Issuer}} {
		c := h.newBrowser()
		if resp, body := h.get(c, "/auth/login?provider="+tc.id+"&rd=/app/"); resp.StatusCode != http.StatusOK || body != "hello alice" {
			t.Fatalf("sign-in with %s: %d %q", tc.id, resp.StatusCode, truncate(body, 200))
		}
		_, js := h.get(c, "/auth/userinfo")
		var u User
		if err := json.Unmarshal([]byte(js), &u); err != nil || u.Provider != tc.id || u.Issuer != tc.iss {
			t.Errorf("signed in with %s: provider %q iss %q (%v), want %s %s", tc.id, u.Provider, u.Issuer, err, tc.id, tc.iss)
		}
	}
	// Each provider fetched its own key set once.
	for _, id := range []string{"a", "b"} {
		if got := metricValue(t, reg, "foyer_rp_jwks_fetches_total", map[string]string{"provider": id}); got != 1 {
			t.Errorf("jwks fetches of %s = %v, want 1", id, got)
		}
		if got := metricValue(t, reg, "foyer_rp_sign_ins_total", map[string]string{"provider": id, "outcome": "success"}); got != 1 {
			t.Errorf("successful sign-ins with %s = %v, want 1", id, got)
		}
	}
}

func TestMixUpDefence(t *testing.T) {
	t.Parallel()
	h, b, reg := twoProviders(t)

	// The attacker gets a code of provider b for their own sign-in.
	attacker := h.newBrowser()
	authB := h.startLogin(attacker, "b")
	resp, err := noFollow(attacker).Get(authB.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, _ := url.Parse(resp.Header.Get("Location"))
	codeB, issB := cb.Query().Get("code"), cb.Query().Get("iss")
	if codeB == "" || issB != b.Issuer {
		t.Fatalf("no code from b: %s", cb)
	}

	tests := []struct {
		name   string
		iss    []string // iss parameters sent; nil: none
		status int
		code   string
	}{
		{"b's code and iss for a's state", []string{issB}, http.StatusBadRequest, "issuer_mismatch"},
		{"b's code without iss", nil, http.StatusBadRequest, "issuer_mismatch"},
		{"b's code with a forged iss of a", []string{h.idp.Issuer}, http.StatusBadGateway, "provider_error"},
		{"two iss parameters", []string{h.idp.Issuer, issB}, http.StatusBadRequest, "issuer_mismatch"},
	}
	for _, tt := range tests {
		victim := h.newBrowser()
		stateA := h.startLogin(victim, "a").Query().Get("state")
		q := url.Values{"state": {stateA}, "code": {codeB}}
		for _, i := range tt.iss {
			q.Add("iss", i)
		}
		resp, body := h.get(victim, "/auth/callback?"+q.Encode(), "Accept", "application/json")
		if resp.StatusCode != tt.status || !strings.Contains(body, `"`+tt.code+`"`) {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, resp.StatusCode, truncate(body, 200), tt.status, tt.code)
		}
		if s := h.session(victim); s != nil {
			t.Errorf("%s: a session was created (provider %s)", tt.name, s.Provider)
		}
	}
	if got := metricValue(t, reg, "foyer_rp_sign_ins_total", map[string]string{"provider": "a", "outcome": "failure", "reason": "issuer_mismatch"}); got != 3 {
		t.Errorf("issuer_mismatch failures = %v, want 3", got)
	}
	if got := metricValue(t, reg, "foyer_rp_sign_ins_total", map[string]string{"outcome": "success"}); got != 0 {
		t.Errorf("successful sign-ins = %v, want 0", got)
	}
}

func TestProvidersKeepTheirOwnKeys(t *testing.T) {
	t.Parallel()
	h, b, _ := twoProviders(t)
	// Provider a answers with an ID token for a, signed by b's (ES256) key: a's verifier
	// must not know that key (nor the algorithm).
	victim := h.newBrowser()
	authA := h.startLogin(victim, "a")
	now := h.clock.Now().Unix()
	forged, err := b.Mint(map[string]any{"iss": h.idp.Issuer, "aud": h.idp.ClientID, "sub": "alice",
		"nonce": authA.Query().Get("nonce"), "iat": now, "exp": now + 300})
	if err != nil {
		t.Fatal(err)
	}
	h.idp.InjectFault(mockidp.Fault{TokenBody: fmt.Sprintf(`{"access_token":"at","token_type":"Bearer","expires_in":300,"id_token":%q}`, forged)})
	resp, body := h.get(victim, authA.String(), "Accept", "application/json")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"invalid_token"`) {
		t.Errorf("a's flow with b's signature: %d %s, want 401 invalid_token", resp.StatusCode, truncate(body, 200))
	}
	if s := h.session(victim); s != nil {
		t.Error("a session was created")
	}
}
