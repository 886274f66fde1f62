package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backoff of LockWait between attempts: from lockWaitMin, doubling, up to lockWaitMax,
// each wait jittered by up to half, so replicas do not retry in step.
const (
	lockWaitMin = 5 * time.Millisecond
	lockWaitMax = 100 * time.Millisecond
)

// unlockScript deletes the lock only if it still holds the caller's token, so that a
// holder whose lock expired cannot release someone else's.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Lock takes the lock named id (a session id, see [SessionID]) for at most ttl,
// across every replica that shares the Redis: SET NX PX with a random token. It
// gives [ErrLocked] at once when someone else holds it. unlock releases the lock if
// it is still ours; it may be called more than once. Keep ttl above the time the
// locked work can take (a token refresh: a few seconds); the lock expires by itself
// if the holder dies.
//
// For a token refresh: take the lock, load the session again (another replica may
// have refreshed it meanwhile), refresh only if still needed, update, unlock.
func (s *Store) Lock(ctx context.Context, id string, ttl time.Duration) (unlock func(), err error) {
	if id == "" || ttl < time.Millisecond {
		return nil, fmt.Errorf("redisstore: lock: need a name and a ttl of at least 1ms (got %v)", ttl)
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	token := b64.EncodeToString(tok)
	key := s.key(kindLock, id)
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	ok, err := s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return nil, unavailable("lock", err)
	}
	if !ok {
		return nil, ErrLocked
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// The caller's context may be done by now; unlocking must still happen.
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			defer cancel()
			if err := unlockScript.Run(ctx, s.rdb, []string{key}, token).Err(); err != nil {
				s.log.Debug("redisstore: unlock failed; the lock will expire", "err", err)
			}
		})
	}, nil
}

// LockWait is [Store.Lock] that, while the lock is held by someone else, tries again
// with a short jittered backoff for up to maxWait. It gives [ErrLocked] when maxWait
// passes, the context's error when ctx ends first, and [ErrUnavailable] at once when
// Redis fails.
func (s *Store) LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (unlock func(), err error) {
	give := time.Now().Add(maxWait) // real time, not Options.Now: this is a wait
	wait := lockWaitMin
	for {
		unlock, err := s.Lock(ctx, id, ttl)
		if !errors.Is(err, ErrLocked) {
			return unlock, err
		}
		left := time.Until(give)
		if left <= 0 {
			return nil, ErrLocked
		}
		timer := time.NewTimer(min(wait/2+mrand.N(wait/2+1), left))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("redisstore: waiting for lock: %w", ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, lockWaitMax)
	}
}
