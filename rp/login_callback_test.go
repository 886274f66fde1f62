package rp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCallbackRepeatedParameters: an authorization response that repeats state,
// code or error is refused with 400 and creates no session, even when the first
// values are the valid ones.
func TestCallbackRepeatedParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for name, extra := range map[string]string{
		"state": "&state=other", "code": "&code=other", "error": "&error=a&error=b",
	} {
		c := noFollow(h.newBrowser())
		next := h.callbackURL(t, c, "/app/")
		resp, _ := h.get(c, next+extra)
		u, _ := url.Parse(h.srv.URL)
		signedIn := false
		for _, ck := range c.Jar.Cookies(u) {
			signedIn = signedIn || strings.Contains(ck.Name, sessionCookie)
		}
		if resp.StatusCode != http.StatusBadRequest || signedIn {
			t.Errorf("repeated %s: got %d, signed in %v; want 400 and no session", name, resp.StatusCode, signedIn)
		}
	}
}
