package sessiontest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp"
)

// runStore runs the checks of the store alone.
func runStore(t *testing.T, tg Target) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		st := tg.newStore(t, c)
		if s := load(t, st, jar{}); s != nil {
			t.Errorf("Load without a cookie = session %s, want none", s.ID)
		}
		for _, want := range []*rp.Session{newSession(c.Now(), "alice"), largeSession(c.Now(), "bob")} {
			j, _ := save(t, st, jar{}, want)
			if d := diff(load(t, st, j), want); d != "" {
				t.Errorf("%s: Load after Save: %s", want.Subject, d)
			}
			// Another store on the same backend (a replica, or after a restart) loads it too.
			if d := diff(load(t, tg.newStore(t, c), j), want); d != "" {
				t.Errorf("%s: Load in a second store: %s", want.Subject, d)
			}
		}
	})

	t.Run("Cookies", func(t *testing.T) { t.Parallel(); checkCookies(t, tg) })

	t.Run("NewCookieForEveryNewSession", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		st := tg.newStore(t, c)
		// The attacker's session cookie sits in the victim's browser when the victim
		// signs in; the sign-in saves a new session with that cookie in the request.
		attacker := newSession(c.Now(), "mallory")
		planted, _ := save(t, st, jar{}, attacker)
		victim := newSession(c.Now(), "victim")
		after, rec := save(t, st, planted, victim)
		if len(rec.Result().Cookies()) == 0 {
			t.Fatal("Save of a new session set no cookie: the browser keeps the planted one")
		}
		for name, v := range planted {
			if after[name] == v {
				t.Errorf("cookie %s kept its planted value after a new session was saved (session fixation)", name)
			}
		}
		if d := diff(load(t, st, after), victim); d != "" {
			t.Errorf("the victim's new cookie: %s", d)
		}
		if got := load(t, st, planted); got != nil && got.ID != attacker.ID {
			t.Errorf("the planted cookie now loads session %s of %s, want the attacker's own or none (session fixation)", got.ID, got.Subject)
		}
		// A planted cookie the store never issued does not become the new session's either.
		for name := range planted {
			forged := jar{name: planted[name][:len(planted[name])/2] + strings.Repeat("A", len(planted[name])-len(planted[name])/2)}
			after, _ := save(t, st, forged, newSession(c.Now(), "victim2"))
			if after[name] == forged[name] {
				t.Errorf("cookie %s kept a forged planted value after a new session was saved", name)
			}
			break
		}
	})

	t.Run("LivesUntilBothLifetimes", func(t *testing.T) { t.Parallel(); checkLifetimes(t, tg) })

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		st := tg.newStore(t, c)
		s := largeSession(c.Now(), "alice")
		j, _ := save(t, st, jar{}, s)
		copied := j.clone()
		loaded := load(t, st, j)
		rec := httptest.NewRecorder()
		if err := st.Delete(rec, j.request(), loaded); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if left := j.apply(rec); len(left) != 0 {
			t.Errorf("after Delete the browser still has cookies %v, want every session cookie cleared", left.names())
		}
		if tg.ServerSide {
			if got := load(t, st, copied); got != nil {
				t.Errorf("a copy of a deleted session's cookie still loads session %s", got.ID)
			}
			if got := load(t, tg.newStore(t, c), copied); got != nil {
				t.Errorf("a copy of a deleted session's cookie still loads in another store: session %s", got.ID)
			}
			// Saving the deleted session again (a request that loaded it before the
			// sign-out) never brings it back.
			rec := httptest.NewRecorder()
			if err := st.Save(rec, copied.request(), loaded); err != nil {
				t.Fatalf("Save after Delete: %v", err)
			}
			if got := load(t, st, copied.apply(rec)); got != nil {
				t.Errorf("Save after Delete brought the deleted session back (as session %s)", got.ID)
			}
		}
		// Deleting with no session and no cookie is fine.
		if err := st.Delete(httptest.NewRecorder(), jar{}.request(), nil); err != nil {
			t.Errorf("Delete of nothing: %v", err)
		}
	})

	// Cookie stores have no index (the revocation list ends their sessions, which
	// RP/BackchannelLogoutEndsCopies checks); a server-side store must have one.
	if _, ok := tg.newStore(t, newClock()).(rp.LogoutIndex); ok || tg.ServerSide {
		t.Run("LogoutIndex", func(t *testing.T) { t.Parallel(); checkLogoutIndex(t, tg) })
	}

	t.Run("RefreshSave", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		st := tg.newStore(t, c)
		orig := newSession(c.Now(), "alice")
		j, _ := save(t, st, jar{}, orig)
		c.Advance(55 * time.Minute)
		s := load(t, st, j)
		if s == nil {
			t.Fatal("session gone before its lifetimes")
		}
		s.Tokens = rp.Tokens{AccessToken: "at-new", RefreshToken: "rt-rotated", IDToken: orig.Tokens.IDToken, Expiry: c.Now().Add(time.Hour)}
		s.LastSeen = c.Now()
		after, _ := save(t, st, j, s)
		want := *orig
		want.Tokens, want.LastSeen = s.Tokens, s.LastSeen
		if d := diff(load(t, st, after), &want); d != "" {
			t.Errorf("after saving a refresh: %s", d)
		}
		if d := diff(load(t, tg.newStore(t, c), after), &want); d != "" {
			t.Errorf("after saving a refresh, in another store: %s", d)
		}
	})

	t.Run("Touch", func(t *testing.T) { t.Parallel(); checkTouch(t, tg) })

	t.Run("Tampering", func(t *testing.T) { t.Parallel(); checkTampering(t, tg) })

	t.Run("ConcurrentSave", func(t *testing.T) { t.Parallel(); checkConcurrentSave(t, tg) })

	t.Run("KeyRotation", func(t *testing.T) { t.Parallel(); checkKeyRotation(t, tg) })
}

