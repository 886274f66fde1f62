package integration

import (
	"net/url"
	"path/filepath"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// TestStateDirRestartAndReplicas runs two rp processes with cookie sessions (no
// Redis) sharing one --state-dir, as two replicas on one host: a copy of a
// signed-out cookie is refused by both, still after a graceful restart, and still
// after a crash (SIGKILL) right after the sign-out — the sign-out is on disk before
// its answer.
func TestStateDirRestartAndReplicas(t *testing.T) {
	t.Parallel()
	bins := programs.Binaries(t)
	state := filepath.Join(t.TempDir(), "state")

	idpAddr := stack.FreeAddr(t)
	issuer := "http://" + idpAddr
	idp := stack.StartProcess(t, stack.ProcessConfig{
		Name: "mockidp", Path: bins.Path("mockidp"), Args: []string{"--addr", idpAddr}, ReadyURL: issuer + "/healthz",
	})
	addrs := []string{stack.FreeAddr(t), stack.FreeAddr(t)}
	public := "http://" + addrs[0]
	startRP := func(i int) *stack.Process {
		return stack.StartProcess(t, stack.ProcessConfig{
			Name:     "rp replica " + string(rune('A'+i)),
			Path:     bins.Path("rp"),
			Args:     []string{"--addr", addrs[i], "--public-url", public, "--issuer", issuer, "--client-id", "demo", "--state-dir", state},
			Env:      []string{"RP_CLIENT_SECRET=demo-secret", "RP_COOKIE_SECRET=" + testCookieSecret},
			ReadyURL: "http://" + addrs[i] + "/readyz",
		})
	}
	rpA, rpB := startRP(0), startRP(1)

	a := newStory(t, public, issuer)
	b := &story{t: t, c: a.c, rp: "http://" + addrs[1], issuer: issuer} // same browser, other replica
	u, _ := url.Parse(public)

	// Sign in on A, keep a copy of the cookies, sign out through B.
	a.signIn(alice, "/")
	b.assertUser(alice, issuer)
	saved := a.c.HTTP.Jar.Cookies(u)
	b.signOutVia(public)
	a.c.HTTP.Jar.SetCookies(u, saved)
	a.assertSignedOut() // replica A never saw the sign-out: it read it from the state directory
	a.c.HTTP.Jar.SetCookies(u, saved)
	b.assertSignedOut()

	// A graceful restart of A.
	rpA.Stop(t)
	rpA = startRP(0)
	a.c.HTTP.Jar.SetCookies(u, saved)
	a.assertSignedOut()

	// A crash right after a sign-out: sign in again, copy, sign out on A, SIGKILL A.
	a.signIn(alice, "/")
	saved = a.c.HTTP.Jar.Cookies(u)
	a.signOutVia(public)
	rpA.Kill()
	rpA = startRP(0)
	a.c.HTTP.Jar.SetCookies(u, saved)
	a.assertSignedOut()
	a.c.HTTP.Jar.SetCookies(u, saved)
	b.assertSignedOut()

	// A session that was not signed out survives the restarts.
	a.signIn(alice, "/")
	rpB.Stop(t)
	rpB = startRP(1)
	b.assertUser(alice, issuer)

	for _, p := range []*stack.Process{rpA, rpB, idp} {
		p.Stop(t)
	}
}
