package integration

import (
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// testCookieSecret is a fixed cookie secret for the rp processes and
// containers the tests start (at least 32 bytes).
const testCookieSecret = "integration-test-cookie-secret-0123456789abcdef"

// processStack is bin/mockidp and bin/rp running as separate processes on
// free loopback ports, started as a user would: flags and environment only.
type processStack struct {
	idp, rp       *stack.Process
	issuer, rpURL string
}

// startProcesses starts mockidp with extra flags idpArgs, then rp pointed at
// it, and waits until both are ready.
func startProcesses(t *testing.T, idpArgs ...string) *processStack {
	t.Helper()
	bins := programs.Binaries(t)
	idpAddr, rpAddr := stack.FreeAddr(t), stack.FreeAddr(t)
	st := &processStack{issuer: "http://" + idpAddr, rpURL: "http://" + rpAddr}
	st.idp = stack.StartProcess(t, stack.ProcessConfig{
		Name:     "mockidp",
		Path:     bins.Path("mockidp"),
		Args:     append([]string{"--addr", idpAddr}, idpArgs...),
		ReadyURL: st.issuer + "/healthz",
	})
	st.rp = stack.StartProcess(t, stack.ProcessConfig{
		Name: "rp",
		Path: bins.Path("rp"),
		Args: []string{"--addr", rpAddr, "--issuer", st.issuer, "--client-id", "demo"},
		// Secrets through the environment, as they should be in production.
		Env:      []string{"RP_CLIENT_SECRET=demo-secret", "RP_COOKIE_SECRET=" + testCookieSecret},
		ReadyURL: st.rpURL + "/readyz",
	})
	return st
}

// TestProcesses tells the full story against bin/rp and bin/mockidp, then
// stops both with SIGTERM: each must exit with status 0 within a second.
func TestProcesses(t *testing.T) {
	t.Parallel()
	st := startProcesses(t)
	s := newStory(t, st.rpURL, st.issuer)
	s.fullStory(alice, "/", st.issuer)

	// A second person, in a browser of their own, while the first is signed out.
	s2 := newStory(t, st.rpURL, st.issuer)
	s2.signIn(bob, "/")
	s2.assertUser(bob, st.issuer)

	st.rp.Stop(t)
	st.idp.Stop(t)
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
