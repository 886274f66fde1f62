package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/redis/go-redis/v9"
)

// The store remembers signed-out cookie sessions for every replica.
var _ revocation.SessionList = (*Store)(nil)

// EndSession implements [revocation.SessionList]: it records that the cookie
// session id was signed out, until expires, for every replica. It serves the cookie
// session store, whose sessions cannot be deleted (a session kept in Redis is simply
// deleted). The key name is an HMAC of the id; the value is the expiry, which
// SessionEnded compares with the store's clock, and Redis drops the key a little
// after it.
func (s *Store) EndSession(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("redisstore: EndSession needs a session id")
	}
	ms := expires.UnixMilli()
	if expires.After(time.UnixMilli(ms)) {
		ms++
	}
	left := expires.Sub(s.now())
	if left <= 0 {
		return nil // over anyway
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	key := s.hashedKeys(kindEnded, "session", "", id)[0]
	// The later expiry wins, and the key's TTL is never shortened (as for Revoke).
	if err := revokeScript.Run(ctx, s.rdb, []string{key}, ms, ceilMillis(left)+1000).Err(); err != nil {
		return unavailable("end session", err)
	}
	return nil
}

// SessionEnded implements [revocation.SessionList].
func (s *Store) SessionEnded(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	keys := s.hashedKeys(kindEnded, "session", "", id)
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pipe := s.rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		gets[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
		return false, unavailable("session ended", err)
	}
	now := s.now().UnixMilli()
	for _, g := range gets {
		v, err := g.Result()
		if isNil(err) {
			continue
		}
		if err != nil {
			return false, unavailable("session ended", err)
		}
		if exp, err := strconv.ParseInt(v, 10, 64); err == nil && now <= exp {
			return true, nil
		}
	}
	return false, nil
}
