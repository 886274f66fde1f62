package rp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// saveCookies saves s with st and returns the cookies it set (stale-chunk deletions left out).
func saveCookies(t testing.TB, st *CookieStore, s *Session) []*http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := st.Save(rec, httptest.NewRequest(http.MethodGet, "/", nil), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	var out []*http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			out = append(out, c)
		}
	}
	return out
}

// loadCookies loads a session from a request carrying cookies.
func loadCookies(t testing.TB, st *CookieStore, cookies []*http.Cookie) *Session {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	s, err := st.Load(req)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestSessionCacheTamperedCookiesAreNeverCached(t *testing.T) {
	t.Parallel()
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	s := largeSession(time.Now())
	cookies := saveCookies(t, st, s)
	if len(cookies) < 2 {
		t.Fatalf("want a multi-chunk session, got %d chunks", len(cookies))
	}
	tampered := func(mutate func([]*http.Cookie) []*http.Cookie) []*http.Cookie {
		cs := make([]*http.Cookie, len(cookies))
		for i, c := range cookies {
			cc := *c
			cs[i] = &cc
		}
		return mutate(cs)
	}
	tests := []struct {
		name    string
		cookies []*http.Cookie
	}{
		{"flip first", tampered(func(cs []*http.Cookie) []*http.Cookie { cs[0].Value = flip(cs[0].Value, 10); return cs })},
		{"flip last", tampered(func(cs []*http.Cookie) []*http.Cookie { cs[1].Value = flip(cs[1].Value, 5); return cs })},
		{"drop last", tampered(func(cs []*http.Cookie) []*http.Cookie { return cs[:1] })},
		{"swap", tampered(func(cs []*http.Cookie) []*http.Cookie {
			cs[0].Value, cs[1].Value = cs[1].Value, cs[0].Value
			return cs
		})},
		{"garbage", []*http.Cookie{{Name: cookies[0].Name, Value: "not-a-session"}}},
	}
	// Before and after the genuine cookie is cached: a tampered value neither decodes
	// nor enters the cache, nor is it served the genuine session.
	for _, phase := range []string{"cold", "warm"} {
		if phase == "warm" {
			if got := loadCookies(t, st, cookies); got == nil || got.ID != s.ID {
				t.Fatalf("genuine cookie: got %v, want session %s", got, s.ID)
			}
		}
		for _, tc := range tests {
			if got := loadCookies(t, st, tc.cookies); got != nil {
				t.Errorf("%s/%s: Load = session %s, want none", phase, tc.name, got.ID)
			}
		}
		want := map[string]int{"cold": 0, "warm": 1}[phase]
		if n := st.cache.len(); n != want {
			t.Errorf("%s: cache holds %d sessions, want %d (only the genuine one)", phase, n, want)
		}
	}
}

func TestSessionCacheKeyRotation(t *testing.T) {
	t.Parallel()
	old, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{otherSecret}})
	s := largeSession(time.Now())
	cookies := saveCookies(t, old, s)
	rotated, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret, otherSecret}})
	for i := range 2 { // a miss, then a hit
		if got := loadCookies(t, rotated, cookies); got == nil || got.ID != s.ID {
			t.Fatalf("load %d after rotation: got %v, want session %s", i, got, s.ID)
		}
	}
	if n := rotated.cache.len(); n != 1 {
		t.Fatalf("rotated store caches %d sessions, want 1", n)
	}
	// The old key is removed (a new store, as after a restart or config change):
	// the session cached under it above must not come back.
	removed, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	if got := loadCookies(t, removed, cookies); got != nil {
		t.Errorf("a cookie made with a removed key decodes (session %s)", got.ID)
	}
}

func TestSessionCacheServesCopies(t *testing.T) {
	t.Parallel()
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	s := largeSession(time.Now())
	cookies := saveCookies(t, st, s)
	first := loadCookies(t, st, cookies)
	if first == nil {
		t.Fatal("no session")
	}
	// What a request does to its session: touch it, refresh its tokens.
	first.LastSeen = first.LastSeen.Add(time.Minute)
	first.Tokens = Tokens{AccessToken: "new-access", IDToken: "h.e30.s"}
	first.claims = nil
	if c := first.Claims(); len(c) != 0 {
		t.Fatalf("refreshed copy's claims = %v, want none", c)
	}
	second := loadCookies(t, st, cookies)
	if second == nil || second.Tokens.AccessToken != s.Tokens.AccessToken || !second.LastSeen.Equal(s.LastSeen) ||
		len(stringList(second.Claims()["groups"])) != 100 {
		t.Fatalf("a change to a loaded session leaked into the cache: %+v", second)
	}
	// Saving the changed session writes a new value, which loads as changed.
	got := loadCookies(t, st, saveCookies(t, st, first))
	if got == nil || got.Tokens.AccessToken != "new-access" || !got.LastSeen.Equal(first.LastSeen) {
		t.Errorf("saved session loads stale: %+v", got)
	}
	// The User's claims are its own map.
	u := userFromSession(second)
	u.Claims["sub"] = "mallory"
	if sub := loadCookies(t, st, cookies).Claims()["sub"]; sub != "u-1" {
		t.Errorf("changing User.Claims changed the cached claims: sub = %v, want u-1", sub)
	}
}

