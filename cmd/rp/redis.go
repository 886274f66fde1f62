package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// redisSessions is an [rp.SessionStore] over [redisstore.Store]: the session cookie holds
// only the store's ticket; the session lives in Redis, encrypted under a key that only
// the ticket carries. It also ends sessions named by a back-channel logout on every
// replica ([rp.LogoutIndex]) and serializes refreshes across replicas ([rp.RefreshLocker]).
type redisSessions struct {
	st             *redisstore.Store
	cookie         string
	secure         bool
	idle, absolute time.Duration
	now            func() time.Time
}

var (
	_ rp.SessionStore  = (*redisSessions)(nil)
	_ rp.LogoutIndex   = (*redisSessions)(nil)
	_ rp.RefreshLocker = (*redisSessions)(nil)
)

// newRedisSessions connects (lazily) to the Redis at url. Secrets key the store's
// index names.
func newRedisSessions(ctx context.Context, url string, secrets [][]byte, secure bool, idle, absolute time.Duration, log *slog.Logger) (*redisSessions, error) {
	st, err := redisstore.New(ctx, redisstore.Options{URL: url, IndexSecrets: secrets, Logger: log})
	if err != nil {
		return nil, err
	}
	rs := &redisSessions{st: st, cookie: "foyer_session", secure: secure, idle: idle, absolute: absolute, now: time.Now}
	if secure {
		rs.cookie = "__Host-foyer_session"
	}
	if rs.idle == 0 {
		rs.idle = rp.DefaultIdleTimeout
	}
	if rs.absolute == 0 {
		rs.absolute = rp.DefaultAbsoluteLifetime
	}
	rs.idle = min(rs.idle, rs.absolute)
	return rs, nil
}

// Load implements [rp.SessionStore]: no cookie, or a ticket Redis does not know, is no
// session; Redis being unreachable is an error (503, fail closed).
func (rs *redisSessions) Load(r *http.Request) (*rp.Session, error) {
	c, err := r.Cookie(rs.cookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	data, err := rs.st.Load(r.Context(), c.Value)
	switch {
	case errors.Is(err, redisstore.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var s rp.Session
	if err := json.Unmarshal(data, &s); err != nil || s.ID == "" {
		return nil, nil
	}
	s.StoreRef = c.Value
	return &s, nil
}

// Save implements [rp.SessionStore]: Update for a stored session (never recreating one
// that logout deleted meanwhile), Create and a new cookie otherwise.
func (rs *redisSessions) Save(w http.ResponseWriter, r *http.Request, s *rp.Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("redis sessions: %w", err)
	}
	if s.StoreRef != "" {
		err := rs.st.Update(r.Context(), s.StoreRef, data, rs.idle)
		if errors.Is(err, redisstore.ErrNotFound) {
			return nil // ended elsewhere; the next request finds no session
		}
		return err
	}
	left := s.ExpiresAt.Sub(rs.now())
	if left < time.Second {
		return rs.Delete(w, r, s)
	}
	ticket, err := rs.st.Create(r.Context(), data, redisstore.Index{Issuer: s.Issuer, Subject: s.Subject, SID: s.SID}, min(rs.idle, left), left)
	if err != nil {
		return err
	}
	s.StoreRef = ticket
	http.SetCookie(w, &http.Cookie{
		Name: rs.cookie, Value: ticket, Path: "/", MaxAge: int(left / time.Second),
		HttpOnly: true, Secure: rs.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// Delete implements [rp.SessionStore].
func (rs *redisSessions) Delete(w http.ResponseWriter, r *http.Request, s *rp.Session) error {
	ticket := ""
	if s != nil {
		ticket = s.StoreRef
	}
	if c, err := r.Cookie(rs.cookie); ticket == "" && err == nil {
		ticket = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: rs.cookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: rs.secure, SameSite: http.SameSiteLaxMode})
	if ticket == "" {
		return nil
	}
	if err := rs.st.Delete(r.Context(), ticket); err != nil && !errors.Is(err, redisstore.ErrNotFound) {
		return err
	}
	return nil
}

// DeleteBySID implements [rp.LogoutIndex].
func (rs *redisSessions) DeleteBySID(ctx context.Context, iss, sid string) (int, error) {
	return rs.st.DeleteBySID(ctx, iss, sid)
}

// DeleteBySubject implements [rp.LogoutIndex].
func (rs *redisSessions) DeleteBySubject(ctx context.Context, iss, sub string) (int, error) {
	return rs.st.DeleteBySubject(ctx, iss, sub)
}

// LockWait implements [rp.RefreshLocker].
func (rs *redisSessions) LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (func(), error) {
	return rs.st.LockWait(ctx, id, ttl, maxWait)
}

// readyz wraps rp's readiness with a Redis ping.
func (rs *redisSessions) readyz(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := rs.st.Ping(ctx); err != nil {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"ready": false, "session_store": "unavailable"}`)
			return
		}
		next(w, r)
	}
}
