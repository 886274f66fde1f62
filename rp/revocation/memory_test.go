package revocation_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	revocationtest.Run(t, func(*testing.T) revocationtest.Store { return revocation.NewMemory(nil) })
}

// clock is a settable clock for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMemoryExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := revocation.NewMemory(c.now)
	if err := m.Revoke(ctx, "iss", revocation.BySID, "s", c.now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if seen, _ := m.SeenJTI(ctx, "iss", "j", time.Minute); seen {
		t.Fatal("first SeenJTI reported seen")
	}
	c.add(time.Minute)
	if _, ok, _ := m.RevokedAt(ctx, "iss", "s", ""); !ok {
		t.Errorf("revocation forgotten at exactly its ttl, want kept until after it")
	}
	c.add(time.Second)
	if _, ok, _ := m.RevokedAt(ctx, "iss", "s", ""); ok {
		t.Errorf("revocation still found after its ttl, want forgotten")
	}
	if seen, _ := m.SeenJTI(ctx, "iss", "j", time.Minute); seen {
		t.Errorf("jti still seen after its ttl, want forgotten")
	}
}

func TestMemoryPrunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := revocation.NewMemory(c.now)
	for i := range 1000 {
		if _, err := m.SeenJTI(ctx, "iss", string(rune('a'+i%26))+time.Duration(i).String(), time.Second); err != nil {
			t.Fatal(err)
		}
		c.add(100 * time.Millisecond)
	}
	// Entries live 1 s = 10 writes; sweeps every 256 writes keep at most ~266.
	if got := m.Len(); got > 300 {
		t.Errorf("Len = %d after 1000 short-lived writes, want expired entries swept (<= 300)", got)
	}
}

func TestKindValid(t *testing.T) {
	t.Parallel()
	for k, want := range map[revocation.Kind]bool{"sid": true, "sub": true, "": false, "SID": false, "email": false} {
		if got := k.Valid(); got != want {
			t.Errorf("Kind(%q).Valid() = %v, want %v", k, got, want)
		}
	}
}

func ExampleMemory() {
	ctx := context.Background()
	list := revocation.NewMemory(nil)
	signedIn := time.Now().Add(-time.Minute)

	// A back-channel logout token for sid "abc" arrives.
	_ = list.Revoke(ctx, "https://idp.example", revocation.BySID, "abc", time.Now(), 12*time.Hour)

	// The next request of that session checks the list.
	at, ok, err := list.RevokedAt(ctx, "https://idp.example", "abc", "alice")
	switch {
	case err != nil:
		fmt.Println("fail closed: 503")
	case ok && !signedIn.After(at):
		fmt.Println("signed out")
	default:
		fmt.Println("signed in")
	}
	// Output: signed out
}

func TestMemoryClocked(t *testing.T) {
	t.Parallel()
	revocationtest.RunExpiry(t, func(_ *testing.T, now func() time.Time) revocationtest.Store { return revocation.NewMemory(now) })
	revocationtest.RunSessionList(t, func(_ *testing.T, now func() time.Time) revocation.SessionList { return revocation.NewMemory(now) })
}
