package integration

import (
	"net/url"
	"testing"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/internal/stack"
)

// TestRedisReplicas runs two rp processes sharing one Redis session store,
// as two replicas behind a load balancer: a session started on one is seen
// by the other, and a sign-out on either ends it everywhere, so that even a
// copy of the old session cookie no longer works. It needs redis-server
// (skips with one line without it; REQUIRE_REDIS=1 makes that a failure).
func TestRedisReplicas(t *testing.T) {
	t.Parallel()
	stack.Require(t, stack.Redis)
	redis := redistest.Start(t)
	bins := programs.Binaries(t)

	idpAddr := stack.FreeAddr(t)
	issuer := "http://" + idpAddr
	idp := stack.StartProcess(t, stack.ProcessConfig{
		Name: "mockidp", Path: bins.Path("mockidp"), Args: []string{"--addr", idpAddr}, ReadyURL: issuer + "/healthz",
	})
	// Both replicas answer for one public URL (the first one's address);
	// cookies do not depend on the port, so the browser sends them to both.
	addrs := []string{stack.FreeAddr(t), stack.FreeAddr(t)}
	public := "http://" + addrs[0]
	var replicas []*stack.Process
	for i, addr := range addrs {
		replicas = append(replicas, stack.StartProcess(t, stack.ProcessConfig{
			Name: "rp replica " + string(rune('A'+i)),
			Path: bins.Path("rp"),
			Args: []string{"--addr", addr, "--public-url", public, "--issuer", issuer, "--client-id", "demo"},
			Env: []string{"RP_CLIENT_SECRET=demo-secret", "RP_COOKIE_SECRET=" + testCookieSecret,
				"RP_SESSION_STORE=" + redis.URL},
			ReadyURL: "http://" + addr + "/readyz",
		}))
	}

	a := newStory(t, public, issuer)
	b := &story{t: t, c: a.c, rp: "http://" + addrs[1], issuer: issuer} // same browser, other replica
	a.signIn(alice, "/")
	b.assertUser(alice, issuer)

	// Keep a copy of the session cookies, sign out through the other replica,
	// then bring the copy back: the session is gone from the store.
	u, _ := url.Parse(public)
	saved := a.c.HTTP.Jar.Cookies(u)
	if len(saved) == 0 {
		t.Fatalf("no cookies for %s after sign-in", public)
	}
	b.signOutVia(public)
	a.assertSignedOut()
	a.c.HTTP.Jar.SetCookies(u, saved)
	a.assertSignedOut()
	b.assertSignedOut()

	for _, p := range append(replicas, idp) {
		p.Stop(t)
	}
}
