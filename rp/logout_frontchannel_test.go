package rp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestFrontchannelLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.signIn(h.client)
	sid := h.session(h.client).SID
	other := h.newBrowser()
	for name, q := range map[string]url.Values{
		"unknown iss": {"iss": {"https://evil.example"}, "sid": {sid}},
		"no sid":      {"iss": {h.idp.Issuer}},
		"no iss":      {"sid": {sid}},
	} {
		if resp, _ := h.get(other, "/auth/frontchannel-logout?"+q.Encode()); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
		if !h.signedIn(h.client) {
			t.Fatalf("%s: the session ended", name)
		}
	}
	// Another provider session's sid: answered (rp cannot tell), but this session stays.
	if resp, _ := h.get(other, "/auth/frontchannel-logout?"+url.Values{"iss": {h.idp.Issuer}, "sid": {sid + "-other"}}.Encode()); resp.StatusCode != http.StatusOK {
		t.Errorf("other sid: status %d, want 200", resp.StatusCode)
	}
	if !h.signedIn(h.client) {
		t.Fatal("a front-channel logout for another sid ended this session")
	}
	resp, _ := h.get(other, "/auth/frontchannel-logout?"+url.Values{"iss": {h.idp.Issuer}, "sid": {sid}}.Encode())
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Frame-Options") != "" || strings.Contains(csp, "frame-ancestors") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("front-channel logout: %d, X-Frame-Options %q, CSP %q, Cache-Control %q; want 200, framable, no-store",
			resp.StatusCode, resp.Header.Get("X-Frame-Options"), csp, resp.Header.Get("Cache-Control"))
	}
	// rp's own pages, by contrast, refuse to be framed.
	if resp, _ := h.get(other, "/auth/logout"); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("/auth/logout CSP %q, want frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"))
	}
	if h.signedIn(h.client) {
		t.Error("still signed in after a front-channel logout")
	}
}
