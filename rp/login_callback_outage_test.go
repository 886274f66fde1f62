package rp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestTokenEndpointUnreachable: a code that comes back while the provider has gone
// away (or answers after rp's timeout) ends on the same 503 "cannot be reached"
// page as a provider that is down at start, not on a 502 "did not answer properly".
func TestTokenEndpointUnreachable(t *testing.T) {
	t.Parallel()
	for name, breakIt := range map[string]func(h *harness){
		"down": func(h *harness) { h.idp.Server.Close() },
		"slow": func(h *harness) { h.idp.InjectFault(mockidp.Fault{Delay: time.Minute}) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpt{cfg: func(c *Config) {
				c.HTTPClient = &http.Client{Transport: c.HTTPClient.Transport, Timeout: time.Second}
			}})
			c := noFollow(h.newBrowser())
			next := h.callbackURL(t, c, "/app/")
			breakIt(h)
			resp, body := h.get(c, next)
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached right now") {
				t.Errorf("callback with the token endpoint %s: got %d %.200q, want 503 \"cannot be reached right now\"", name, resp.StatusCode, body)
			}
			u, _ := url.Parse(h.srv.URL)
			for _, ck := range c.Jar.Cookies(u) {
				if strings.Contains(ck.Name, sessionCookie) {
					t.Errorf("session cookie %s set", ck.Name)
				}
			}
		})
	}
}