// checkCookies checks the attributes of the session cookies, https and plain-http loopback.
func checkCookies(t *testing.T, tg Target) {
	for _, insecure := range []bool{false, true} {
		c := newClock()
		st := tg.New(t, Options{Now: c.Now, IdleTimeout: idleTimeout, Secrets: [][]byte{secretA}, InsecureHTTP: insecure})
		s := largeSession(c.Now(), "alice")
		_, rec := save(t, st, jar{}, s)
		cookies := rec.Result().Cookies()
		if len(cookies) == 0 {
			t.Fatalf("insecure=%v: Save set no cookie", insecure)
		}
		if tg.Chunked && len(cookies) < 2 {
			t.Errorf("insecure=%v: a large session set %d cookie, want several chunks", insecure, len(cookies))
		}
		for _, ck := range cookies {
			where := fmt.Sprintf("insecure=%v: cookie %s", insecure, ck.Name)
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("%s: HttpOnly %v, SameSite %v, Path %q, Domain %q; want HttpOnly, Lax, /, no domain",
					where, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
			}
			if ck.Secure == insecure || strings.HasPrefix(ck.Name, "__Host-") == insecure {
				t.Errorf("%s: Secure %v; want Secure and the __Host- prefix exactly when not insecure", where, ck.Secure)
			}
			if !strings.HasPrefix(strings.TrimPrefix(ck.Name, "__Host-"), "foyer_session") {
				t.Errorf("%s: want a foyer_session cookie (the proxy strips foyer's cookies by name)", where)
			}
			// The browser drops it at the absolute lifetime (2 h left: whole seconds).
			if ck.MaxAge != int(absoluteLifetime/time.Second) {
				t.Errorf("%s: Max-Age %d, want %d (the time left until ExpiresAt)", where, ck.MaxAge, int(absoluteLifetime/time.Second))
			}
			for _, secret := range []string{s.Tokens.RefreshToken, s.Tokens.AccessToken, s.CSRF, s.ID, "alice"} {
				if strings.Contains(ck.Value, secret) {
					t.Errorf("%s carries %q in clear", where, trunc(secret))
				}
			}
		}
		// Saved later, Max-Age is what is left of the absolute lifetime, not more.
		c.Advance(90 * time.Minute)
		s2 := newSession(c.Now().Add(-90*time.Minute), "bob")
		_, rec = save(t, st, jar{}, s2)
		for _, ck := range rec.Result().Cookies() {
			if ck.MaxAge != int((30*time.Minute)/time.Second) {
				t.Errorf("insecure=%v: cookie %s saved 30 min before ExpiresAt: Max-Age %d, want 1800", insecure, ck.Name, ck.MaxAge)
			}
		}
	}
}

