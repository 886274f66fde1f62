package integration

import (
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// testCookieSecret is a fixed cookie secret for the rp processes and
// containers the tests start (at least 32 bytes).
const testCookieSecret = "integration-test-cookie-secret-0123456789abcdef"

// startProcesses starts bin/mockidp with extra flags idpArgs, then bin/rp
// pointed at it, as a user would (flags and environment only, the secrets in
// the environment), and waits until both are ready.
func startProcesses(t *testing.T, idpArgs ...string) *stack.Stack {
	t.Helper()
	return stack.StartStackT(t, stack.Config{Binaries: programs.Binaries(t), MockIDPArgs: idpArgs, CookieSecret: testCookieSecret})
}

// TestProcesses tells the full story against bin/rp and bin/mockidp, then
// stops both with SIGTERM: each must exit with status 0 within a second.
func TestProcesses(t *testing.T) {
	t.Parallel()
	st := startProcesses(t)
	s := newStory(t, st.RPURL, st.Issuer)
	s.fullStory(alice, "/", st.Issuer)

	// A second person, in a browser of their own, while the first is signed out.
	s2 := newStory(t, st.RPURL, st.Issuer)
	s2.signIn(bob, "/")
	s2.assertUser(bob, st.Issuer)

	st.RP.Stop(t)
	st.MockIDP.Stop(t)
}

// TestProcessDevMode tells the story against bin/rp alone in dev mode (no
// provider configured: the mock provider runs inside rp under /mockidp), which
// is what `make run` starts.
func TestProcessDevMode(t *testing.T) {
	t.Parallel()
	bins := programs.Binaries(t)
	addr := stack.FreeAddr(t)
	rpURL := "http://" + addr
	rp := stack.StartProcess(t, stack.ProcessConfig{
		Name:     "rp (dev mode)",
		Path:     bins.Path("rp"),
		Args:     []string{"--addr", addr},
		ReadyURL: rpURL + "/readyz",
	})
	issuer := rpURL + "/mockidp"
	newStory(t, rpURL, issuer).fullStory(alice, "/", issuer)
	rp.Stop(t)
}
