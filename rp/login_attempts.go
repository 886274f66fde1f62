package rp

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// loginValue is the key of the login state in a sign-in attempt's session values.
const loginValue = "attempt"

// newLoginStore returns the gorilla/sessions store that keeps sign-in attempts: one small,
// short-lived, encrypted and MACed cookie per attempt (see [loginState]). It is what
// gorilla's cookie store does well; signed-in sessions, which need chunking and an absolute
// lifetime, live in a [SessionStore] instead.
//
// The keys are derived from the cookie secrets with HKDF under their own labels, so a login
// cookie can never be replayed as a session cookie or the other way round. The first secret
// encodes; all decode. gorilla's v1.4 defaults (SameSite=None, not HttpOnly, 30 days) are
// replaced: Path=/, HttpOnly, Secure unless the public URL is plain-http loopback, and a
// Max-Age of the login TTL, which rp also checks against its own clock.
func newLoginStore(secrets [][]byte, secure bool, domain string, ttl time.Duration) (*sessions.CookieStore, error) {
	cs := make([]securecookie.Codec, 0, len(secrets))
	for i, s := range secrets {
		hashKey, err := hkdf.Key(sha256.New, s, nil, "foyer login mac", 32)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		blockKey, err := hkdf.Key(sha256.New, s, nil, "foyer login aes", 32)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		sc := securecookie.New(hashKey, blockKey)
		sc.MaxAge(0) // rp checks loginState.Created with its injected clock
		sc.SetSerializer(loginSerializer{})
		cs = append(cs, sc)
	}
	return &sessions.CookieStore{
		Codecs: cs,
		Options: &sessions.Options{
			Path:     "/",
			Domain:   domain,
			MaxAge:   int((ttl + time.Second - 1) / time.Second),
			Secure:   secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
	}, nil
}

// saveLogin writes the cookie of one sign-in attempt. sameSite is Lax, or None for a
// provider answering with form_post (a cross-site POST); browsers drop SameSite=None
// cookies without Secure, so on plain-http loopback it stays Lax.
func (p *RP) saveLogin(w http.ResponseWriter, r *http.Request, name string, ls *loginState, sameSite http.SameSite) error {
	js, err := json.Marshal(ls)
	if err != nil {
		return fmt.Errorf("encode login state: %w", err)
	}
	sess := sessions.NewSession(p.logins, name)
	opts := *p.logins.Options
	if sameSite == http.SameSiteNoneMode && opts.Secure {
		opts.SameSite = sameSite
	}
	sess.Options = &opts
	sess.Values[loginValue] = js
	if err := p.logins.Save(r, w, sess); err != nil {
		return fmt.Errorf("save login state: %w", err)
	}
	return nil
}

// loginSerializer turns a sign-in attempt's session values, which hold one value
// (loginValue: the login state's JSON), into those bytes and back. gorilla's default,
// encoding/gob, cost more than the rest of the cookie's handling put together.
type loginSerializer struct{}

// Serialize implements securecookie.Serializer.
func (loginSerializer) Serialize(src any) ([]byte, error) {
	vals, ok := src.(map[any]any)
	if !ok || len(vals) != 1 {
		return nil, fmt.Errorf("rp: login cookie: want one value, got %T", src)
	}
	js, ok := vals[loginValue].([]byte)
	if !ok {
		return nil, errors.New("rp: login cookie: no login state")
	}
	return js, nil
}

// Deserialize implements securecookie.Serializer.
func (loginSerializer) Deserialize(src []byte, dst any) error {
	vals, ok := dst.(*map[any]any)
	if !ok || *vals == nil {
		return fmt.Errorf("rp: login cookie: cannot decode into %T", dst)
	}
	(*vals)[loginValue] = src
	return nil
}

// loadLogin decodes the sign-in attempt kept in the request's cookie name.
func (p *RP) loadLogin(r *http.Request, name string) (*loginState, error) {
	sess, err := p.logins.New(r, name)
	if err != nil {
		return nil, err
	}
	js, ok := sess.Values[loginValue].([]byte)
	if sess.IsNew || !ok {
		return nil, errors.New("no login state")
	}
	var ls loginState
	if err := json.Unmarshal(js, &ls); err != nil {
		return nil, err
	}
	return &ls, nil
}
