package redisstore_test

import (
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

func TestRevocationConformance(t *testing.T) {
	t.Parallel()
	srv := newEnv(t, redisstore.Options{}).srv
	revocationtest.Run(t, func(t *testing.T) revocationtest.Store {
		return onServer(t, srv, redisstore.Options{}).st // a fresh prefix each
	})
}

func TestLogoutStateExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Prefix: "lo:"})
	if _, err := e.st.SeenJTI(ctx, iss, "j1", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Revoke(ctx, iss, revocation.BySubject, "alice", time.Now(), 12*time.Hour); err != nil {
		t.Fatal(err)
	}
	// A later revocation with a shorter ttl never shortens the record.
	if err := e.st.Revoke(ctx, iss, revocation.BySubject, "alice", time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	for pattern, want := range map[string]time.Duration{"lo:j:*": 10 * time.Minute, "lo:r:*": 12 * time.Hour} {
		keys, err := e.raw.Keys(ctx, pattern).Result()
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys %s = %q, %v; want one", pattern, keys, err)
		}
		if d, _ := e.raw.PTTL(ctx, keys[0]).Result(); d > want || d < want-5*time.Second {
			t.Errorf("%s PTTL = %v, want about %v", pattern, d, want)
		}
	}
}

func TestRevokedAtRoundsUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	at := time.Date(2026, 11, 25, 12, 0, 0, 1500, time.UTC) // 1.5 µs past the ms
	if err := e.st.Revoke(ctx, iss, revocation.BySID, "s", at, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, ok, err := e.st.RevokedAt(ctx, iss, "s", "")
	if err != nil || !ok || got.Before(at) {
		t.Errorf("RevokedAt = %v, %v, %v; want a time not before %v (a session created at that instant is revoked)", got, ok, err, at)
	}
}

func TestRevokeExtremeTimes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	for _, at := range []time.Time{{}, time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 1, time.UTC)} {
		if err := e.st.Revoke(ctx, iss, revocation.BySID, "x", at, time.Hour); err != nil {
			t.Errorf("Revoke(at=%v): %v", at, err)
		}
	}
	// A sub-millisecond ttl is rounded up, not sent to Redis as an invalid 0.
	if err := e.st.Revoke(ctx, iss, revocation.BySID, "tiny", time.Now(), time.Microsecond); err != nil {
		t.Errorf("Revoke(ttl=1µs): %v", err)
	}
	got, ok, err := e.st.RevokedAt(ctx, iss, "x", "")
	if err != nil || !ok || got.Year() != 9999 {
		t.Errorf("RevokedAt = %v, %v, %v; want the latest (year 9999)", got, ok, err)
	}
}

func TestSessionListConformance(t *testing.T) {
	t.Parallel()
	srv := newEnv(t, redisstore.Options{}).srv
	revocationtest.RunSessionList(t, func(t *testing.T, now func() time.Time) revocation.SessionList {
		return onServer(t, srv, redisstore.Options{Now: now}).st
	})
}