// checkLifetimes checks that a store keeps a session up to one second before each of
// its lifetimes, and never sets a live cookie for a session past ExpiresAt. Refusing
// a session at or past the edges is the RP's job, checked in the RP subtests.
func checkLifetimes(t *testing.T, tg Target) {
	c := newClock()
	st := tg.newStore(t, c)
	s := newSession(c.Now(), "alice")
	j, _ := save(t, st, jar{}, s)
	// Idle: used every idle-1s, it lives until one second before ExpiresAt.
	for at := time.Duration(0); ; {
		step := idleTimeout - time.Second
		if at+step >= absoluteLifetime {
			break
		}
		c.Advance(step)
		at += step
		got := load(t, st, j)
		if got == nil {
			t.Fatalf("%v after sign-in, idle %v: session gone before its idle timeout", at, step)
		}
		got.LastSeen = c.Now()
		j, _ = save(t, st, j, got)
	}
	left := s.ExpiresAt.Sub(c.Now()) - time.Second
	c.Advance(left)
	last := load(t, st, j)
	if last == nil {
		t.Fatalf("one second before ExpiresAt (idle %v): session gone", left)
	}
	// A save at or past ExpiresAt (by a request that loaded the session just
	// before) must not give the browser a live cookie.
	for _, past := range []time.Duration{0, time.Second} {
		c.Advance(time.Second)
		got := *last
		got.LastSeen = c.Now()
		rec := httptest.NewRecorder()
		if err := st.Save(rec, j.request(), &got); err != nil {
			t.Fatalf("Save at ExpiresAt+%v: %v", past, err)
		}
		for _, ck := range rec.Result().Cookies() {
			if ck.MaxAge >= 0 && ck.Value != "" {
				t.Errorf("Save at ExpiresAt+%v set a live cookie %s (Max-Age %d)", past, ck.Name, ck.MaxAge)
			}
		}
	}
}

// checkLogoutIndex checks DeleteBySID and DeleteBySubject of a store that implements
// [rp.LogoutIndex]: they end exactly the sessions they name.
func checkLogoutIndex(t *testing.T, tg Target) {
	c := newClock()
	st := tg.newStore(t, c)
	li, ok := st.(rp.LogoutIndex)
	if !ok {
		t.Fatal("a server-side store must implement rp.LogoutIndex (back-channel logout across replicas)")
	}
	mk := func(iss, sub, sid string) jar {
		s := newSession(c.Now(), sub)
		s.Issuer, s.SID = iss, sid
		j, _ := save(t, st, jar{}, s)
		return j
	}
	const iss, other = "https://idp.localhost", "https://other.localhost"
	a1 := mk(iss, "alice", "sid-1")
	a2 := mk(iss, "alice", "sid-2")
	b := mk(iss, "bob", "sid-3")
	otherIss := mk(other, "alice", "sid-1")
	ctx := t.Context()
	if n, err := li.DeleteBySID(ctx, iss, "sid-1"); err != nil || n != 1 {
		t.Errorf("DeleteBySID = %d, %v; want 1, nil", n, err)
	}
	for name, tc := range map[string]struct {
		j    jar
		live bool
	}{"a1": {a1, false}, "a2": {a2, true}, "b": {b, true}, "other issuer": {otherIss, true}} {
		if got := load(t, st, tc.j) != nil; got != tc.live {
			t.Errorf("after DeleteBySID(sid-1): %s live = %v, want %v", name, got, tc.live)
		}
	}
	if n, err := li.DeleteBySubject(ctx, iss, "alice"); err != nil || n != 1 {
		t.Errorf("DeleteBySubject = %d, %v; want 1, nil", n, err)
	}
	for name, tc := range map[string]struct {
		j    jar
		live bool
	}{"a2": {a2, false}, "b": {b, true}, "other issuer": {otherIss, true}} {
		if got := load(t, st, tc.j) != nil; got != tc.live {
			t.Errorf("after DeleteBySubject(alice): %s live = %v, want %v", name, got, tc.live)
		}
	}
}

