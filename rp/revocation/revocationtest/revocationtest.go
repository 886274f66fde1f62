// Package revocationtest checks that an implementation of [revocation.List] and
// [revocation.ReplayCache] behaves as the interfaces document, so that the in-process
// and the Redis implementations are interchangeable.
package revocationtest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

// Store is what the checks need: both interfaces.
type Store interface {
	revocation.List
	revocation.ReplayCache
}

// Run runs the conformance checks as subtests of t. newStore returns an empty store;
// it is called once per subtest, and the subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const iss, ttl = "https://idp.example", time.Hour
	ctx := context.Background()

	t.Run("RevokedAtFindsSIDAndSub", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Revoke(ctx, iss, revocation.BySID, "sid-1", t0, ttl); err != nil {
			t.Fatalf("Revoke sid: %v", err)
		}
		if err := s.Revoke(ctx, iss, revocation.BySubject, "alice", t0.Add(time.Minute), ttl); err != nil {
			t.Fatalf("Revoke sub: %v", err)
		}
		for _, tc := range []struct {
			name, iss, sid, sub string
			wantOK              bool
			wantAt              time.Time
		}{
			{"sid only", iss, "sid-1", "", true, t0},
			{"sub only", iss, "", "alice", true, t0.Add(time.Minute)},
			{"both: latest wins", iss, "sid-1", "alice", true, t0.Add(time.Minute)},
			{"other sid", iss, "sid-2", "", false, time.Time{}},
			{"other sub", iss, "", "bob", false, time.Time{}},
			{"sid value as sub", iss, "", "sid-1", false, time.Time{}},
			{"other issuer", "https://other.example", "sid-1", "alice", false, time.Time{}},
			{"nothing named", iss, "", "", false, time.Time{}},
		} {
			at, ok, err := s.RevokedAt(ctx, tc.iss, tc.sid, tc.sub)
			if err != nil {
				t.Fatalf("%s: RevokedAt: %v", tc.name, err)
			}
			if ok != tc.wantOK || !at.Equal(tc.wantAt) {
				t.Errorf("%s: RevokedAt = %v, %v; want %v, %v", tc.name, at, ok, tc.wantAt, tc.wantOK)
			}
		}
	})

	t.Run("LaterRevocationWins", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, at := range []time.Time{t0.Add(time.Hour), t0, t0.Add(30 * time.Minute)} {
			if err := s.Revoke(ctx, iss, revocation.BySubject, "bob", at, ttl); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
		}
		at, ok, err := s.RevokedAt(ctx, iss, "", "bob")
		if err != nil || !ok || !at.Equal(t0.Add(time.Hour)) {
			t.Errorf("RevokedAt = %v, %v, %v; want %v, true, nil", at, ok, err, t0.Add(time.Hour))
		}
	})

	t.Run("RevokeRejectsBadInput", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, tc := range []struct {
			name, iss string
			kind      revocation.Kind
			value     string
			ttl       time.Duration
		}{
			{"empty issuer", "", revocation.BySID, "x", ttl},
			{"unknown kind", iss, "email", "x", ttl},
			{"empty kind", iss, "", "x", ttl},
			{"empty value", iss, revocation.BySID, "", ttl},
			{"zero ttl", iss, revocation.BySID, "x", 0},
			{"negative ttl", iss, revocation.BySID, "x", -time.Second},
		} {
			if err := s.Revoke(ctx, tc.iss, tc.kind, tc.value, t0, tc.ttl); err == nil {
				t.Errorf("%s: Revoke succeeded, want an error", tc.name)
			}
		}
		if _, ok, err := s.RevokedAt(ctx, iss, "x", "x"); err != nil || ok {
			t.Errorf("after rejected Revokes: RevokedAt ok = %v, err = %v; want false, nil", ok, err)
		}
	})

	t.Run("SeenJTIOnce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for i, want := range []bool{false, true, true} {
			seen, err := s.SeenJTI(ctx, iss, "jti-1", ttl)
			if err != nil || seen != want {
				t.Errorf("call %d: SeenJTI = %v, %v; want %v, nil", i+1, seen, err, want)
			}
		}
		if seen, err := s.SeenJTI(ctx, "https://other.example", "jti-1", ttl); err != nil || seen {
			t.Errorf("same jti, other issuer: SeenJTI = %v, %v; want false, nil", seen, err)
		}
	})

	t.Run("SeenJTIConcurrent", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 50
		var first atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				seen, err := s.SeenJTI(ctx, iss, "jti-race", ttl)
				if err != nil {
					t.Errorf("SeenJTI: %v", err)
				}
				if !seen {
					first.Add(1)
				}
			})
		}
		wg.Wait()
		if got := first.Load(); got != 1 {
			t.Errorf("%d of %d concurrent SeenJTI calls reported a first sighting, want exactly 1", got, n)
		}
	})

	t.Run("SeenJTIRejectsBadInput", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if _, err := s.SeenJTI(ctx, iss, "", ttl); err == nil {
			t.Errorf("SeenJTI with an empty jti succeeded, want an error")
		}
		if _, err := s.SeenJTI(ctx, iss, "j", 0); err == nil {
			t.Errorf("SeenJTI with a zero ttl succeeded, want an error")
		}
	})
}
