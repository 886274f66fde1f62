package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
)

const iss = "https://idp.example"

// create makes a session and fails the test on error.
func (e *env) create(t *testing.T, idx redisstore.Index) string {
	t.Helper()
	ticket, err := e.st.Create(ctx, []byte("data"), idx, time.Hour, 2*time.Hour)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return ticket
}

// alive reports whether the session of ticket still loads.
func (e *env) alive(t *testing.T, ticket string) bool {
	t.Helper()
	_, err := e.st.Load(ctx, ticket)
	if err != nil && !errors.Is(err, redisstore.ErrNotFound) {
		t.Fatalf("Load: %v", err)
	}
	return err == nil
}

func TestDeleteBySIDAndSubject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	a1 := e.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"}) // two tabs, same IdP session
	a2 := e.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"})
	a3 := e.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s2"}) // another device
	b := e.create(t, redisstore.Index{Issuer: iss, Subject: "bob", SID: "s3"})
	other := e.create(t, redisstore.Index{Issuer: "https://other.example", Subject: "alice", SID: "s1"})
	noIdx := e.create(t, redisstore.Index{})

	n, err := e.st.DeleteBySID(ctx, iss, "s1")
	if err != nil || n != 2 {
		t.Fatalf("DeleteBySID(s1) = %d, %v; want 2, nil", n, err)
	}
	for ticket, want := range map[string]bool{a1: false, a2: false, a3: true, b: true, other: true, noIdx: true} {
		if got := e.alive(t, ticket); got != want {
			t.Errorf("after DeleteBySID(s1): session %s alive = %v, want %v", ticket[:6], got, want)
		}
	}
	if n, err := e.st.DeleteBySID(ctx, iss, "s1"); err != nil || n != 0 {
		t.Errorf("DeleteBySID(s1) again = %d, %v; want 0, nil", n, err)
	}

	// The sub index still lists a1 and a2, which are gone: they are not counted.
	n, err = e.st.DeleteBySubject(ctx, iss, "alice")
	if err != nil || n != 1 {
		t.Fatalf("DeleteBySubject(alice) = %d, %v; want 1, nil", n, err)
	}
	for ticket, want := range map[string]bool{a3: false, b: true, other: true} {
		if got := e.alive(t, ticket); got != want {
			t.Errorf("after DeleteBySubject(alice): session %s alive = %v, want %v", ticket[:6], got, want)
		}
	}
	for _, tc := range []struct{ iss, value string }{{"", "alice"}, {iss, ""}, {"", ""}} {
		if n, err := e.st.DeleteBySubject(ctx, tc.iss, tc.value); err != nil || n != 0 {
			t.Errorf("DeleteBySubject(%q, %q) = %d, %v; want 0, nil", tc.iss, tc.value, n, err)
		}
	}
}

func TestIndexesExpireWithSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Prefix: "exp:"})
	// The session may live 2h (absolute); its index sets must live as long.
	e.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"})
	keys, err := e.raw.Keys(ctx, "exp:i:*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("index keys = %q, %v; want 2", keys, err)
	}
	for _, k := range keys {
		d, err := e.raw.PTTL(ctx, k).Result()
		if err != nil || d > 2*time.Hour || d < 2*time.Hour-5*time.Second {
			t.Errorf("index %s PTTL = %v, %v; want about 2h", k, d, err)
		}
	}
	// A shorter-lived session later never shortens the set's life.
	if _, err := e.st.Create(ctx, nil, redisstore.Index{Issuer: iss, Subject: "alice"}, time.Minute, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if d, _ := e.raw.PTTL(ctx, k).Result(); d < time.Hour {
			t.Errorf("index %s PTTL = %v after a 1m session joined, want still about 2h", k, d)
		}
	}
}

func TestDeleteLeavesIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Prefix: "del:"})
	ticket := e.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"})
	if err := e.st.Delete(ctx, ticket); err != nil {
		t.Fatal(err)
	}
	if keys, _ := e.raw.Keys(ctx, "del:*").Result(); len(keys) != 0 {
		t.Errorf("keys after Delete = %q, want none (session gone, empty sets removed)", keys)
	}
}

func TestStaleIndexMembersSwept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Prefix: "sweep:"})
	idx := redisstore.Index{Issuer: iss, Subject: "carol"}
	for range 20 {
		ticket := e.create(t, idx)
		// Expired in Redis: the key goes, the index member stays.
		if err := e.raw.Del(ctx, "sweep:s:"+ticket[:22]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := e.raw.Keys(ctx, "sweep:i:*").Result()
	if len(keys) != 1 {
		t.Fatalf("index keys = %q, want 1", keys)
	}
	n, err := e.raw.SCard(ctx, keys[0]).Result()
	if err != nil || n > 5 {
		t.Errorf("index size after 20 expired sessions = %d, %v; want swept at the 16th to at most 5", n, err)
	}
}

func TestIndexSecretRotation(t *testing.T) {
	t.Parallel()
	srv := newEnv(t, redisstore.Options{}).srv
	oldSecret, newSecret := []byte("old-index-secret-0123456789"), []byte("new-index-secret-0123456789")
	before := onServer(t, srv, redisstore.Options{Prefix: "rot:", IndexSecrets: [][]byte{oldSecret}})
	ticket := before.create(t, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"})
	if seen, err := before.st.SeenJTI(ctx, iss, "jti-1", time.Hour); err != nil || seen {
		t.Fatalf("SeenJTI before rotation = %v, %v", seen, err)
	}

	after := onServer(t, srv, redisstore.Options{Prefix: "rot:", IndexSecrets: [][]byte{newSecret, oldSecret}})
	if seen, err := after.st.SeenJTI(ctx, iss, "jti-1", time.Hour); err != nil || !seen {
		t.Errorf("SeenJTI after rotation = %v, %v; want true (recorded under the old secret)", seen, err)
	}
	n, err := after.st.DeleteBySubject(ctx, iss, "alice")
	if err != nil || n != 1 {
		t.Errorf("DeleteBySubject after rotation = %d, %v; want 1", n, err)
	}
	if after.alive(t, ticket) {
		t.Errorf("session indexed under the old secret survived DeleteBySubject")
	}

	dropped := onServer(t, srv, redisstore.Options{Prefix: "rot:", IndexSecrets: [][]byte{newSecret}})
	kept := dropped.create(t, redisstore.Index{Issuer: iss, Subject: "dave"})
	if n, err := before.st.DeleteBySubject(ctx, iss, "dave"); err != nil || n != 0 {
		t.Errorf("a store with another secret found %d sessions (%v), want 0", n, err)
	}
	if !dropped.alive(t, kept) {
		t.Errorf("session deleted through another secret's index")
	}
}
