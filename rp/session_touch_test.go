package rp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// verifyWithCookies asks h's /auth/verify as nginx would (from loopback, the original URI in
// X-Original-URI) with exactly cookies, whatever earlier answers set: a proxy that
// does not pass /auth/verify's Set-Cookie on to the browser.
func verifyWithCookies(t *testing.T, h *harness, cookies []*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("X-Original-URI", "/app/page")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.rp.Handler().ServeHTTP(rec, req)
	return rec
}

// jarCookies returns the cookies c's jar holds for h.
func jarCookies(h *harness, c *http.Client) []*http.Cookie {
	u, _ := url.Parse(h.srv.URL)
	return c.Jar.Cookies(u)
}

// idleHarness signs in with a 20-minute idle timeout (touch interval: 1 minute).
func idleHarness(t *testing.T) (*harness, []*http.Cookie) {
	h := newHarness(t, harnessOpt{cfg: func(c *Config) {
		c.IdleTimeout = 20 * time.Minute
		c.AbsoluteLifetime = 4 * time.Hour
	}})
	h.signIn(h.client)
	return h, jarCookies(h, h.client)
}

// Forward auth writes no cookie unless something changed. The activity goes to
// memory at every touch (a twentieth of the idle timeout: 1 minute here) and to the
// last-seen cookie at most every eighth (2.5 minutes), and no more once a written one
// does not come back.
func TestVerifyWritesNoCookieUnlessTouched(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		passes bool  // the proxy passes Set-Cookie on to the browser
		writes []int // the minutes after sign-in at which a last-seen cookie is written
	}{
		{"proxy passes Set-Cookie", true, []int{3, 6, 9, 12}},
		{"proxy drops Set-Cookie", false, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, cookies := idleHarness(t)
			var writes []int
			for minute := 1; minute <= 12; minute++ {
				h.clock.Advance(30 * time.Second)
				if rec := verifyWithCookies(t, h, cookies); rec.Code != http.StatusOK || len(rec.Result().Cookies()) != 0 {
					t.Fatalf("minute %d.5: status %d, Set-Cookie %v; want 200 and none (within the touch interval)", minute-1, rec.Code, rec.Result().Cookies())
				}
				h.clock.Advance(30 * time.Second)
				rec := verifyWithCookies(t, h, cookies)
				if rec.Code != http.StatusOK {
					t.Fatalf("minute %d: status %d, want 200", minute, rec.Code)
				}
				set := rec.Result().Cookies()
				if len(set) == 0 {
					continue
				}
				writes = append(writes, minute)
				c := set[0]
				if len(set) != 1 || c.Name != "foyer_seen" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 || len(c.String()) > 300 {
					t.Errorf("minute %d: Set-Cookie %v, want foyer_seen alone, HttpOnly SameSite=Lax Path=/ with a Max-Age, under 300 bytes", minute, set)
				}
				if tc.passes {
					cookies = withCookie(cookies, c)
				}
			}
			if fmt.Sprint(writes) != fmt.Sprint(tc.writes) {
				t.Errorf("last-seen cookies written at minutes %v, want %v", writes, tc.writes)
			}
		})
	}
}

// withCookie returns cookies with c in place of the one of its name.
func withCookie(cookies []*http.Cookie, c *http.Cookie) []*http.Cookie {
	out := []*http.Cookie{c}
	for _, o := range cookies {
		if o.Name != c.Name {
			out = append(out, o)
		}
	}
	return out
}

// activeThenIdle keeps a session busy through forward auth for twice the idle
// timeout with a proxy that drops every Set-Cookie, then leaves it idle for idle.
func activeThenIdle(t *testing.T, idle time.Duration) int {
	h, cookies := idleHarness(t)
	for i := range 8 { // 8 × 5 minutes = 40 minutes of activity, idle timeout 20
		h.clock.Advance(5 * time.Minute)
		if rec := verifyWithCookies(t, h, cookies); rec.Code != http.StatusOK {
			t.Fatalf("active user, request %d (%v after sign-in): status %d, want 200", i, time.Duration(i+1)*5*time.Minute, rec.Code)
		}
	}
	h.clock.Advance(idle)
	return verifyWithCookies(t, h, cookies).Code
}

// The idle clock stays right when the proxy drops /auth/verify's Set-Cookie: an active
// user is not signed out, and an idle one is, one second after the idle timeout.
func TestIdleTimeoutWhenProxyDropsSetCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		idle  time.Duration
		wants int
	}{
		{"one second before the idle timeout", 20*time.Minute - time.Second, http.StatusOK},
		{"at the idle timeout", 20 * time.Minute, http.StatusUnauthorized},
		{"one second after", 20*time.Minute + time.Second, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := activeThenIdle(t, tc.idle); got != tc.wants {
				t.Errorf("status %d, want %d", got, tc.wants)
			}
		})
	}
}

