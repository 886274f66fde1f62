package redisstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Key kinds, after the prefix.
const (
	kindSession  = "s:" // + session id: the sealed session
	kindIndex    = "i:" // + name hash: set of session ids for one iss+sid or iss+sub
	kindLock     = "l:" // + lock name: the holder's random token
	kindJTI      = "j:" // + name hash: a logout token id already seen
	kindRevoked  = "r:" // + name hash: a revocation time (unix ms)
	kindEnded    = "e:" // + name hash: a signed-out cookie session's expiry (unix ms)
	kindSeen     = "a:" // + session id: the session's last activity (unix ms)
	nameHashSize = 18   // bytes of HMAC kept in a key name (24 base64url chars)
)

// Store keeps sessions, logout indexes, refresh locks, the logout replay cache and a
// revocation list in Redis or Valkey. It is safe for concurrent use; every method
// fails with [ErrUnavailable] within the configured timeout when Redis cannot answer.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	secrets [][]byte
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time

	// hookBeforeWrite, when set by a test, runs in Update between the read and the
	// write, to stage a concurrent delete.
	hookBeforeWrite func()
}

// New validates opts and returns a store. It does not contact Redis: connections
// are made on first use, so a store can be created while Redis is still starting or
// briefly down; use [Store.Ping] for readiness. Close the store when done.
func New(_ context.Context, opts Options) (*Store, error) {
	var errs []error
	var uo *redis.UniversalOptions
	switch {
	case opts.URL != "" && opts.Universal != nil:
		errs = append(errs, errors.New("redisstore: set URL or Universal, not both"))
	case opts.URL != "":
		var err error
		if uo, err = ParseURL(opts.URL); err != nil {
			errs = append(errs, err)
		}
	case opts.Universal != nil:
		c := *opts.Universal
		uo = &c
	default:
		errs = append(errs, errors.New("redisstore: no Redis URL"))
	}
	if uo != nil && len(uo.Addrs) == 0 {
		errs = append(errs, errors.New("redisstore: no Redis address"))
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("redisstore: negative timeout %v", opts.Timeout))
	}
	for i, s := range opts.IndexSecrets {
		if len(s) < 16 {
			errs = append(errs, fmt.Errorf("redisstore: index secret %d shorter than 16 bytes", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Store{
		prefix:  opts.Prefix,
		secrets: opts.IndexSecrets,
		timeout: opts.Timeout,
		log:     opts.Logger,
		now:     opts.Now,
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if len(s.secrets) == 0 {
		s.secrets = [][]byte{nil}
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Let the per-operation context deadline bound reads, writes and dials, and fail
	// fast when Redis refuses connections: one dial per attempt, one retry per
	// command, unless the configuration says otherwise.
	uo.ContextTimeoutEnabled = true
	if uo.DialTimeout == 0 || uo.DialTimeout > s.timeout {
		uo.DialTimeout = s.timeout
	}
	if uo.DialerRetries == 0 {
		uo.DialerRetries = 1
	}
	if uo.MaxRetries == 0 {
		uo.MaxRetries = 1
	}
	s.rdb = redis.NewUniversalClient(uo)
	return s, nil
}

// Ping reports whether Redis answers, for a readiness endpoint: nil, or an error
// wrapping [ErrUnavailable].
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// Close closes the connections to Redis. The store must not be used afterwards.
func (s *Store) Close() error { return s.rdb.Close() }

// ceilMillis returns d in whole milliseconds, rounded up: Redis expiries and
// revocation times are milliseconds, and rounding up never shortens either.
func ceilMillis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// key returns the Redis key of the given kind and name.
func (s *Store) key(kind, name string) string { return s.prefix + kind + name }

// sessionKey returns the Redis key of session id.
func (s *Store) sessionKey(id string) string { return s.key(kindSession, id) }

// seenKey returns the Redis key of session id's last activity.
func (s *Store) seenKey(id string) string { return s.key(kindSeen, id) }

// hashedKeys returns the Redis keys of kind for the name (label, iss, value), one
// per index secret, the writing secret's first. Names are HMACs, so keys reveal
// neither issuers nor subjects.
func (s *Store) hashedKeys(kind, label, iss, value string) []string {
	out := make([]string, len(s.secrets))
	for i, secret := range s.secrets {
		m := hmac.New(sha256.New, secret)
		for _, part := range []string{label, iss, value} {
			m.Write([]byte(part))
			m.Write([]byte{0})
		}
		out[i] = s.key(kind, b64.EncodeToString(m.Sum(nil)[:nameHashSize]))
	}
	return out
}
