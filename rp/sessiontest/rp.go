package sessiontest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp"
)

// runRP runs the checks of an RP over the store.
func runRP(t *testing.T, tg Target) {
	t.Run("NewSessionAtSignIn", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		b := s.browser()
		b.signIn("alice")
		first := b.loaded()
		if first == nil || first.ID == "" || first.Subject != "alice" {
			t.Fatalf("after sign-in: session %+v, want one of alice", first)
		}
		before := b.session()
		b.signIn("alice")
		second := b.loaded()
		if second == nil || second.ID == first.ID || second.CSRF == first.CSRF {
			t.Fatalf("a second sign-in kept the session id or CSRF token (%v)", second != nil)
		}
		for n, v := range before {
			if b.session()[n] == v {
				t.Errorf("a second sign-in kept the value of cookie %s", n)
			}
		}
		if tg.ServerSide {
			for _, r := range routes {
				if got := s.browserWith(before).who(r); got != "" {
					t.Errorf("%s: the session before the second sign-in still works (as %s), want it ended", r, got)
				}
			}
		}
	})

	t.Run("SessionFixation", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		attacker := s.browser()
		attacker.signIn("alice")
		planted := attacker.session()
		fixed := attacker.loaded()
		// The attacker gets their session cookie into the victim's browser, and the
		// victim signs in.
		victim := s.browser()
		victim.setSession(planted)
		victim.signIn("bob")
		got := victim.loaded()
		if got == nil || got.Subject != "bob" || got.ID == fixed.ID || got.CSRF == fixed.CSRF {
			t.Fatalf("victim's session after sign-in: %v; want bob's, with a new id and CSRF token", got != nil)
		}
		for n, v := range planted {
			if victim.session()[n] == v {
				t.Errorf("the victim's cookie %s kept the planted value", n)
			}
		}
		for _, r := range routes {
			switch who := s.browserWith(planted).who(r); {
			case who == "bob":
				t.Errorf("%s: the attacker's planted cookie is now the victim's session (session fixation)", r)
			case tg.ServerSide && who != "":
				t.Errorf("%s: the pre-sign-in session still works (as %s); a server-side store must end it at sign-in", r, who)
			}
		}
		// A planted cookie the store never issued is replaced too.
		forgedJar := jar{}
		for n, v := range planted {
			forgedJar[n] = v[:len(v)-8] + "AAAAAAAA"
		}
		v2 := s.browser()
		v2.setSession(forgedJar)
		v2.signIn("carol")
		for n, v := range forgedJar {
			if v2.session()[n] == v {
				t.Errorf("a forged planted cookie %s kept its value after sign-in", n)
			}
		}
	})

	t.Run("IdleTimeout", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		bs := signInAll(s)
		step := func(d time.Duration, want bool, what string) {
			t.Helper()
			s.advance(d)
			for _, r := range routes {
				if got := bs[r].who(r) != ""; got != want {
					t.Errorf("%s, %s: signed in = %v, want %v", what, r, got, want)
				}
			}
		}
		step(idleTimeout-time.Second, true, "idle one second less than the idle timeout")
		step(idleTimeout-time.Second, true, "idle again one second less (use extends it)")
		// A restarted process (or another replica) knows the last use from the store
		// alone, not from memory.
		s.restart()
		step(idleTimeout-time.Second, true, "after a restart, idle one second less")
		step(idleTimeout+time.Second, false, "idle one second more than the idle timeout")
	})

	t.Run("AbsoluteLifetime", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		bs := signInAll(s)
		at := time.Duration(0)
		for at+25*time.Minute < absoluteLifetime-time.Second { // active: never idle
			s.advance(25 * time.Minute)
			at += 25 * time.Minute
			for _, r := range routes {
				if bs[r].who(r) == "" {
					t.Fatalf("%s: signed out %v after sign-in while active", r, at)
				}
			}
		}
		s.advance(absoluteLifetime - time.Second - at)
		for _, r := range routes {
			if bs[r].who(r) == "" {
				t.Errorf("%s: signed out one second before the absolute lifetime", r)
			}
		}
		s.advance(2 * time.Second)
		for _, r := range routes {
			if who := bs[r].who(r); who != "" {
				t.Errorf("%s: still signed in (as %s) one second after the absolute lifetime", r, who)
			}
		}
	})

	t.Run("Refresh", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		b := s.browser()
		b.signIn("alice")
		before := b.loaded()
		// The access token expires in an hour; rp refreshes from RefreshBefore (1 min) earlier.
		// Stay active (idle timeout 30 min) on the way to the edge.
		edge := before.Tokens.Expiry.Sub(s.clock.Now()) - rp.DefaultRefreshBefore
		for edge-time.Second > 25*time.Minute {
			s.advance(25 * time.Minute)
			edge -= 25 * time.Minute
			b.who("/auth/userinfo")
		}
		s.advance(edge - time.Second)
		if who := b.who("/app/"); who != "alice" || s.refreshes() != 0 {
			t.Fatalf("one second before the refresh window: signed in as %q, %d refreshes; want alice, 0", who, s.refreshes())
		}
		s.advance(2 * time.Second)
		// Many requests at once: one refresh, every request served.
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for range 8 {
			wg.Go(func() {
				resp, _ := b.do(http.MethodGet, "/app/", nil, false)
				if resp.StatusCode != http.StatusOK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if failed != 0 || s.refreshes() != 1 {
			t.Fatalf("one second into the refresh window, 8 requests at once: %d failed, %d refreshes; want 0 and 1", failed, s.refreshes())
		}
		after := b.loaded()
		if after == nil || after.Tokens.RefreshToken == before.Tokens.RefreshToken || after.Tokens.AccessToken == before.Tokens.AccessToken ||
			!after.Tokens.Expiry.After(before.Tokens.Expiry) {
			t.Fatal("the refreshed tokens were not saved")
		}
		if after.ID != before.ID || !after.CreatedAt.Equal(before.CreatedAt) || !after.ExpiresAt.Equal(before.ExpiresAt) {
			t.Errorf("refresh changed the session's id or lifetimes: %v %v %v", after.ID == before.ID, after.CreatedAt, after.ExpiresAt)
		}
		s.advance(time.Second)
		if b.who("/proxied/") != "alice" || s.refreshes() != 1 {
			t.Errorf("after the refresh was saved: %d refreshes, want still 1", s.refreshes())
		}
	})

	t.Run("SignOutEndsCopies", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		b := s.browser()
		b.signIn("alice")
		saved := b.session() // a copy taken before the sign-out
		b.signOut()
		for _, r := range routes {
			if who := b.who(r); who != "" {
				t.Errorf("%s: still signed in as %s after sign-out", r, who)
			}
			if who := s.browserWith(saved).who(r); who != "" {
				t.Errorf("%s: a copy of the signed-out cookie still works (as %s)", r, who)
			}
		}
		// After a restart (or on another replica) the copy stays dead; a session
		// that was not signed out lives on.
		other := s.browser()
		other.signIn("bob")
		s.restart()
		for _, r := range routes {
			if who := s.browserWith(saved).who(r); who != "" {
				t.Errorf("%s, after a restart: a copy of the signed-out cookie works again (as %s)", r, who)
			}
			if who := other.who(r); who != "bob" {
				t.Errorf("%s, after a restart: a session that was not signed out: signed in as %q, want bob", r, who)
			}
		}
	})

	t.Run("BackchannelLogoutEndsCopies", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		b := s.browser()
		b.signIn("alice")
		saved := b.session() // a copy taken before the logout
		sess := b.loaded()
		now := s.clock.Now()
		tok, err := s.idp.Mint(map[string]any{
			"iss": s.idp.Issuer, "aud": s.idp.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": randomText(12), "sid": sess.SID,
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
		})
		if err != nil {
			t.Fatal(err)
		}
		post := func() int {
			resp, err := http.PostForm(s.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := post(); got != http.StatusOK {
			t.Fatalf("back-channel logout: %d, want 200", got)
		}
		for _, r := range routes {
			if who := s.browserWith(saved).who(r); who != "" {
				t.Errorf("%s: a copy of the logged-out cookie still works (as %s)", r, who)
			}
		}
		// After a restart: the copy stays dead, and the token cannot be replayed
		// (a replay would end sessions made since).
		s.restart()
		for _, r := range routes {
			if who := s.browserWith(saved).who(r); who != "" {
				t.Errorf("%s, after a restart: a copy of the logged-out cookie works again (as %s)", r, who)
			}
		}
		if got := post(); got != http.StatusBadRequest {
			t.Errorf("the logout token replayed after a restart: %d, want 400", got)
		}
	})

	t.Run("ForeignCookieAsSession", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, tg, nil)
		b := s.browser()
		// The sign-in attempt's own cookie, protected with the same secrets, put
		// where the session cookie goes.
		b.do(http.MethodGet, "/auth/login?rd=/app/", nil, false)
		var login string
		for _, c := range b.jar.Cookies(b.siteURL()) {
			if strings.Contains(c.Name, "login") {
				login = c.Value
			}
		}
		if login == "" {
			t.Fatal("starting a sign-in set no cookie")
		}
		b.signIn("alice")
		for n := range b.session() {
			forged := b.session()
			forged[n] = login
			f := s.browser()
			f.setSession(forged)
			for _, r := range routes {
				if who := f.who(r); who != "" {
					t.Errorf("%s: the login cookie's value as session cookie %s signs in as %s", r, n, who)
				}
			}
		}
	})
}

// signInAll signs in one browser per route, so that each route alone keeps its
// session in use.
func signInAll(s *site) map[string]*browser {
	out := map[string]*browser{}
	for _, r := range routes {
		b := s.browser()
		b.signIn("alice")
		out[r] = b
	}
	return out
}
