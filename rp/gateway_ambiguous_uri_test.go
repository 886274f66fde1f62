package rp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestVerifyAmbiguousOriginalURI: a proxy that sets one original-URI header but
// passes the client's others on lets the client add a public path beside the real
// one. Whichever header carries the forgery, and in whichever order the values come,
// the admin path's rule still applies: never 200.
func TestVerifyAmbiguousOriginalURI(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}} // alice is not in root
	})
	h.signIn(h.client)
	const real, forged = "/admin/users", "/public/page"
	type kv struct{ k, v string }
	cases := map[string][]kv{}
	for _, pair := range [][2]string{
		{"X-Forwarded-Uri", "X-Forwarded-Uri"},
		{"X-Original-URI", "X-Original-URI"},
		{"X-Forwarded-Uri", "X-Original-URI"},
		{"X-Original-URI", "X-Forwarded-Uri"},
		{"X-Forwarded-Uri", "X-Original-URL"},
		{"X-Original-URL", "X-Forwarded-Uri"},
		{"X-Original-URI", "X-Original-URL"},
		{"X-Original-URL", "X-Original-URI"},
	} {
		val := func(name, path string) string {
			if name == "X-Original-URL" {
				return "https://app.example.com" + path
			}
			return path
		}
		// The forged value first, then the real one; and the real one first.
		cases[pair[0]+" forged, then "+pair[1]+" real"] = []kv{{pair[0], val(pair[0], forged)}, {pair[1], val(pair[1], real)}}
		cases[pair[0]+" real, then "+pair[1]+" forged"] = []kv{{pair[0], val(pair[0], real)}, {pair[1], val(pair[1], forged)}}
	}
	u, _ := url.Parse(h.srv.URL)
	for name, hs := range cases {
		req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
		req.RemoteAddr = trustedPeer
		for _, ck := range h.client.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		req.Header.Set("Accept", "application/json")
		for _, x := range hs {
			req.Header.Add(x.k, x.v)
		}
		rec := httptest.NewRecorder()
		h.rp.Handler().ServeHTTP(rec, req)
		if rec.Code == http.StatusOK || rec.Header().Get(HeaderUser) != "" {
			t.Errorf("%s: status %d, identity %q; want a refusal (the /admin rule, or no path at all)", name, rec.Code, rec.Header().Get(HeaderUser))
		}
	}
	// Control: the forged public path alone is allowed, so the refusals above are the
	// ambiguity check's doing.
	if rec := verifyAs(h, h.client, trustedPeer, "", "X-Forwarded-Uri", forged, "Accept", "application/json"); rec.Code != http.StatusOK {
		t.Fatalf("%s alone: %d, want 200", forged, rec.Code)
	}
}
