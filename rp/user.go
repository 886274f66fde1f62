package rp

import (
	"context"
	"maps"
	"net/http"
	"time"
)

// User is the signed-in person as the application sees it.
type User struct {
	// Provider is the id of the provider they signed in with.
	Provider string `json:"provider"`
	// Issuer and Subject identify the user; never identify users by email.
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	// Email is set only when the provider says it is verified (email_verified).
	Email             string   `json:"email,omitempty"`
	Name              string   `json:"name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Groups            []string `json:"groups"`
	// Claims are every ID token claim, with userinfo's extra claims. The map is this
	// User's own, but nested values (lists, objects) are shared with other requests of
	// the same session: do not modify them.
	Claims map[string]any `json:"claims"`
	// ExpiresAt is when the session ends at the latest (its absolute lifetime).
	ExpiresAt time.Time `json:"expires_at"`

	accessToken string
	sessionID   string
}

// AccessToken returns the provider's current access token (e.g. to call an API or to
// pass upstream as "Authorization: Bearer"). Never log it.
func (u *User) AccessToken() string { return u.accessToken }

// Identity header names sent upstream and by forward auth; the same names arriving
// from a client must be removed first ([StripIdentityHeaders]).
const (
	HeaderUser              = "X-Forwarded-User"
	HeaderEmail             = "X-Forwarded-Email"
	HeaderPreferredUsername = "X-Forwarded-Preferred-Username"
	HeaderGroups            = "X-Forwarded-Groups"
)

// StripIdentityHeaders removes identity headers a client may have sent.
func StripIdentityHeaders(h http.Header) {
	for _, k := range []string{HeaderUser, HeaderEmail, HeaderPreferredUsername, HeaderGroups} {
		h.Del(k)
	}
}

// SetIdentityHeaders writes u's identity into h (replacing any present), and the access
// token as "Authorization: Bearer" when withToken is set.
//
// Values are printable ASCII that cannot be split wrongly: X-Forwarded-Groups is the
// groups joined with ",", and in every value (each group, the sub, email and
// username) the bytes '%', ',', '"', controls, non-ASCII (as UTF-8) and spaces at
// either end are percent-encoded, so "staff,admins" arrives as one group
// "staff%2Cadmins". Plain names are unchanged. Readers split on ',' and
// percent-decode each element.
func (u *User) SetIdentityHeaders(h http.Header, withToken bool) {
	StripIdentityHeaders(h)
	h.Set(HeaderUser, headerValue(u.Subject))
	if u.Email != "" {
		h.Set(HeaderEmail, headerValue(u.Email))
	}
	if u.PreferredUsername != "" {
		h.Set(HeaderPreferredUsername, headerValue(u.PreferredUsername))
	}
	if g := headerList(u.Groups); g != "" {
		h.Set(HeaderGroups, g)
	}
	if withToken && u.accessToken != "" && printableASCII(u.accessToken) {
		h.Set("Authorization", "Bearer "+u.accessToken)
	}
}

// userFromSession builds the User of a session. Its Claims are a copy of the session's
// (which the session store may share between requests). A session loaded for the
// gateway (identityOnly, see [RP.authenticateGateway]) gives a User without Claims,
// from the identity its record holds when it has one; a lazy session (see
// [Session.unpack]) also without access token.
func userFromSession(s *Session) *User {
	u := &User{
		Provider:  s.Provider,
		Issuer:    s.Issuer,
		Subject:   s.Subject,
		ExpiresAt: s.ExpiresAt,
		sessionID: s.ID,
	}
	if !s.lazy {
		u.accessToken = s.Tokens.AccessToken
	}
	idn := s.idn
	if identityOnly := s.identityOnly || s.lazy; !identityOnly || idn == nil {
		c := s.Claims()
		if !identityOnly {
			u.Claims = maps.Clone(c)
		}
		idn = identityOf(c)
	}
	u.Name, u.PreferredUsername, u.Groups = idn.name, idn.preferredUsername, idn.groups
	if idn.emailVerified {
		u.Email = idn.email
	}
	return u
}

// stringList reads a claim that is a list of strings, or one string.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

type userKey struct{}

// ContextWithUser returns a copy of ctx carrying u.
func ContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext returns the signed-in user that [RP.RequireLogin] or [RP.Identify]
// put on the request context.
func UserFromContext(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok && u != nil
}

// handleUserInfo answers GET /auth/userinfo with the signed-in user as JSON.
func (p *RP) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s, err := p.authenticate(w, r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Nobody is signed in."})
		return
	}
	writeJSON(w, http.StatusOK, userFromSession(s))
}

// printableASCII reports whether s is only visible ASCII (what a token may be in a header).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
