package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
)

var ctx = context.Background()

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	data := []byte(`{"sub":"alice","email":"alice@example.com"}`)
	ticket, err := e.st.Create(ctx, data, redisstore.Index{Issuer: "https://idp", Subject: "alice", SID: "s1"}, time.Hour, 12*time.Hour)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if len(ticket) != 66 || strings.Count(ticket, ".") != 1 {
		t.Errorf("ticket %q: want 66 characters, ID.KEY", ticket)
	}
	got, err := e.st.Load(ctx, ticket)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Load = %q, %v; want %q, nil", got, err, data)
	}
	data2 := []byte(`{"sub":"alice","refreshed":true}`)
	if err := e.st.Update(ctx, ticket, data2, time.Hour); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got, err := e.st.Load(ctx, ticket); err != nil || !bytes.Equal(got, data2) {
		t.Fatalf("Load after Update = %q, %v; want %q, nil", got, err, data2)
	}
	if err := e.st.Delete(ctx, ticket); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := e.st.Load(ctx, ticket); !errors.Is(err, redisstore.ErrNotFound) {
		t.Fatalf("Load after Delete: err = %v, want ErrNotFound", err)
	}
	if err := e.st.Delete(ctx, ticket); err != nil {
		t.Errorf("second Delete: %v, want nil (already gone)", err)
	}
	// Two sessions never share a ticket.
	t1, _ := e.st.Create(ctx, data, redisstore.Index{}, time.Hour, time.Hour)
	t2, _ := e.st.Create(ctx, data, redisstore.Index{}, time.Hour, time.Hour)
	if t1 == t2 || t1[:22] == t2[:22] {
		t.Errorf("two Creates gave %q and %q, want different ids", t1, t2)
	}
}

func TestRedisHoldsCiphertextOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{Prefix: "enc:"})
	secret := "refresh-token-SECRET-4711"
	data := []byte(`{"sub":"alice","email":"alice@example.com","r":"` + secret + `"}`)
	ticket, err := e.st.Create(ctx, data, redisstore.Index{Issuer: "https://idp.example", Subject: "alice", SID: "sid-42"}, time.Hour, time.Hour)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	raw, err := e.raw.Get(ctx, sessionKey(t, "enc:", ticket)).Bytes()
	if err != nil {
		t.Fatalf("GET session key: %v", err)
	}
	_, key, _ := strings.Cut(ticket, ".")
	for _, needle := range []string{secret, "alice", "example.com", key} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Errorf("raw Redis value contains %q", needle)
		}
	}
	// No key name gives away who is signed in, and no value holds the ticket's key.
	keys, err := e.raw.Keys(ctx, "enc:*").Result()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	if len(keys) != 3 { // session, sid index, sub index
		t.Errorf("keys = %q, want 3 (session and two indexes)", keys)
	}
	for _, k := range keys {
		for _, needle := range []string{"alice", "idp.example", "sid-42", key} {
			if strings.Contains(k, needle) {
				t.Errorf("key name %q contains %q", k, needle)
			}
		}
	}
}

func TestBadTicketsAreNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	ticket, err := e.st.Create(ctx, []byte("data"), redisstore.Index{}, time.Hour, time.Hour)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	other, _ := e.st.Create(ctx, []byte("other"), redisstore.Index{}, time.Hour, time.Hour)
	id, key, _ := strings.Cut(ticket, ".")
	_, otherKey, _ := strings.Cut(other, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct{ name, ticket string }{
		{"empty", ""},
		{"id only", id},
		{"no dot", id + key},
		{"dot moved", id[:21] + "." + id[21:] + key},
		{"other session's key", id + "." + otherKey},
		{"key byte flipped", id + "." + flip(key, 5)},
		{"last key char non-canonical", id + "." + key[:42] + "B"},
		{"id byte flipped", flip(id, 3) + "." + key},
		{"too long", ticket + "A"},
		{"too short", ticket[:65]},
		{"padding", id + "." + key[:42] + "="},
		{"std base64 chars", id + "." + strings.Repeat("+", 43)},
		{"unicode", strings.Repeat("é", 33)},
		{"huge", strings.Repeat("A", 1<<16)},
		{"NUL", string(make([]byte, 66))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ticket == ticket {
				t.Skip("mutation produced the original ticket")
			}
			if _, err := e.st.Load(ctx, tc.ticket); !errors.Is(err, redisstore.ErrNotFound) {
				t.Errorf("Load: err = %v, want ErrNotFound", err)
			}
			if err := e.st.Update(ctx, tc.ticket, []byte("evil"), time.Hour); !errors.Is(err, redisstore.ErrNotFound) {
				t.Errorf("Update: err = %v, want ErrNotFound", err)
			}
			if err := e.st.Delete(ctx, tc.ticket); err != nil && !errors.Is(err, redisstore.ErrNotFound) {
				t.Errorf("Delete: err = %v, want nil or ErrNotFound", err)
			}
		})
	}
	// None of that touched the real session.
	if got, err := e.st.Load(ctx, ticket); err != nil || string(got) != "data" {
		t.Errorf("Load of the real ticket afterwards = %q, %v; want data, nil", got, err)
	}
}

