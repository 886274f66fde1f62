package revocationtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

// Clock is a clock the checks move by hand; [RunClocked] hands its Now to the
// store it makes.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// RunExpiry checks, with a moving clock, that revocations and logout token ids are
// kept one second before their ttl ends and gone one second after. It is for stores
// that expire records by the clock they are given (not Redis, whose TTLs run on its
// own clock). newStore returns an empty store that takes its time from now; it is
// called once per subtest, and the subtests run in parallel.
func RunExpiry(t *testing.T, newStore func(t *testing.T, now func() time.Time) Store) {
	t.Helper()
	const iss, ttl = "https://idp.example", time.Hour
	ctx := context.Background()

	t.Run("RevocationExpiresAfterTTL", func(t *testing.T) {
		t.Parallel()
		c := NewClock(t0)
		s := newStore(t, c.Now)
		if err := s.Revoke(ctx, iss, revocation.BySID, "sid-1", t0, ttl); err != nil {
			t.Fatal(err)
		}
		c.Advance(ttl - time.Second)
		if at, ok, err := s.RevokedAt(ctx, iss, "sid-1", ""); err != nil || !ok || !at.Equal(t0) {
			t.Errorf("one second before the ttl: RevokedAt = %v, %v, %v; want %v, true, nil", at, ok, err, t0)
		}
		c.Advance(2 * time.Second)
		if _, ok, err := s.RevokedAt(ctx, iss, "sid-1", ""); err != nil || ok {
			t.Errorf("one second after the ttl: RevokedAt ok = %v, %v; want false, nil", ok, err)
		}
	})

	t.Run("JTIExpiresAfterTTL", func(t *testing.T) {
		t.Parallel()
		c := NewClock(t0)
		s := newStore(t, c.Now)
		if seen, err := s.SeenJTI(ctx, iss, "j1", ttl); err != nil || seen {
			t.Fatalf("first SeenJTI = %v, %v; want false, nil", seen, err)
		}
		c.Advance(ttl - time.Second)
		if seen, err := s.SeenJTI(ctx, iss, "j1", ttl); err != nil || !seen {
			t.Errorf("one second before the ttl: SeenJTI = %v, %v; want true, nil", seen, err)
		}
		c.Advance(2 * time.Second)
		if seen, err := s.SeenJTI(ctx, iss, "j1", ttl); err != nil || seen {
			t.Errorf("one second after the ttl: SeenJTI = %v, %v; want false, nil", seen, err)
		}
	})

}

// RunSessionList checks a [revocation.SessionList] with a moving clock: a signed-out
// session stays ended until one second before its expiry, and is forgotten one
// second after. newList returns an empty list that takes its time from now; it is
// called once per subtest, and the subtests run in parallel.
func RunSessionList(t *testing.T, newList func(t *testing.T, now func() time.Time) revocation.SessionList) {
	t.Helper()
	const ttl = time.Hour
	ctx := context.Background()

	t.Run("SessionEndedUntilExpiry", func(t *testing.T) {
		t.Parallel()
		c := NewClock(t0)
		s := newList(t, c.Now)
		exp := t0.Add(ttl)
		if err := s.EndSession(ctx, "session-1", exp); err != nil {
			t.Fatal(err)
		}
		// An earlier expiry for the same session never shortens the record.
		if err := s.EndSession(ctx, "session-1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			advance time.Duration
			id      string
			want    bool
		}{
			{"at once", 0, "session-1", true},
			{"another session", 0, "session-2", false},
			{"a prefix of the id", 0, "session-", false},
			{"empty id", 0, "", false},
			{"one second before expiry", ttl - time.Second, "session-1", true},
			{"one second after expiry", 2 * time.Second, "session-1", false},
		} {
			c.Advance(tc.advance)
			if got, err := s.SessionEnded(ctx, tc.id); err != nil || got != tc.want {
				t.Errorf("%s: SessionEnded(%q) = %v, %v; want %v, nil", tc.name, tc.id, got, err, tc.want)
			}
		}
		if err := s.EndSession(ctx, "", exp); err == nil {
			t.Error("EndSession with an empty id succeeded, want an error")
		}
	})

	t.Run("SessionsConcurrent", func(t *testing.T) {
		t.Parallel()
		c := NewClock(t0)
		s := newList(t, c.Now)
		const n = 32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := s.EndSession(ctx, fmt.Sprintf("s-%d", i), t0.Add(ttl)); err != nil {
					t.Errorf("EndSession: %v", err)
				}
				if _, err := s.SessionEnded(ctx, "s-x"); err != nil {
					t.Errorf("SessionEnded: %v", err)
				}
			})
		}
		wg.Wait()
		for i := range n {
			if ok, err := s.SessionEnded(ctx, fmt.Sprintf("s-%d", i)); err != nil || !ok {
				t.Errorf("s-%d: SessionEnded = %v, %v; want true", i, ok, err)
			}
		}
	})
}
