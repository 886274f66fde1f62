package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/revocation"
)

// With Redis stopped every operation fails with ErrUnavailable (never ErrNotFound,
// never a panic or a hang); after a restart the same store works again by itself
// and the sessions Redis had kept are there.
func TestOutageAndRecovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Timeout: time.Second})
	idx := redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"}
	ticket, err := e.st.Create(ctx, []byte("kept"), idx, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	e.srv.Stop()
	ops := map[string]func() error{
		"Ping": func() error { return e.st.Ping(ctx) },
		"Create": func() error {
			_, err := e.st.Create(ctx, []byte("x"), idx, time.Hour, time.Hour)
			return err
		},
		"Load":   func() error { _, err := e.st.Load(ctx, ticket); return err },
		"Update": func() error { return e.st.Update(ctx, ticket, []byte("y"), time.Hour) },
		"Delete": func() error { return e.st.Delete(ctx, ticket) },
		"DeleteBySID": func() error {
			_, err := e.st.DeleteBySID(ctx, iss, "s1")
			return err
		},
		"DeleteBySubject": func() error {
			_, err := e.st.DeleteBySubject(ctx, iss, "alice")
			return err
		},
		"Lock": func() error { _, err := e.st.Lock(ctx, "s", time.Second); return err },
		"LockWait": func() error {
			_, err := e.st.LockWait(ctx, "s", time.Second, time.Second)
			return err
		},
		"SeenJTI": func() error { _, err := e.st.SeenJTI(ctx, iss, "j", time.Minute); return err },
		"Revoke": func() error {
			return e.st.Revoke(ctx, iss, revocation.BySID, "s1", time.Now(), time.Hour)
		},
		"RevokedAt": func() error { _, _, err := e.st.RevokedAt(ctx, iss, "s1", "alice"); return err },
	}
	for name, op := range ops {
		err := op()
		if !errors.Is(err, redisstore.ErrUnavailable) {
			t.Errorf("%s with Redis down: err = %v, want ErrUnavailable", name, err)
		}
		if errors.Is(err, redisstore.ErrNotFound) {
			t.Errorf("%s with Redis down: err = %v also matches ErrNotFound (would sign the user out)", name, err)
		}
	}

	e.srv.Restart()
	waitPing(t, e.st)
	got, err := e.st.Load(ctx, ticket)
	if err != nil || string(got) != "kept" {
		t.Fatalf("Load after restart = %q, %v; want kept, nil (data persisted, store reconnected)", got, err)
	}
	if n, err := e.st.DeleteBySID(ctx, iss, "s1"); err != nil || n != 1 {
		t.Errorf("DeleteBySID after restart = %d, %v; want 1 (index persisted)", n, err)
	}
}

// waitPing waits, without a fixed sleep, until st reaches Redis again.
func waitPing(t *testing.T, st *redisstore.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := st.Ping(ctx)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not reconnect after the restart: %v", err)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		}
	}
}
