package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// pruneFrom is the smallest index size at which Create sweeps members whose
// sessions expired; below it, stale members simply wait for the set to expire.
const pruneFrom = 16

// needsPrune reports whether an index set that has just reached size n should be
// swept: at 16, 32, 64, ... members, so that the sweeps of a set that keeps growing
// cost O(1) per Create on average.
func needsPrune(n int64) bool { return n >= pruneFrom && n&(n-1) == 0 }

// addIndexScript adds a session id (ARGV[1]) to an index set and makes the set live
// at least ARGV[2] ms more, never shortening it. It returns the set's size. It
// touches one key, so it works on Redis Cluster.
var addIndexScript = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local want = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < want then
  redis.call('PEXPIRE', KEYS[1], want)
end
return redis.call('SCARD', KEYS[1])
`)

// indexKeys returns the index sets that idx puts a session in: under the writing
// secret only, or under every index secret when all is set.
func (s *Store) indexKeys(idx Index, all bool) []string {
	if idx.Issuer == "" {
		return nil
	}
	n := 1
	if all {
		n = len(s.secrets)
	}
	var out []string
	if idx.SID != "" {
		out = append(out, s.hashedKeys(kindIndex, "sid", idx.Issuer, idx.SID)[:n]...)
	}
	if idx.Subject != "" {
		out = append(out, s.hashedKeys(kindIndex, "sub", idx.Issuer, idx.Subject)[:n]...)
	}
	return out
}

// queueIndexes queues on pipe the commands that put session id into the index sets
// of idx, each living at least ttl. It returns the sets and the commands, whose
// results are the sets' sizes once pipe has run.
func (s *Store) queueIndexes(ctx context.Context, pipe redis.Pipeliner, id string, idx Index, ttl time.Duration) ([]string, []*redis.Cmd) {
	keys := s.indexKeys(idx, false)
	sizes := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		// Eval, not EvalSha: a pipeline cannot fall back on NOSCRIPT.
		sizes[i] = addIndexScript.Eval(ctx, pipe, []string{k}, id, ttl.Milliseconds())
	}
	return keys, sizes
}

// prune removes from an index set the ids whose sessions no longer exist. It is
// best effort: a failure is logged at debug level and left for the set's expiry.
func (s *Store) prune(ctx context.Context, set string) {
	ids, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		s.log.DebugContext(ctx, "redisstore: index sweep skipped", "err", err)
		return
	}
	pipe := s.rdb.Pipeline()
	exists := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		exists[i] = pipe.Exists(ctx, s.sessionKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		s.log.DebugContext(ctx, "redisstore: index sweep skipped", "err", err)
		return
	}
	var stale []any
	for i, c := range exists {
		if c.Val() == 0 {
			stale = append(stale, ids[i])
		}
	}
	if len(stale) > 0 {
		if err := s.rdb.SRem(ctx, set, stale...).Err(); err != nil {
			s.log.DebugContext(ctx, "redisstore: index sweep failed", "err", err)
		}
	}
}

// DeleteBySID ends every session indexed under issuer iss and provider session id
// sid (a back-channel or front-channel logout naming a sid), on every replica, and
// returns how many there were.
func (s *Store) DeleteBySID(ctx context.Context, iss, sid string) (int, error) {
	return s.deleteIndexed(ctx, "sid", iss, sid)
}

// DeleteBySubject ends every session indexed under issuer iss and subject sub (a
// back-channel logout naming only a sub), on every replica, and returns how many
// there were.
func (s *Store) DeleteBySubject(ctx context.Context, iss, sub string) (int, error) {
	return s.deleteIndexed(ctx, "sub", iss, sub)
}

// deleteIndexed deletes the sessions in the index sets of (label, iss, value) under
// every index secret, and removes exactly those members, so that a session indexed
// concurrently stays findable.
func (s *Store) deleteIndexed(ctx context.Context, label, iss, value string) (int, error) {
	if iss == "" || value == "" {
		return 0, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	sets := s.hashedKeys(kindIndex, label, iss, value)
	pipe := s.rdb.Pipeline()
	members := make([]*redis.StringSliceCmd, len(sets))
	for i, set := range sets {
		members[i] = pipe.SMembers(ctx, set)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, unavailable("delete by "+label, err)
	}
	pipe = s.rdb.Pipeline()
	var dels []*redis.IntCmd
	for i, set := range sets {
		ids := members[i].Val()
		if len(ids) == 0 {
			continue
		}
		rem := make([]any, len(ids))
		for j, id := range ids {
			dels = append(dels, pipe.Del(ctx, s.sessionKey(id)))
			pipe.Del(ctx, s.seenKey(id))
			rem[j] = id
		}
		pipe.SRem(ctx, set, rem...)
	}
	if len(dels) == 0 {
		return 0, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, unavailable("delete by "+label, err)
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}
