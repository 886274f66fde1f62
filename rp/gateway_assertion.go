package rp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// HeaderAssertion carries rp's signed identity assertion to the upstream and in
// /auth/verify answers: a JWT (ES256) an upstream verifies with the keys at
// /auth/jwks.json, so that it need not trust plain X-Forwarded-* headers.
const HeaderAssertion = "X-Foyer-Assertion"

// DefaultAssertionLifetime is how long an assertion is valid when
// AssertionConfig.Lifetime is zero.
const DefaultAssertionLifetime = time.Minute

// AssertionConfig configures the signed identity assertion. It is off by default.
//
// The assertion is a JWT with the claims iss (Config.PublicURL), aud (Audience), sub,
// provider, email (only when verified), preferred_username, groups, iat and exp.
// Users are identified by (provider, sub), never by email. The header of the JWT
// carries typ "JWT", alg "ES256" and the kid of a key in /auth/jwks.json.
type AssertionConfig struct {
	// Enabled sends the assertion in the [HeaderAssertion] header.
	Enabled bool
	// Audience is the aud claim the upstream checks. Empty: Config.PublicURL.
	Audience string
	// Key is the P-256 signing key. Nil: a key generated when [New] runs, so each
	// process (and each restart) has its own; give every replica the same key so that
	// an upstream fetching the JWKS from one can verify assertions from all.
	Key *ecdsa.PrivateKey
	// Lifetime is how long an assertion is valid (exp - iat), 10 s to 10 minutes.
	// Zero: [DefaultAssertionLifetime]. An assertion is reused for half of it.
	Lifetime time.Duration
}

// assertionSettings is a validated AssertionConfig with its signer.
type assertionSettings struct {
	issuer, audience string
	lifetime         time.Duration
	signer           jose.Signer
	jwks             []byte // the public key set, served at /auth/jwks.json

	mu    sync.Mutex
	cache map[string]cachedAssertion // session id -> latest assertion
}

// cachedAssertion is a signed assertion kept for reuse.
type cachedAssertion struct {
	fingerprint string // the identity it asserts; a change (after a refresh) re-signs
	token       string
	reuseUntil  time.Time
	expires     time.Time
}

// maxCachedAssertions bounds the cache; past it, expired entries are swept.
const maxCachedAssertions = 10000

// settings validates c; nil when the assertion is off.
func (c AssertionConfig) settings(publicURL string) (*assertionSettings, error) {
	if !c.Enabled {
		return nil, nil
	}
	var errs []error
	a := &assertionSettings{issuer: strings.TrimSuffix(publicURL, "/"), audience: c.Audience, lifetime: c.Lifetime, cache: map[string]cachedAssertion{}}
	if a.audience == "" {
		a.audience = a.issuer
	}
	switch {
	case a.lifetime == 0:
		a.lifetime = DefaultAssertionLifetime
	case a.lifetime < 10*time.Second || a.lifetime > 10*time.Minute:
		errs = append(errs, fmt.Errorf("lifetime %v: want 10s to 10m", a.lifetime))
	}
	key := c.Key
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
	} else if key.Curve != elliptic.P256() {
		errs = append(errs, errors.New("key: want an ECDSA P-256 key (ES256)"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("key thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	if a.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	a.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: pub.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	return a, nil
}

// assertionClaims are the claims of an assertion.
type assertionClaims struct {
	Issuer            string           `json:"iss"`
	Audience          string           `json:"aud"`
	Subject           string           `json:"sub"`
	Provider          string           `json:"provider"`
	Email             string           `json:"email,omitempty"`
	PreferredUsername string           `json:"preferred_username,omitempty"`
	Groups            []string         `json:"groups"`
	IssuedAt          *jwt.NumericDate `json:"iat"`
	Expiry            *jwt.NumericDate `json:"exp"`
}

// assertion returns a signed assertion for u at now, reusing one signed for the same
// session and identity during the first half of its lifetime.
func (a *assertionSettings) assertion(u *User, now time.Time) (string, error) {
	fp := u.Provider + "\x00" + u.Subject + "\x00" + u.Email + "\x00" + u.PreferredUsername + "\x00" + strings.Join(u.Groups, "\x00")
	a.mu.Lock()
	c, ok := a.cache[u.sessionID]
	a.mu.Unlock()
	if ok && c.fingerprint == fp && now.Before(c.reuseUntil) {
		return c.token, nil
	}
	claims := assertionClaims{
		Issuer: a.issuer, Audience: a.audience, Subject: u.Subject, Provider: u.Provider,
		Email: u.Email, PreferredUsername: u.PreferredUsername, Groups: u.Groups,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(a.lifetime)),
	}
	if claims.Groups == nil {
		claims.Groups = []string{}
	}
	tok, err := jwt.Signed(a.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign assertion: %w", err)
	}
	if u.sessionID != "" {
		a.mu.Lock()
		if len(a.cache) >= maxCachedAssertions {
			for k, v := range a.cache {
				if !now.Before(v.expires) {
					delete(a.cache, k)
				}
			}
			if len(a.cache) >= maxCachedAssertions {
				clear(a.cache)
			}
		}
		a.cache[u.sessionID] = cachedAssertion{fingerprint: fp, token: tok, reuseUntil: now.Add(a.lifetime / 2), expires: now.Add(a.lifetime)}
		a.mu.Unlock()
	}
	return tok, nil
}

// handleJWKS serves the assertion's public key set at GET /auth/jwks.json; 404 when
// the assertion is off.
func (p *RP) handleJWKS(w http.ResponseWriter, r *http.Request) {
	a := p.settings.gw.assertion
	if a == nil {
		p.writeError(w, r, newError(http.StatusNotFound, "not_found", "There is nothing here.", errors.New("assertion is off: no JWKS")))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(a.jwks)
}

// setUpstreamHeaders replaces whatever identity headers h holds (in any spelling, see
// [stripSpoofedHeaders]) with u's, adding the access token when
// Config.Gateway.PassAccessToken is set and the signed assertion when it is on. It is
// used for requests to the upstream and for /auth/verify answers.
func (p *RP) setUpstreamHeaders(h http.Header, u *User) {
	stripSpoofedHeaders(h, p.settings.Gateway.PassAccessToken)
	u.SetIdentityHeaders(h, p.settings.Gateway.PassAccessToken)
	if a := p.settings.gw.assertion; a != nil {
		tok, err := a.assertion(u, p.settings.Now())
		if err != nil {
			// Without the header an upstream that checks it refuses the request: fail closed.
			p.log.Error("identity assertion not sent", "reason", err.Error())
			return
		}
		h.Set(HeaderAssertion, tok)
	}
}
