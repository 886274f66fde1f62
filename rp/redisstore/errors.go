package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Sentinel errors that callers can match with [errors.Is].
var (
	// ErrNotFound means the ticket names no live session: it is malformed, its key is
	// wrong, it was tampered with, or the session expired or was deleted. The person
	// is signed out; this is not a failure of the store.
	ErrNotFound = errors.New("redisstore: session not found")
	// ErrUnavailable means Redis could not be reached or answered with an error within
	// the timeout. Callers must fail closed: answer 503, never treat the request as
	// signed in, and never as signed out for good (the session may still be there).
	ErrUnavailable = errors.New("redisstore: redis unavailable")
	// ErrLocked means a lock is held by someone else (see [Store.Lock]).
	ErrLocked = errors.New("redisstore: lock held")
)

// unavailable wraps a Redis failure of operation op as [ErrUnavailable], keeping
// the cause (and any context error) for errors.Is and for the log.
func unavailable(op string, err error) error {
	return fmt.Errorf("%w (%s): %w", ErrUnavailable, op, err)
}

// isNil reports whether err is Redis's "no such key" reply.
func isNil(err error) bool { return errors.Is(err, redis.Nil) }

// withTimeout bounds one store operation, so that a Redis outage never hangs the
// caller longer than the configured timeout.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}
