package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/revocation"
)

// sessionCookie is the name of the cookie that carries the ticket; on https it gets
// the "__Host-" prefix. It is the cookie store's name too, so the proxy's stripping of
// foyer's cookies covers both.
const sessionCookie = "foyer_session"

// SessionStoreConfig configures a [SessionStore]. Its zero value is secure.
type SessionStoreConfig struct {
	// IdleTimeout must be the RP's [rp.Config.IdleTimeout]: Redis drops a session that
	// has not been saved for this long. Zero: [rp.DefaultIdleTimeout].
	IdleTimeout time.Duration
	// InsecureHTTP drops the cookie's Secure attribute and "__Host-" prefix. It MUST
	// NOT be set except for a plain-http loopback URL during development.
	InsecureHTTP bool
	// Domain must be the RP's [rp.GatewayConfig.CookieDomain]: the ticket cookie is
	// then shared with every host under it, named with "__Secure-" instead of "__Host-".
	Domain string
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// SessionStore is an [rp.SessionStore] that keeps sessions in Redis (or Valkey), shared
// by every replica. The browser's cookie holds only the [Store]'s 66-character ticket;
// the session, JSON-encoded, is sealed in Redis under a key only the ticket carries.
//
// It also implements [rp.LogoutIndex] (a logout received by any replica ends the
// sessions it names on all of them), [rp.RefreshLocker] (one replica at a time
// redeems a session's refresh token), Ping, which [rp.RP.Readyz] calls, and
// [revocation.List] and [revocation.ReplayCache], which [rp.New] uses when
// [rp.Config.Revocations] and [rp.Config.ReplayCache] are nil:
//
//	cfg.SessionStore = redisstore.NewSessionStore(st, redisstore.SessionStoreConfig{IdleTimeout: cfg.IdleTimeout})
//
// Errors wrapping [ErrUnavailable] mean Redis did not answer; rp answers them with 503.
type SessionStore struct {
	st     *Store
	cookie string
	secure bool
	domain string
	idle   time.Duration
	now    func() time.Time
	idents *idents
}

var (
	_ rp.SessionStore     = (*SessionStore)(nil)
	_ rp.LogoutIndex      = (*SessionStore)(nil)
	_ rp.RefreshLocker    = (*SessionStore)(nil)
	_ rp.SessionToucher   = (*SessionStore)(nil)
	_ rp.RevocationLoader = (*SessionStore)(nil)

	_ revocation.List        = (*SessionStore)(nil)
	_ revocation.ReplayCache = (*SessionStore)(nil)
)

// NewSessionStore returns a session store over st.
func NewSessionStore(st *Store, cfg SessionStoreConfig) *SessionStore {
	domain := strings.ToLower(strings.TrimPrefix(cfg.Domain, ".")) // as rp.New reads it
	ss := &SessionStore{st: st, cookie: "__Host-" + sessionCookie, secure: true, domain: domain, idle: cfg.IdleTimeout, now: cfg.Now, idents: newIdents()}
	switch {
	case cfg.InsecureHTTP:
		ss.cookie, ss.secure = sessionCookie, false
	case domain != "":
		ss.cookie = "__Secure-" + sessionCookie // __Host- forbids Domain
	}
	if ss.idle <= 0 {
		ss.idle = rp.DefaultIdleTimeout
	}
	if ss.now == nil {
		ss.now = time.Now
	}
	return ss
}

// ticket returns the ticket the request's cookie carries, or "".
func (ss *SessionStore) ticket(r *http.Request) string {
	c, err := r.Cookie(ss.cookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie sets the ticket cookie for maxAge; an empty ticket clears it.
func (ss *SessionStore) setCookie(w http.ResponseWriter, ticket string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: ss.cookie, Value: ticket, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: ss.secure, SameSite: http.SameSiteLaxMode, Domain: ss.domain,
	}
	if ticket == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// Load implements [rp.SessionStore]. No cookie, a malformed or forged ticket, or a
// session Redis no longer has (ended, expired) is no session: (nil, nil). Redis not
// answering is an error, so that rp fails closed with 503. The session's LastSeen is
// the latest of its own and of the activity [SessionStore.Touch] recorded, read in
// the same round trip.
func (ss *SessionStore) Load(r *http.Request) (*rp.Session, error) {
	s, _, err := ss.load(r, false)
	return s, err
}

// LoadChecked implements [rp.RevocationLoader]: Load, and whether a revocation in
// this store ([SessionStore.Revoke]) ended the session, in the same round trip when
// this process has read or created the session before (else in a second one).
func (ss *SessionStore) LoadChecked(r *http.Request) (*rp.Session, bool, error) {
	return ss.load(r, true)
}

func (ss *SessionStore) load(r *http.Request, checkRevoked bool) (*rp.Session, bool, error) {
	t := ss.ticket(r)
	if t == "" {
		return nil, false, nil
	}
	id, _ := SessionID(t)
	var prev known
	var extra []string
	if checkRevoked {
		prev, _ = ss.idents.get(id)
		extra = prev.keys
	}
	e, seen, gets, err := ss.st.loadActive(r.Context(), t, extra)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	s, ok := decodeSession(e.data)
	if !ok {
		return nil, false, nil
	}
	s.StoreRef = t
	if seen.After(s.LastSeen) {
		s.LastSeen = seen
	}
	if !checkRevoked {
		return s, false, nil
	}
	var at time.Time
	var revoked bool
	if cur := (ident{s.Issuer, s.SID, s.Subject}); len(extra) > 0 && cur == prev.ident {
		at, revoked, err = latestRevocation(gets)
	} else {
		ss.remember(id, cur)
		at, revoked, err = ss.st.RevokedAt(r.Context(), s.Issuer, s.SID, s.Subject)
	}
	if err != nil {
		return nil, false, err
	}
	return s, revoked && !s.CreatedAt.After(at), nil
}

// remember notes the ident of session id, with its revocation keys.
func (ss *SessionStore) remember(id string, v ident) {
	ss.idents.put(id, v, ss.st.revocationKeys(v.iss, v.sid, v.sub))
}

// decodeSession decodes a session's data: the binary record of
// [rp.Session.MarshalBinary], or JSON as written before it.
func decodeSession(data []byte) (*rp.Session, bool) {
	var s rp.Session
	var err error
	if len(data) > 0 && data[0] == '{' {
		err = json.Unmarshal(data, &s)
	} else {
		err = s.UnmarshalBinary(data)
	}
	if err != nil || s.ID == "" {
		return nil, false
	}
	return &s, true
}

// Touch implements [rp.SessionToucher]: it records s.LastSeen in Redis and restarts
// the idle timeout, in one round trip, without rewriting the session or its cookie.
func (ss *SessionStore) Touch(_ http.ResponseWriter, r *http.Request, s *rp.Session) error {
	id, ok := SessionID(s.StoreRef)
	if !ok {
		return nil
	}
	return ss.st.touch(r.Context(), id, s.LastSeen, min(ss.idle, s.ExpiresAt.Sub(ss.now())))
}

// Save implements [rp.SessionStore]. A session loaded from this store (StoreRef set)
// is updated in place: same ticket, same absolute deadline, and a session that a
// logout deleted meanwhile is never recreated. Any other session (a new sign-in) gets
// a new ticket and cookie.
func (ss *SessionStore) Save(w http.ResponseWriter, r *http.Request, s *rp.Session) error {
	left := s.ExpiresAt.Sub(ss.now())
	if left < time.Second {
		return ss.Delete(w, r, s)
	}
	data, err := s.MarshalBinary()
	if err != nil {
		return fmt.Errorf("redisstore: encode session: %w", err)
	}
	ctx := r.Context()
	if s.StoreRef != "" {
		err := ss.st.Update(ctx, s.StoreRef, data, min(ss.idle, left))
		if errors.Is(err, ErrNotFound) {
			ss.setCookie(w, "", 0) // ended elsewhere: the next request is signed out
			return nil
		}
		return err
	}
	t, err := ss.st.Create(ctx, data, Index{Issuer: s.Issuer, Subject: s.Subject, SID: s.SID}, min(ss.idle, left), left)
	if err != nil {
		return err
	}
	if id, ok := SessionID(t); ok {
		ss.remember(id, ident{s.Issuer, s.SID, s.Subject})
	}
	s.StoreRef = t
	ss.setCookie(w, t, left)
	return nil
}

// Delete implements [rp.SessionStore]: it deletes the session (s's, or else the
// request's) from Redis and clears the cookie. The cookie is cleared even when Redis
// does not answer; the error is returned.
func (ss *SessionStore) Delete(w http.ResponseWriter, r *http.Request, s *rp.Session) error {
	t := ss.ticket(r)
	if s != nil && s.StoreRef != "" {
		t = s.StoreRef
	}
	ss.setCookie(w, "", 0)
	if t == "" {
		return nil
	}
	if err := ss.st.Delete(r.Context(), t); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// DeleteBySID implements [rp.LogoutIndex].
func (ss *SessionStore) DeleteBySID(ctx context.Context, iss, sid string) (int, error) {
	return ss.st.DeleteBySID(ctx, iss, sid)
}

// DeleteBySubject implements [rp.LogoutIndex].
func (ss *SessionStore) DeleteBySubject(ctx context.Context, iss, sub string) (int, error) {
	return ss.st.DeleteBySubject(ctx, iss, sub)
}

// LockWait implements [rp.RefreshLocker].
func (ss *SessionStore) LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (func(), error) {
	return ss.st.LockWait(ctx, id, ttl, maxWait)
}

// Ping reports whether Redis answers; [rp.RP.Readyz] calls it.
func (ss *SessionStore) Ping(ctx context.Context) error { return ss.st.Ping(ctx) }

// SeenJTI implements [revocation.ReplayCache] with the underlying [Store], so that
// [rp.New] uses Redis for the replay cache when [rp.Config.ReplayCache] is nil.
func (ss *SessionStore) SeenJTI(ctx context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	return ss.st.SeenJTI(ctx, iss, jti, ttl)
}

// Revoke implements [revocation.List] with the underlying [Store], so that [rp.New]
// uses Redis for revocations when [rp.Config.Revocations] is nil.
func (ss *SessionStore) Revoke(ctx context.Context, iss string, kind revocation.Kind, value string, at time.Time, ttl time.Duration) error {
	return ss.st.Revoke(ctx, iss, kind, value, at, ttl)
}

// RevokedAt implements [revocation.List].
func (ss *SessionStore) RevokedAt(ctx context.Context, iss, sid, sub string) (time.Time, bool, error) {
	return ss.st.RevokedAt(ctx, iss, sid, sub)
}
