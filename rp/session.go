package rp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"time"
)

// Session is one signed-in browser: who signed in, with which provider, the tokens rp
// keeps for refresh and sign-out, and its lifetimes. Users are identified by (Issuer, Subject).
type Session struct {
	// ID identifies the session; a new one is made at every sign-in.
	ID string `json:"id"`
	// Provider is the id of the provider the user signed in with.
	Provider string `json:"p"`
	// Issuer and Subject identify the user.
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	// SID is the provider's session id (the ID token's sid claim), used by logout.
	SID string `json:"sid,omitempty"`
	// Extra holds userinfo claims that are not in the ID token.
	Extra map[string]any `json:"x,omitempty"`
	// CSRF protects the sign-out form.
	CSRF string `json:"csrf"`
	// CreatedAt is the sign-in time; ExpiresAt = CreatedAt + absolute lifetime, never extended.
	CreatedAt time.Time `json:"ct"`
	ExpiresAt time.Time `json:"et"`
	// LastSeen is the time of the last recorded use, for the idle timeout.
	LastSeen time.Time `json:"ls"`
	// Tokens are the provider's tokens.
	Tokens Tokens `json:"t"`
	// StoreRef is what a server-side [SessionStore] uses to find the session again
	// (e.g. its ticket): set by its Load, empty for a session not stored yet. It is
	// never serialized.
	StoreRef string `json:"-"`

	claims map[string]any // decoded from Tokens.IDToken, plus Extra

	// Set by decodeRecord: the identity part, and the tokens part as stored. While
	// lazy, Tokens (but Expiry), CSRF and Extra are still packed: see unpack.
	idn         *identity
	packed      []byte
	packedFlags uint8
	lazy        bool
	// identityOnly marks a session loaded for the gateway: its User needs no claims
	// (see RP.authenticateGateway).
	identityOnly bool
	// cookieSeen is the last activity the request's cookies carried (cookie store):
	// the session's LastSeen as saved, or a later last-seen cookie's.
	cookieSeen time.Time
}

// Tokens are the tokens a session keeps.
type Tokens struct {
	AccessToken  string    `json:"a,omitempty"`
	RefreshToken string    `json:"r,omitempty"`
	IDToken      string    `json:"i,omitempty"`
	Expiry       time.Time `json:"e,omitzero"` // access token expiry; zero: unknown
}

// Claims returns the ID token's claims with userinfo's extra claims over them.
// The ID token was verified at sign-in; the session itself is integrity-protected.
// The map is computed once per session and may be shared by copies of the session
// (the cookie store caches it): do not modify it.
func (s *Session) Claims() map[string]any {
	if s.claims == nil {
		_ = s.unpack() // a lazy session's ID token; a part that does not decode has no claims
		s.claims = map[string]any{}
		if parts := strings.Split(s.Tokens.IDToken, "."); len(parts) == 3 {
			if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				_ = json.Unmarshal(b, &s.claims)
			}
		}
		maps.Copy(s.claims, s.Extra)
	}
	return s.claims
}

// SessionStore keeps sessions between requests. The cookie store ([NewCookieStore]) keeps
// them in the browser; a server-side store (Redis) keeps an opaque ticket in the cookie.
// Implementations must be safe for concurrent use. Lifetimes are enforced by [RP], not by
// the store, but a store may drop sessions past s.ExpiresAt.
type SessionStore interface {
	// Load returns the request's session, or (nil, nil) when there is none or it does
	// not decode (tampered, expired keys): that is "signed out", not an error. An error
	// means the store itself failed (e.g. unreachable).
	Load(r *http.Request) (*Session, error)
	// Save creates or replaces s and sets the cookie that leads back to it.
	Save(w http.ResponseWriter, r *http.Request, s *Session) error
	// Delete removes s (which may be nil) and clears the session cookie.
	Delete(w http.ResponseWriter, r *http.Request, s *Session) error
}

// shortID returns a prefix of a session id that is safe to log.
func shortID(id string) string { return id[:min(8, len(id))] }

// SessionToucher is implemented by session stores that can record a session's
// activity (its LastSeen, for the idle timeout) without saving it whole. [RP] calls
// Touch instead of Save when nothing but LastSeen changed, at most once per touch
// interval (a twentieth of the idle timeout); stores without it get a Save.
type SessionToucher interface {
	// Touch records s.LastSeen for s, which the store loaded.
	Touch(w http.ResponseWriter, r *http.Request, s *Session) error
}

// RevocationLoader is implemented by a session store that is also the RP's
// revocation list (it implements [revocation.List] and Config.Revocations is nil) and
// can tell, as it loads a session, whether a revocation recorded in it ended the
// session: [RP] then does not ask the list on every request.
type RevocationLoader interface {
	// LoadChecked is Load, and reports whether RevokedAt(s.Issuer, s.SID, s.Subject)
	// gives a time at or after s.CreatedAt.
	LoadChecked(r *http.Request) (s *Session, revoked bool, err error)
}

// RefreshLocker is implemented by session stores shared by several replicas: a refresh
// holds the session's lock, so that one replica at a time redeems its refresh token, and
// re-reads the session after taking it (another replica may have refreshed meanwhile).
type RefreshLocker interface {
	// LockWait takes the lock named id for at most ttl, waiting up to maxWait for it.
	LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (unlock func(), err error)
}

// LogoutIndex is implemented by server-side session stores that can end sessions by
// the provider's session id or by subject, whichever replica created them
// (back-channel logout across replicas). The cookie store cannot; rp then relies on
// Config.Revocations alone.
type LogoutIndex interface {
	// DeleteBySID ends the sessions of issuer iss with provider session id sid.
	DeleteBySID(ctx context.Context, iss, sid string) (int, error)
	// DeleteBySubject ends every session of issuer iss and subject sub.
	DeleteBySubject(ctx context.Context, iss, sub string) (int, error)
}
