package mockidp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"crypto/subtle"
	"github.com/go-jose/go-jose/v4"
	"net/http"
	"net/url"
	"path"
)

// authenticateClient authenticates the client of a token, revocation or
// introspection request by client_secret_basic,
// client_secret_post, private_key_jwt or, for public clients, none (RFC
// 6749 2.3, RFC 7523 2.2). A client with an AuthMethod may use that one
// only. It returns the client, or an invalid_client / invalid_request
// error.
func (p *Provider) authenticateClient(r *http.Request, iss string, form map[string]string) (*Client, error) {
	_, _, basic := r.BasicAuth()
	_, post := form["client_secret"]
	_, assertion := form["client_assertion"]
	_, assertionType := form["client_assertion_type"]
	if n := btoi(basic) + btoi(post) + btoi(assertion || assertionType); n > 1 {
		return nil, newError(errInvalidRequest, "use one client authentication method, not %d", n)
	}
	if assertion || assertionType {
		return p.clientAssertionAuth(iss, path.Base(r.URL.Path), form)
	}
	id, secret, method := form["client_id"], form["client_secret"], AuthClientSecretPost
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 2.3.1: both parts are form-encoded before Basic.
		u, err1 := url.QueryUnescape(user)
		s, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, newError(errInvalidClient, "malformed Basic credentials")
		}
		if id != "" && id != u {
			return nil, newError(errInvalidRequest, "client_id differs from the authenticated client")
		}
		id, secret, method = u, s, AuthClientSecretBasic
	} else if !post {
		method = AuthNone
	}
	if id == "" {
		return nil, newError(errInvalidClient, "client authentication is required")
	}
	c := p.client(id)
	if c == nil {
		return nil, newError(errInvalidClient, "unknown client")
	}
	if c.isPublic() {
		if method != AuthNone {
			return nil, newError(errInvalidClient, "a public client must not send a secret")
		}
		return c, nil
	}
	if method == AuthNone {
		return nil, newError(errInvalidClient, "client authentication is required")
	}
	if c.AuthMethod != "" && c.AuthMethod != method {
		e := newError(errInvalidClient, "client authentication failed")
		e.Err = fmt.Errorf("client %q must use %s, not %s", c.ID, c.AuthMethod, method)
		return nil, e
	}
	if key := p.reg.Load().secretKeys[c.ID]; key != nil {
		if err := p.checkSecretJWT(key, c.ID, iss, secret); err != nil {
			e := newError(errInvalidClient, "client authentication failed")
			e.Err = err
			return nil, e
		}
		return c, nil
	}
	if c.Secret == "" || !secretEqual(secret, c.Secret) {
		return nil, newError(errInvalidClient, "client authentication failed")
	}
	return c, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// secretEqual compares secrets in constant time (hashes hide the length).
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// maxSecretJWTLifetime is the longest lifetime Apple accepts for a client
// secret JWT (6 months).
const maxSecretJWTLifetime = 180 * 24 * time.Hour

// checkSecretJWT verifies a client secret that is an ES256 JWT, the way
// Sign in with Apple does: signed by key, sub = clientID, aud = iss, a
// team ID as iss, iat <= now < exp <= iat + 6 months.
func (p *Provider) checkSecretJWT(key *ecdsa.PublicKey, clientID, iss, secret string) error {
	jws, err := jose.ParseSignedCompact(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return fmt.Errorf("client secret JWT: %w", err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return fmt.Errorf("client secret JWT: %w", err)
	}
	var c struct {
		Iss string   `json:"iss"`
		Sub string   `json:"sub"`
		Aud audience `json:"aud"`
		Iat *int64   `json:"iat"`
		Exp *int64   `json:"exp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("client secret JWT claims: %w", err)
	}
	now := p.Now().Unix()
	switch {
	case c.Iss == "":
		return errors.New("client secret JWT: iss (team ID) missing")
	case c.Sub != clientID:
		return errors.New("client secret JWT: sub is not the client ID")
	case !slices.Contains(c.Aud, iss):
		return errors.New("client secret JWT: aud is not the issuer")
	case c.Iat == nil || c.Exp == nil:
		return errors.New("client secret JWT: iat or exp missing")
	case *c.Iat > now+60 || now >= *c.Exp:
		return errors.New("client secret JWT: not valid now")
	case *c.Exp-*c.Iat > int64(maxSecretJWTLifetime/time.Second):
		return errors.New("client secret JWT: lifetime over 6 months")
	}
	return nil
}

// parseES256PublicKey reads a P-256 public key from PEM: a PUBLIC KEY, or
// a private key whose public half is taken.
func parseES256PublicKey(b []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var pub any
	if block.Type == "PUBLIC KEY" {
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		pub = k
	} else {
		k, err := parsePrivateKey(b)
		if err != nil {
			return nil, err
		}
		pub = k.Public()
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("want a P-256 (ES256) key, got %T", pub)
	}
	return k, nil
}
