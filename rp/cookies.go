package rp

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// codecs derives a securecookie hash key and block key (AES-256) from each secret with
// HKDF-SHA256. The first secret's codec encodes; all decode, which is key rotation.
func codecs(secrets [][]byte) ([]securecookie.Codec, error) {
	out := make([]securecookie.Codec, 0, len(secrets))
	for i, s := range secrets {
		hashKey, err := hkdf.Key(sha256.New, s, nil, "foyer cookie mac", 32)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		blockKey, err := hkdf.Key(sha256.New, s, nil, "foyer cookie aes", 32)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		sc := securecookie.New(hashKey, blockKey)
		// rp checks lifetimes itself with its injected clock; values may exceed 4096 bytes
		// before they are split into chunks.
		sc.MaxAge(0)
		sc.MaxLength(0)
		sc.SetSerializer(securecookie.NopEncoder{})
		out = append(out, sc)
	}
	return out, nil
}

// cookieCodec encodes (authenticated encryption with the cookie secrets) and writes rp's own
// cookies, with one set of attributes: Path=/, HttpOnly, Secure unless the public URL is
// plain-http loopback, and the "__Host-" prefix when Secure. It is server-side, not an
// http.CookieJar.
type cookieCodec struct {
	prefix string
	secure bool
	domain string // "": host-only cookies (GatewayConfig.CookieDomain)
	codecs []securecookie.Codec
}

// name returns the full cookie name for base.
func (cc *cookieCodec) name(base string) string { return cc.prefix + base }

// set writes a cookie. maxAge <= 0 deletes it.
func (cc *cookieCodec) set(w http.ResponseWriter, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   cc.secure,
		SameSite: sameSite,
		Domain:   cc.domain,
	}
	if sameSite == http.SameSiteNoneMode && !cc.secure {
		// Browsers drop SameSite=None cookies without Secure; on plain-http loopback
		// (development) the provider is usually same-site anyway.
		c.SameSite = http.SameSiteLaxMode
	}
	if maxAge > 0 {
		c.MaxAge = int((maxAge + time.Second - 1) / time.Second)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// encode protects value under name with the current key.
func (cc *cookieCodec) encode(name string, value []byte) (string, error) {
	return securecookie.EncodeMulti(name, value, cc.codecs...)
}

// decode verifies and decrypts a value written by encode with any configured key.
func (cc *cookieCodec) decode(name, value string) ([]byte, error) {
	var out []byte
	if err := securecookie.DecodeMulti(name, value, &out, cc.codecs...); err != nil {
		return nil, err
	}
	return out, nil
}

// randomString returns n random bytes, base64url-encoded: states, nonces, session ids
// and CSRF tokens.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
