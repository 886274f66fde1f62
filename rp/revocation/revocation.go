package revocation

import (
	"context"
	"time"
)

// Kind says which identifier of a session a revocation names.
type Kind string

// The kinds of revocation, after the claims of a logout token
// (OpenID Connect Back-Channel Logout 1.0, section 2.4).
const (
	// BySID revokes the sessions of one provider session (the sid claim).
	BySID Kind = "sid"
	// BySubject revokes every session of one user (the sub claim).
	BySubject Kind = "sub"
)

// Valid reports whether k is [BySID] or [BySubject].
func (k Kind) Valid() bool { return k == BySID || k == BySubject }

// List remembers sessions that were ended without being deleted. Implementations are
// safe for concurrent use; an error means the list could not be read or written,
// and callers must then fail closed (treat the request as unauthenticated, or 503).
type List interface {
	// Revoke records that the sessions of issuer iss whose kind is value, created at
	// or before at, are ended. The record is kept for at least ttl, which should be
	// the sessions' absolute lifetime. A later at for the same name replaces an
	// earlier one; an earlier one never replaces a later.
	Revoke(ctx context.Context, iss string, kind Kind, value string, at time.Time, ttl time.Duration) error
	// RevokedAt returns the latest revocation time recorded for issuer iss and either
	// sid or sub (an empty one is not looked up), and whether there is any. A session
	// created at or before that time is ended.
	RevokedAt(ctx context.Context, iss, sid, sub string) (at time.Time, ok bool, err error)
}

// ReplayCache remembers logout token ids (jti) so that a replayed token is refused.
type ReplayCache interface {
	// SeenJTI records jti for issuer iss for ttl and reports whether it had already
	// been recorded. Exactly one of any number of concurrent calls with the same
	// iss and jti returns false.
	SeenJTI(ctx context.Context, iss, jti string, ttl time.Duration) (seen bool, err error)
}

// SessionList remembers single sessions ended by a sign-out, by the relying party's
// own session id, until they would have expired anyway: a copy of a signed-out
// cookie session must not work, and there is nothing to delete.
type SessionList interface {
	// EndSession records that the session id is over. The record is kept until
	// expires, which should be the session's absolute expiry.
	EndSession(ctx context.Context, id string, expires time.Time) error
	// SessionEnded reports whether EndSession recorded id and the record has not
	// expired.
	SessionEnded(ctx context.Context, id string) (bool, error)
}
