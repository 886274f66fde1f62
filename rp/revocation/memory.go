package revocation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// pruneEvery is how many writes pass between two sweeps of expired entries.
const pruneEvery = 256

// Memory is an in-process [List], [ReplayCache] and [SessionList]. Entries expire after their ttl
// by the injected clock. The zero value is not usable; call [NewMemory].
type Memory struct {
	now func() time.Time

	mu       sync.Mutex
	revoked  map[key]entry
	jtis     map[key]time.Time // expiry
	sessions map[string]time.Time
	writes   int
}

// key names one revocation or one jti.
type key struct{ iss, kind, value string }

// entry is a revocation time and when it may be forgotten.
type entry struct{ at, expires time.Time }

// NewMemory returns an empty in-process list. now is the clock; nil means time.Now.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, revoked: map[key]entry{}, jtis: map[key]time.Time{}, sessions: map[string]time.Time{}}
}

// Revoke implements [List].
func (m *Memory) Revoke(_ context.Context, iss string, kind Kind, value string, at time.Time, ttl time.Duration) error {
	if err := CheckRevoke(iss, kind, value, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	k := key{iss, string(kind), value}
	e, ok := m.revoked[k]
	if !ok || now.After(e.expires) {
		e = entry{}
	}
	if at.After(e.at) {
		e.at = at
	}
	if exp := now.Add(ttl); exp.After(e.expires) {
		e.expires = exp
	}
	m.revoked[k] = e
	m.wrote(now)
	return nil
}

// RevokedAt implements [List].
func (m *Memory) RevokedAt(_ context.Context, iss, sid, sub string) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var latest time.Time
	found := false
	for _, k := range []key{{iss, string(BySID), sid}, {iss, string(BySubject), sub}} {
		if k.value == "" {
			continue
		}
		if e, ok := m.revoked[k]; ok && !now.After(e.expires) {
			if !found || e.at.After(latest) {
				latest = e.at
			}
			found = true
		}
	}
	return latest, found, nil
}

// SeenJTI implements [ReplayCache].
func (m *Memory) SeenJTI(_ context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	if jti == "" || ttl <= 0 {
		return false, errors.New("revocation: SeenJTI needs a jti and a positive ttl")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	k := key{iss: iss, value: jti}
	if exp, ok := m.jtis[k]; ok && !now.After(exp) {
		return true, nil
	}
	m.jtis[k] = now.Add(ttl)
	m.wrote(now)
	return false, nil
}

// EndSession implements [SessionList].
func (m *Memory) EndSession(_ context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("revocation: EndSession needs a session id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if expires.After(m.sessions[id]) {
		m.sessions[id] = expires
	}
	m.wrote(m.now())
	return nil
}

// SessionEnded implements [SessionList].
func (m *Memory) SessionEnded(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.sessions[id]
	return ok && !m.now().After(exp), nil
}

// wrote counts a write and, every pruneEvery writes, drops expired entries, so that
// memory stays bounded by what is live. m.mu must be held.
func (m *Memory) wrote(now time.Time) {
	m.writes++
	if m.writes%pruneEvery != 0 {
		return
	}
	for k, e := range m.revoked {
		if now.After(e.expires) {
			delete(m.revoked, k)
		}
	}
	for k, exp := range m.jtis {
		if now.After(exp) {
			delete(m.jtis, k)
		}
	}
	for id, exp := range m.sessions {
		if now.After(exp) {
			delete(m.sessions, id)
		}
	}
}

// Len returns how many revocations, jtis and ended sessions are held, expired ones not yet swept
// included. It is meant for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.revoked) + len(m.jtis) + len(m.sessions)
}

// CheckRevoke validates the arguments of [List.Revoke]: a non-empty issuer and
// value, a known kind and a positive ttl. Implementations outside this package use
// it to reject the same inputs as [Memory].
func CheckRevoke(iss string, kind Kind, value string, ttl time.Duration) error {
	var errs []error
	if iss == "" {
		errs = append(errs, errors.New("empty issuer"))
	}
	if !kind.Valid() {
		errs = append(errs, fmt.Errorf("unknown kind %q", kind))
	}
	if value == "" {
		errs = append(errs, errors.New("empty value"))
	}
	if ttl <= 0 {
		errs = append(errs, errors.New("ttl must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("revocation: Revoke: %w", err)
	}
	return nil
}
