package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/redis/go-redis/v9"
)

// The store is a revocation list and a replay cache for logout tokens, shared by
// every replica.
var (
	_ revocation.List        = (*Store)(nil)
	_ revocation.ReplayCache = (*Store)(nil)
)

// revokeScript keeps the later of the stored revocation time and ARGV[1] (unix ms),
// and makes the key live at least ARGV[2] ms more, never shortening it.
var revokeScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local at = ARGV[1]
if cur and tonumber(cur) > tonumber(at) then at = cur end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], at, 'PX', ttl)
return 1
`)

// SeenJTI records a logout token's jti for ttl (at least the tokens' acceptable
// age) and reports whether it had been recorded already, by any replica: SET NX.
// Exactly one of concurrent calls with the same iss and jti gets false.
func (s *Store) SeenJTI(ctx context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	if jti == "" || ttl < time.Millisecond {
		return false, errors.New("redisstore: SeenJTI needs a jti and a ttl of at least 1ms")
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	keys := s.hashedKeys(kindJTI, "jti", iss, jti)
	if len(keys) > 1 { // recorded under an older index secret?
		n, err := s.rdb.Exists(ctx, keys[1:]...).Result()
		if err != nil {
			return false, unavailable("jti", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	set, err := s.rdb.SetNX(ctx, keys[0], 1, ttl).Result()
	if err != nil {
		return false, unavailable("jti", err)
	}
	return !set, nil
}

// Revoke implements [revocation.List]: sessions of issuer iss whose kind is value,
// created at or before at, are ended. Times are kept in milliseconds, rounded up.
// It serves the cookie session store, whose sessions cannot be deleted.
func (s *Store) Revoke(ctx context.Context, iss string, kind revocation.Kind, value string, at time.Time, ttl time.Duration) error {
	if err := revocation.CheckRevoke(iss, kind, value, ttl); err != nil {
		return err
	}
	ms := at.UnixMilli()
	if at.After(time.UnixMilli(ms)) {
		ms++ // round up: a session created in this millisecond is revoked too
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	key := s.hashedKeys(kindRevoked, string(kind), iss, value)[0]
	if err := revokeScript.Run(ctx, s.rdb, []string{key}, ms, ceilMillis(ttl)).Err(); err != nil {
		return unavailable("revoke", err)
	}
	return nil
}

// RevokedAt implements [revocation.List].
func (s *Store) RevokedAt(ctx context.Context, iss, sid, sub string) (time.Time, bool, error) {
	keys := s.revocationKeys(iss, sid, sub)
	if len(keys) == 0 {
		return time.Time{}, false, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	// One GET per key in a pipeline, not MGET: on a Cluster the keys live in
	// different slots.
	pipe := s.rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		gets[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
		return time.Time{}, false, unavailable("revoked", err)
	}
	return latestRevocation(gets)
}

// revocationKeys returns the keys that may hold a revocation of a session of
// issuer iss with provider session sid and subject sub, under every index secret.
func (s *Store) revocationKeys(iss, sid, sub string) []string {
	var keys []string
	if sid != "" {
		keys = append(keys, s.hashedKeys(kindRevoked, string(revocation.BySID), iss, sid)...)
	}
	if sub != "" {
		keys = append(keys, s.hashedKeys(kindRevoked, string(revocation.BySubject), iss, sub)...)
	}
	return keys
}

// latestRevocation returns the latest time among the answers to GETs of
// revocation keys (nil replies: none there).
func latestRevocation(gets []*redis.StringCmd) (time.Time, bool, error) {
	var latest int64
	found := false
	for _, g := range gets {
		v, err := g.Result()
		if isNil(err) {
			continue
		}
		if err != nil {
			return time.Time{}, false, unavailable("revoked", err)
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("redisstore: revocation value %q: %w", v, err)
		}
		if !found || ms > latest {
			latest, found = ms, true
		}
	}
	if !found {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(latest), true, nil
}
