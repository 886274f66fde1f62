package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
)

func TestLockExclusive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	const n = 50
	var holders atomic.Int32
	var wg sync.WaitGroup
	unlocks := make(chan func(), n)
	for range n {
		wg.Go(func() {
			unlock, err := e.st.Lock(ctx, "session-1", time.Minute)
			switch {
			case err == nil:
				holders.Add(1)
				unlocks <- unlock
			case !errors.Is(err, redisstore.ErrLocked):
				t.Errorf("Lock: err = %v, want nil or ErrLocked", err)
			}
		})
	}
	wg.Wait()
	close(unlocks)
	if got := holders.Load(); got != 1 {
		t.Fatalf("%d of %d concurrent Lock calls got the lock, want exactly 1", got, n)
	}
	// Another name is independent.
	u2, err := e.st.Lock(ctx, "session-2", time.Minute)
	if err != nil {
		t.Fatalf("Lock of another name: %v", err)
	}
	u2()
	unlock := <-unlocks
	unlock()
	unlock() // idempotent
	u3, err := e.st.Lock(ctx, "session-1", time.Minute)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	u3()
}

// A holder whose lock expired must not release the next holder's lock.
func TestUnlockOnlyOwnLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	stale, err := e.st.Lock(ctx, "s", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Expire it (as if ttl passed) instead of waiting.
	if err := e.raw.Del(ctx, e.prefix+"l:s").Err(); err != nil {
		t.Fatal(err)
	}
	fresh, err := e.st.Lock(ctx, "s", time.Minute)
	if err != nil {
		t.Fatalf("Lock after expiry: %v", err)
	}
	defer fresh()
	stale()
	if _, err := e.st.Lock(ctx, "s", time.Minute); !errors.Is(err, redisstore.ErrLocked) {
		t.Errorf("after the stale holder's unlock, Lock err = %v, want ErrLocked (fresh holder keeps it)", err)
	}
	if d, _ := e.raw.PTTL(ctx, e.prefix+"l:s").Result(); d <= 0 || d > time.Minute {
		t.Errorf("lock PTTL = %v, want (0, 1m]", d)
	}
}

func TestLockWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	unlock, err := e.st.Lock(ctx, "s", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Held throughout: LockWait gives up with ErrLocked.
	if _, err := e.st.LockWait(ctx, "s", time.Minute, 30*time.Millisecond); !errors.Is(err, redisstore.ErrLocked) {
		t.Errorf("LockWait on a held lock: err = %v, want ErrLocked", err)
	}
	// Cancelled while waiting: the context's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.st.LockWait(cctx, "s", time.Minute, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("LockWait with a cancelled context: err = %v, want context.Canceled", err)
	}
	// Released while waiting: LockWait gets it.
	got := make(chan error, 1)
	waiting := make(chan struct{})
	go func() {
		close(waiting)
		u, err := e.st.LockWait(ctx, "s", time.Minute, time.Minute)
		if err == nil {
			u()
		}
		got <- err
	}()
	<-waiting
	unlock()
	if err := <-got; err != nil {
		t.Errorf("LockWait after the holder unlocked: %v", err)
	}
}

func TestLockRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	if _, err := e.st.Lock(ctx, "", time.Minute); err == nil {
		t.Errorf("Lock with an empty name succeeded")
	}
	if _, err := e.st.Lock(ctx, "s", 0); err == nil {
		t.Errorf("Lock with a zero ttl succeeded")
	}
}