func TestSessionCacheExpiry(t *testing.T) {
	t.Parallel()
	const idle = 30 * time.Minute
	tests := []struct {
		name    string
		advance time.Duration
		cached  bool
	}{
		{"fresh", time.Minute, true},
		{"just before idle timeout", idle - time.Second, true},
		{"idle timeout", idle, false},
		{"absolute lifetime", time.Hour, false}, // largeSession lives one hour
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, Now: clock.Now, IdleTimeout: idle})
			s := largeSession(clock.Now())
			cookies := saveCookies(t, st, s)
			if got := loadCookies(t, st, cookies); got == nil || st.cache.len() != 1 {
				t.Fatalf("live session: got %v, cache %d; want it loaded and cached", got, st.cache.len())
			}
			clock.Advance(tc.advance)
			// Load still returns an expired session (RP ends it and clears the cookie),
			// but never from the cache, and does not cache it again.
			got := loadCookies(t, st, cookies)
			if got == nil || got.ID != s.ID {
				t.Fatalf("after %v: got %v, want session %s", tc.advance, got, s.ID)
			}
			if n := st.cache.len(); (n == 1) != tc.cached {
				t.Errorf("after %v: cache holds %d sessions, want cached=%v", tc.advance, n, tc.cached)
			}
		})
	}
}

func TestSessionCacheExpiryThroughRP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) {
		c.IdleTimeout = 30 * time.Minute
		c.AbsoluteLifetime = 2 * time.Hour
	}})
	h.signIn(h.client)
	for range 3 { // hits
		if !h.signedIn(h.client) {
			t.Fatal("signed out while active")
		}
	}
	h.clock.Advance(31 * time.Minute)
	if h.signedIn(h.client) {
		t.Error("a cached session outlived the idle timeout")
	}
}

func TestSessionCacheDisabled(t *testing.T) {
	t.Parallel()
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, CacheSize: -1})
	if st.cache != nil {
		t.Fatal("CacheSize -1: want no cache")
	}
	s := largeSession(time.Now())
	if got, _ := roundTrip(t, st, st, s); got == nil || got.ID != s.ID {
		t.Errorf("without cache: got %v, want session %s", got, s.ID)
	}
}

func TestSessionCacheConcurrent(t *testing.T) {
	t.Parallel()
	const size, sessions, workers, rounds = 4, 16, 32, 50
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, CacheSize: size})
	now := time.Now()
	want := make([]*Session, sessions)
	cookies := make([][]*http.Cookie, sessions)
	for i := range want {
		want[i] = largeSession(now)
		want[i].Subject = fmt.Sprintf("user-%d", i)
		cookies[i] = saveCookies(t, st, want[i])
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				i := (w + r*7) % sessions
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				for _, c := range cookies[i] {
					req.AddCookie(c)
				}
				got, err := st.Load(req)
				if err != nil || got == nil || got.ID != want[i].ID || got.Subject != want[i].Subject {
					errs <- fmt.Errorf("worker %d: got %v, %v; want session of %s", w, got, err, want[i].Subject)
					return
				}
				_ = userFromSession(got).Groups
				got.LastSeen = now.Add(time.Duration(r)) // the caller owns its copy
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := st.cache.len(); n > size {
		t.Errorf("cache holds %d sessions, over its size %d", n, size)
	}
}

func TestSessionCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := newSessionCache(3)
	key := func(i byte) cacheKey { return cacheKey{i} }
	check := func(step string, want ...byte) {
		t.Helper()
		var got []byte
		for i := range byte(6) {
			if _, ok := c.items[key(i)]; ok { // not c.get: that would mark them used
				got = append(got, i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("after %s: cached %v, want %v", step, got, want)
		}
	}
	for i := range byte(3) {
		c.put(key(i), &Session{ID: fmt.Sprint(i)})
	}
	if c.get(key(0)) == nil {
		t.Fatal("entry 0 not cached")
	}
	c.put(key(3), &Session{ID: "3"})
	check("a hit on 0, then a put", 0, 2, 3) // 1 was the oldest entry not used
	c.remove(key(2))
	check("remove 2", 0, 3)
	c.put(key(4), &Session{ID: "4"})
	check("a put after a remove", 0, 3, 4) // 2's slot is reused, nothing evicted
	c.put(key(5), &Session{ID: "5"})
	check("a put with no entry used", 3, 4, 5) // 0's hit was spent on the first put
}

func TestSessionCacheBounded(t *testing.T) {
	t.Parallel()
	c := newSessionCache(10)
	for i := range 1000 {
		k := cacheKey{byte(i), byte(i >> 8)}
		c.put(k, &Session{ID: fmt.Sprint(i)})
		if i%3 == 0 {
			c.get(k)
		}
		if i%5 == 0 {
			c.remove(k)
		}
	}
	if n, ring := c.len(), len(c.ring); n > 10 || ring > 10 {
		t.Errorf("cache holds %d entries in %d slots, want at most 10", n, ring)
	}
}

// BenchmarkCookieStoreLoadLargeUncached measures decoding a two-chunk session without
// the cache (a cookie not seen before): MAC, AES-CTR, inflate and JSON.
func BenchmarkCookieStoreLoadLargeUncached(b *testing.B) {
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, CacheSize: -1})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range saveCookies(b, st, largeSession(time.Now())) {
		req.AddCookie(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := st.Load(req); got == nil {
			b.Fatal("no session")
		}
	}
}
