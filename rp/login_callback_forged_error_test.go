package rp

import (
	"net/http"
	"testing"
)

// TestForgedProviderFailure: an error response saying the provider failed, with no
// sign-in of this browser behind it, is a 4xx: it must not show as a server failure.
func TestForgedProviderFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	for _, e := range []string{"server_error", "temporarily_unavailable"} {
		resp, _ := h.get(h.newBrowser(), "/auth/callback?error="+e+"&state=forged")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged error=%s: got %d, want 400", e, resp.StatusCode)
		}
	}
}