func TestTTLFollowsIdleAndAbsolute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	pttl := func(ticket string) time.Duration {
		t.Helper()
		d, err := e.raw.PTTL(ctx, sessionKey(t, e.prefix, ticket)).Result()
		if err != nil {
			t.Fatalf("PTTL: %v", err)
		}
		return d
	}
	near := func(got, want time.Duration) bool { return got <= want && got > want-5*time.Second }

	idleFirst, _ := e.st.Create(ctx, []byte("a"), redisstore.Index{}, 30*time.Minute, 12*time.Hour)
	if got := pttl(idleFirst); !near(got, 30*time.Minute) {
		t.Errorf("idle 30m, absolute 12h: PTTL = %v, want about 30m", got)
	}
	absFirst, _ := e.st.Create(ctx, []byte("b"), redisstore.Index{}, time.Hour, 10*time.Minute)
	if got := pttl(absFirst); !near(got, 10*time.Minute) {
		t.Errorf("idle 1h, absolute 10m: PTTL = %v, want about 10m", got)
	}

	// 11h50m later by the store's clock, an update with a 30m idle timeout may only
	// extend the session to its absolute deadline, 10 minutes away.
	e.clock.add(11*time.Hour + 50*time.Minute)
	if err := e.st.Update(ctx, idleFirst, []byte("a2"), 30*time.Minute); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := pttl(idleFirst); !near(got, 10*time.Minute) {
		t.Errorf("after Update 10m before the deadline: PTTL = %v, want about 10m", got)
	}
	// Past the deadline, the session is gone even if Redis still holds it.
	e.clock.add(10 * time.Minute)
	if _, err := e.st.Load(ctx, idleFirst); !errors.Is(err, redisstore.ErrNotFound) {
		t.Errorf("Load at the absolute deadline: err = %v, want ErrNotFound", err)
	}
	if err := e.st.Update(ctx, idleFirst, []byte("a3"), time.Hour); !errors.Is(err, redisstore.ErrNotFound) {
		t.Errorf("Update at the absolute deadline: err = %v, want ErrNotFound", err)
	}
}

func TestUpdateNeverRecreates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	ticket, _ := e.st.Create(ctx, []byte("a"), redisstore.Index{}, time.Hour, time.Hour)
	// Deleted behind the store's back (another replica's logout).
	if err := e.raw.Del(ctx, sessionKey(t, e.prefix, ticket)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Update(ctx, ticket, []byte("b"), time.Hour); !errors.Is(err, redisstore.ErrNotFound) {
		t.Errorf("Update of a deleted session: err = %v, want ErrNotFound", err)
	}
	if n, _ := e.raw.Exists(ctx, sessionKey(t, e.prefix, ticket)).Result(); n != 0 {
		t.Errorf("Update recreated a deleted session")
	}
}

func TestWrongKeyDeletesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	ticket, _ := e.st.Create(ctx, []byte("a"), redisstore.Index{}, time.Hour, time.Hour)
	other, _ := e.st.Create(ctx, []byte("b"), redisstore.Index{}, time.Hour, time.Hour)
	forged := ticket[:23] + other[23:]
	if err := e.st.Delete(ctx, forged); !errors.Is(err, redisstore.ErrNotFound) {
		t.Errorf("Delete with another session's key: err = %v, want ErrNotFound", err)
	}
	if _, err := e.st.Load(ctx, ticket); err != nil {
		t.Errorf("session deleted by a forged ticket: Load err = %v", err)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	for _, tc := range []struct {
		name           string
		data           []byte
		idle, absolute time.Duration
	}{
		{"zero idle", nil, 0, time.Hour},
		{"zero absolute", nil, time.Hour, 0},
		{"negative", nil, -time.Second, -time.Second},
		{"too large", make([]byte, redisstore.MaxDataBytes+1), time.Hour, time.Hour},
	} {
		if _, err := e.st.Create(ctx, tc.data, redisstore.Index{}, tc.idle, tc.absolute); err == nil {
			t.Errorf("%s: Create succeeded, want an error", tc.name)
		}
	}
	ticket, _ := e.st.Create(ctx, nil, redisstore.Index{}, time.Hour, time.Hour)
	if err := e.st.Update(ctx, ticket, nil, 0); err == nil {
		t.Errorf("Update with zero idle succeeded, want an error")
	}
	if got, err := e.st.Load(ctx, ticket); err != nil || len(got) != 0 {
		t.Errorf("Load of an empty session = %q, %v; want empty, nil", got, err)
	}
}
