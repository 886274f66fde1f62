package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxDataBytes bounds the data of one session.
const MaxDataBytes = 1 << 20

// Index names a session for logout: the provider's issuer, the user's subject and
// the provider's session id (the ID token's sid claim). A session is found by
// issuer+SID when both are set, and by issuer+Subject when both are set; an empty
// Issuer indexes nothing.
type Index struct {
	Issuer, Subject, SID string
}

// Create stores data as a new session and returns its ticket, the only way back to
// it: a random 128-bit session id, ".", and a random 256-bit key, in base64url
// (66 characters, safe in a cookie). Redis holds data encrypted with that key
// (AES-256-GCM, the session id as additional data), never the key.
//
// The session expires after idle unless [Store.Update] extends it, and after
// absolute whatever happens: the Redis TTL is min(idle, time left). idx is recorded
// for [Store.DeleteBySID] and [Store.DeleteBySubject]. Create never reuses a
// ticket: call it at every sign-in (this prevents session fixation).
func (s *Store) Create(ctx context.Context, data []byte, idx Index, idle, absolute time.Duration) (string, error) {
	if err := checkLifetimes(idle, absolute); err != nil {
		return "", err
	}
	if len(data) > MaxDataBytes {
		return "", fmt.Errorf("redisstore: session data of %d bytes, at most %d", len(data), MaxDataBytes)
	}
	id, key, ticket := newTicket()
	deadline := s.now().Add(absolute)
	value, err := seal(key, id, envelope{deadline: deadline, idx: idx, data: data})
	if err != nil {
		return "", fmt.Errorf("redisstore: create: %w", err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	// One round trip: the index entries, then the session. On one server they run
	// in that order, so a session that exists is always findable by logout; an
	// index entry whose session was never written is harmless and swept later.
	pipe := s.rdb.Pipeline()
	keys, sizes := s.queueIndexes(ctx, pipe, id, idx, absolute)
	set := pipe.SetNX(ctx, s.sessionKey(id), value, min(idle, absolute))
	if _, err := pipe.Exec(ctx); err != nil {
		return "", unavailable("create", err)
	}
	if !set.Val() { // 2^-128: a random id collided with a live session
		return "", errors.New("redisstore: create: session id collision")
	}
	for i, c := range sizes {
		if n, _ := c.Int64(); needsPrune(n) {
			s.prune(ctx, keys[i])
		}
	}
	return ticket, nil
}

// Load returns the data of the session the ticket names. A malformed ticket (Redis
// is not asked), a wrong key, a tampered value, an expired or deleted session all
// give [ErrNotFound]; a Redis failure gives [ErrUnavailable]. Load does not extend
// the session: call [Store.Update] for that.
func (s *Store) Load(ctx context.Context, ticket string) ([]byte, error) {
	e, _, err := s.load(ctx, ticket, "load")
	if err != nil {
		return nil, err
	}
	return e.data, nil
}

// Update replaces the session's data and restarts its idle timeout, keeping its
// absolute deadline and its index. It gives [ErrNotFound] if the session is gone,
// even if it was deleted between the read and the write (it is never recreated).
func (s *Store) Update(ctx context.Context, ticket string, data []byte, idle time.Duration) error {
	if idle < time.Millisecond {
		return fmt.Errorf("redisstore: update: idle timeout %v, want at least 1ms", idle)
	}
	if len(data) > MaxDataBytes {
		return fmt.Errorf("redisstore: session data of %d bytes, at most %d", len(data), MaxDataBytes)
	}
	e, key, err := s.load(ctx, ticket, "update")
	if err != nil {
		return err
	}
	id, _ := SessionID(ticket)
	e.data = data
	value, err := seal(key, id, e)
	if err != nil {
		return fmt.Errorf("redisstore: update: %w", err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	ttl := min(idle, e.deadline.Sub(s.now()))
	if ttl < time.Millisecond { // Redis expiries are whole milliseconds
		return errGone
	}
	if s.hookBeforeWrite != nil {
		s.hookBeforeWrite()
	}
	// XX: only if it still exists, so a concurrent delete wins.
	res, err := s.rdb.SetXX(ctx, s.sessionKey(id), value, ttl).Result()
	if err != nil {
		return unavailable("update", err)
	}
	if !res {
		return errGone
	}
	return nil
}

// Delete ends the session the ticket names and removes it from its indexes. A
// session already gone is not an error; a malformed ticket, or one whose key does
// not open the session, gives [ErrNotFound] and deletes nothing.
func (s *Store) Delete(ctx context.Context, ticket string) error {
	e, _, err := s.load(ctx, ticket, "delete")
	if errors.Is(err, errGone) {
		return nil
	}
	if err != nil {
		return err
	}
	id, _ := SessionID(ticket)
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pipe := s.rdb.Pipeline()
	pipe.Del(ctx, s.sessionKey(id))
	pipe.Del(ctx, s.seenKey(id)) // apart: on a Cluster the keys live in different slots
	for _, k := range s.indexKeys(e.idx, true) {
		pipe.SRem(ctx, k, id)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return unavailable("delete", err)
	}
	return nil
}

// The causes of [ErrNotFound], for the log and for Delete.
var (
	errMalformed = fmt.Errorf("%w: malformed ticket", ErrNotFound)
	errWrongKey  = fmt.Errorf("%w: ticket does not open the session", ErrNotFound)
	errGone      = fmt.Errorf("%w: expired or deleted", ErrNotFound)
)

// load reads and opens the session of ticket, checking its absolute deadline.
func (s *Store) load(ctx context.Context, ticket, op string) (envelope, []byte, error) {
	id, key, ok := parseTicket(ticket)
	if !ok {
		return envelope{}, nil, errMalformed
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	value, err := s.rdb.Get(ctx, s.sessionKey(id)).Bytes()
	if isNil(err) {
		return envelope{}, nil, errGone
	}
	if err != nil {
		return envelope{}, nil, unavailable(op, err)
	}
	e, err := open(key, id, value)
	if err != nil {
		return envelope{}, nil, errWrongKey
	}
	if !s.now().Before(e.deadline) {
		return envelope{}, nil, errGone
	}
	return e, key, nil
}

// loadActive reads the session of ticket, its last activity and the keys in extra
// in one round trip (a pipeline: on a Cluster, one per node, sent together), and
// opens the session as load does. The GETs of extra are answered in gets; seen is
// zero when no activity was recorded.
func (s *Store) loadActive(ctx context.Context, ticket string, extra []string) (e envelope, seen time.Time, gets []*redis.StringCmd, err error) {
	id, key, ok := parseTicket(ticket)
	if !ok {
		return envelope{}, time.Time{}, nil, errMalformed
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pipe := s.rdb.Pipeline()
	get := pipe.Get(ctx, s.sessionKey(id))
	last := pipe.Get(ctx, s.seenKey(id))
	gets = make([]*redis.StringCmd, len(extra))
	for i, k := range extra {
		gets[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
		return envelope{}, time.Time{}, nil, unavailable("load", err)
	}
	value, err := get.Bytes()
	if isNil(err) {
		return envelope{}, time.Time{}, nil, errGone
	}
	if err != nil {
		return envelope{}, time.Time{}, nil, unavailable("load", err)
	}
	e, err = open(key, id, value)
	if err != nil {
		return envelope{}, time.Time{}, nil, errWrongKey
	}
	if !s.now().Before(e.deadline) {
		return envelope{}, time.Time{}, nil, errGone
	}
	if ms, err := last.Int64(); err == nil {
		seen = time.UnixMilli(ms)
	}
	return e, seen, gets, nil
}

// touch records that session id was used at t, and keeps it for ttl more: its
// last-activity key and the session's expiry, in one round trip, without reading or
// rewriting the session (so it never undoes a concurrent refresh). ttl must not go
// past the session's absolute deadline. A session deleted meanwhile stays deleted.
func (s *Store) touch(ctx context.Context, id string, t time.Time, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return nil
	}
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++ // round up, as revocation times: never earlier than the use
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	pipe := s.rdb.Pipeline()
	pipe.Set(ctx, s.seenKey(id), ms, ttl)
	pipe.PExpire(ctx, s.sessionKey(id), ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return unavailable("touch", err)
	}
	return nil
}

// checkLifetimes validates the idle and absolute lifetimes of a new session.
func checkLifetimes(idle, absolute time.Duration) error {
	var errs []error
	if idle < time.Millisecond {
		errs = append(errs, fmt.Errorf("idle timeout %v, want at least 1ms", idle))
	}
	if absolute < time.Millisecond {
		errs = append(errs, fmt.Errorf("absolute lifetime %v, want at least 1ms", absolute))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("redisstore: create: %w", err)
	}
	return nil
}