// checkConcurrentSave saves new sessions and updates of one session from many
// goroutines at once: each new session gets its own cookie, and an updated session
// is one of the versions written, whole.
func checkConcurrentSave(t *testing.T, tg Target) {
	c := newClock()
	st := tg.newStore(t, c)
	const workers = 16
	var wg sync.WaitGroup
	jars := make([]jar, workers)
	sessions := make([]*rp.Session, workers)
	errs := make(chan error, 2*workers)
	for i := range workers {
		sessions[i] = newSession(c.Now(), fmt.Sprintf("user-%d", i))
		wg.Go(func() {
			rec := httptest.NewRecorder()
			if err := st.Save(rec, jar{}.request(), sessions[i]); err != nil {
				errs <- err
				return
			}
			jars[i] = jar{}.apply(rec)
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for i, j := range jars {
		if j == nil {
			continue
		}
		if d := diff(load(t, st, j), sessions[i]); d != "" {
			t.Errorf("session %d saved concurrently: %s", i, d)
		}
		for _, v := range j {
			if k, dup := seen[v]; dup {
				t.Errorf("sessions %d and %d got the same cookie value", k, i)
			}
			seen[v] = i
		}
	}
	// Many requests of one session save their own version at once.
	base := jars[0]
	for k := range workers {
		wg.Go(func() {
			s := load(t, st, base)
			if s == nil {
				errs <- fmt.Errorf("update %d: session gone", k)
				return
			}
			s.Tokens.AccessToken = fmt.Sprintf("at-%d", k)
			s.Tokens.RefreshToken = fmt.Sprintf("rt-%d", k)
			if err := st.Save(httptest.NewRecorder(), base.request(), s); err != nil {
				errs <- fmt.Errorf("update %d: %w", k, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A server-side store has one record: it must be one of the versions, whole.
	if tg.ServerSide {
		got := load(t, st, base)
		if got == nil {
			t.Fatal("after concurrent updates: session gone")
		}
		var k int
		if _, err := fmt.Sscanf(got.Tokens.AccessToken, "at-%d", &k); err != nil || got.Tokens.RefreshToken != fmt.Sprintf("rt-%d", k) {
			t.Errorf("after concurrent updates: tokens %q and %q, want one version's pair", got.Tokens.AccessToken, got.Tokens.RefreshToken)
		}
		if got.ID != sessions[0].ID || got.Subject != sessions[0].Subject {
			t.Errorf("after concurrent updates: session %s of %s, want %s of %s", got.ID, got.Subject, sessions[0].ID, sessions[0].Subject)
		}
	}
}

// checkKeyRotation checks that sessions survive a new secret put first, and, for a
// secret-bound store, end when the old secret is removed.
func checkKeyRotation(t *testing.T, tg Target) {
	c := newClock()
	old := tg.newStore(t, c, secretA)
	s := newSession(c.Now(), "alice")
	j, _ := save(t, old, jar{}, s)
	rotated := tg.newStore(t, c, secretB, secretA)
	if d := diff(load(t, rotated, j), s); d != "" {
		t.Fatalf("after putting a new secret first: %s", d)
	}
	// Saved again by the rotated store, it is under the new secret.
	got := load(t, rotated, j)
	got.LastSeen = c.Now().Add(time.Minute)
	c.Advance(time.Minute)
	resaved, _ := save(t, rotated, j, got)
	onlyNew := tg.newStore(t, c, secretB)
	if d := diff(load(t, onlyNew, resaved), got); d != "" {
		t.Errorf("re-saved by the rotated store, loaded with the new secret only: %s", d)
	}
	if !tg.SecretBound {
		return
	}
	other := newSession(c.Now(), "bob")
	stale, _ := save(t, old, jar{}, other)
	if got := load(t, onlyNew, stale); got != nil {
		t.Errorf("a session saved under a removed secret still loads: %s", got.ID)
	}
	if got := load(t, tg.newStore(t, c, []byte("sessiontest: an unrelated deployment's secret")), stale); got != nil {
		t.Errorf("another deployment's store loads this one's session %s", got.ID)
	}
}

// checkTouch checks a store that records use apart from the session
// ([rp.SessionToucher], the cookie store's last-seen cookie): what Touch records is
// what another store (a replica, a restart) loads, bound to its own session — another
// session's record, or a tampered one, never moves a session's LastSeen.
func checkTouch(t *testing.T, tg Target) {
	c := newClock()
	st := tg.newStore(t, c)
	if _, ok := st.(rp.SessionToucher); !ok {
		t.Skip("sessiontest: the store does not implement rp.SessionToucher")
	}
	t0 := c.Now()
	touch := func(j jar, id string) jar {
		t.Helper()
		s := load(t, st, j)
		if s == nil || s.ID != id {
			t.Fatalf("Touch: session %s gone", id)
		}
		s.LastSeen = c.Now()
		rec := httptest.NewRecorder()
		if err := st.(rp.SessionToucher).Touch(rec, j.request(), s); err != nil {
			t.Fatalf("Touch: %v", err)
		}
		return j.apply(rec)
	}
	a := newSession(t0, "alice")
	ja, _ := save(t, st, jar{}, a)
	b := newSession(t0, "bob")
	jb, _ := save(t, st, jar{}, b)
	c.Advance(10 * time.Minute)
	ja = touch(ja, a.ID)
	c.Advance(10 * time.Minute)
	jb = touch(jb, b.ID)
	fresh := func() rp.SessionStore { return tg.newStore(t, c) } // no memory of the touches
	if got := load(t, fresh(), ja); got == nil || !got.LastSeen.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("after Touch, another store: LastSeen %v, want %v", lastSeen(got), t0.Add(10*time.Minute))
	}
	// b's more recent record beside a's session, in place of a's own.
	mixed := ja.clone()
	for n, v := range jb {
		if _, isA := ja[n]; isA && ja[n] != v && !strings.HasPrefix(strings.TrimPrefix(n, "__Host-"), "foyer_session") {
			mixed[n] = v
		}
	}
	if got := load(t, fresh(), mixed); got == nil || got.ID != a.ID || got.LastSeen.After(t0.Add(10*time.Minute)) {
		t.Errorf("a's session with b's last-seen record: LastSeen %v, want at most a's own %v", lastSeen(got), t0.Add(10*time.Minute))
	}
	// A tampered record is ignored.
	for n, v := range ja {
		if strings.HasPrefix(strings.TrimPrefix(n, "__Host-"), "foyer_session") {
			continue
		}
		bad := ja.clone()
		bad[n] = v[:len(v)/2] + substitute(v[len(v)/2]) + v[len(v)/2+1:]
		got, err := fresh().Load(bad.request())
		if err != nil || got == nil || got.ID != a.ID || !got.LastSeen.Equal(t0) {
			t.Errorf("a tampered %s: %v, LastSeen %v; want a's session as saved (LastSeen %v)", n, err, lastSeen(got), t0)
		}
	}
}

func lastSeen(s *rp.Session) any {
	if s == nil {
		return "no session"
	}
	return s.LastSeen
}