// touchCookie touches s in st and returns the last-seen cookie it set.
func touchCookie(t *testing.T, st *CookieStore, s *Session) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := st.Touch(rec, httptest.NewRequest(http.MethodGet, "/", nil), s); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	set := rec.Result().Cookies()
	if len(set) != 1 {
		t.Fatalf("Touch set %d cookies, want 1", len(set))
	}
	return set[0]
}

// The last-seen cookie carries the activity to a process that did not see it (a
// restart, another replica), for its own session only, and only as sealed.
func TestLastSeenCookie(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	newStore := func(secrets ...[]byte) *CookieStore {
		st, err := NewCookieStore(CookieStoreConfig{Secrets: secrets, Now: clock.Now, IdleTimeout: 20 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	signIn := clock.Now()
	alice, bob := largeSession(signIn), largeSession(signIn)
	a, b := newStore(testSecret), newStore(testSecret)
	aliceCookies := saveCookies(t, a, alice)
	clock.Advance(15 * time.Minute)
	touched := clock.Now()
	alice.LastSeen, bob.LastSeen = touched, touched
	aliceSeen, bobSeen := touchCookie(t, a, alice), touchCookie(t, a, bob)
	rotatedOut := touchCookie(t, newStore(otherSecret), alice)
	tamper := *aliceSeen
	tamper.Value = aliceSeen.Value[:20] + substitute(aliceSeen.Value[20]) + aliceSeen.Value[21:]
	tests := []struct {
		name  string
		store *CookieStore
		seen  []*http.Cookie
		want  time.Time
	}{
		{"this process remembers without the cookie", a, nil, touched},
		{"another process without the cookie", b, nil, signIn},
		{"another process with the cookie", b, []*http.Cookie{aliceSeen}, touched},
		{"another session's last-seen cookie", b, []*http.Cookie{bobSeen}, signIn},
		{"forged after alice's, bob's first", b, []*http.Cookie{bobSeen, aliceSeen}, signIn}, // the first of a name counts
		{"tampered", b, []*http.Cookie{&tamper}, signIn},
		{"sealed with a secret no longer configured", b, []*http.Cookie{rotatedOut}, signIn},
		{"the session cookie's value as last-seen", b, []*http.Cookie{{Name: aliceSeen.Name, Value: aliceCookies[0].Value}}, signIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := loadCookies(t, tc.store, append(append([]*http.Cookie{}, aliceCookies...), tc.seen...))
			if got == nil || got.ID != alice.ID {
				t.Fatalf("session: got %v, want alice's", got)
			}
			if !got.LastSeen.Equal(tc.want) {
				t.Errorf("LastSeen %v, want %v", got.LastSeen, tc.want)
			}
		})
	}
	// A last-seen cookie is not a session.
	if got := loadCookies(t, b, []*http.Cookie{{Name: aliceCookies[0].Name, Value: aliceSeen.Value}}); got != nil {
		t.Errorf("a last-seen value as the session cookie loads session %s", got.ID)
	}
	// Sign-out clears it with the session.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range append(aliceCookies, aliceSeen) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	_ = a.Delete(rec, req, alice)
	cleared := map[string]bool{}
	for _, c := range rec.Result().Cookies() {
		cleared[c.Name] = c.MaxAge < 0
	}
	if !cleared[aliceSeen.Name] || !cleared[aliceCookies[0].Name] {
		t.Errorf("Delete cleared %v, want the session and last-seen cookies", cleared)
	}
}

func TestActivityForgetsAfterTwoPeriods(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	a := newActivity(time.Hour)
	at := func(id string) (time.Time, bool) {
		e, ok := a.get(id)
		return e.at, ok
	}
	a.record("old", t0)
	a.wrote("old", t0)
	a.record("x", t0.Add(59*time.Minute))
	if _, ok := at("old"); !ok {
		t.Fatal("forgotten within its period")
	}
	a.record("x", t0.Add(61*time.Minute)) // a new period: "old" moves to the previous map
	if got, ok := a.get("old"); !ok || !got.at.Equal(t0) || !got.written.Equal(t0) {
		t.Fatalf("forgotten one period on: %+v %v", got, ok)
	}
	if got, _ := at("x"); !got.Equal(t0.Add(61 * time.Minute)) {
		t.Errorf("x: %v, want the latest record", got)
	}
	a.record("y", t0.Add(122*time.Minute)) // two periods on
	if _, ok := at("old"); ok {
		t.Error("remembered two periods on")
	}
	if _, ok := at("x"); !ok {
		t.Error("x forgotten one period after its last record")
	}
	// An older record never moves the time back.
	a.record("y", t0)
	if got, _ := at("y"); !got.Equal(t0.Add(122 * time.Minute)) {
		t.Errorf("y moved back to %v", got)
	}
	// Bounded: a full map starts a new period.
	small := newActivity(time.Hour)
	small.max = 3
	for i := range 10 {
		small.record(string(rune('a'+i)), t0)
	}
	if n := len(small.cur) + len(small.prev); n > 6 {
		t.Errorf("%d entries with max 3, want at most 6", n)
	}
}
