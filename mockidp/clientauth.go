package mockidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
)

// authenticateClient authenticates the client of a token, revocation or
// introspection request by client_secret_basic, client_secret_post or,
// for public clients, none (RFC 6749 2.3). It returns the client, or an
// invalid_client / invalid_request error.
func (p *Provider) authenticateClient(r *http.Request, form map[string]string) (*Client, error) {
	id, secret, hasSecret := form["client_id"], "", false
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 2.3.1: both parts are form-encoded before Basic.
		u, err1 := url.QueryUnescape(user)
		s, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, newError(errInvalidClient, "malformed Basic credentials")
		}
		if _, ok := form["client_secret"]; ok {
			return nil, newError(errInvalidRequest, "use one client authentication method, not two")
		}
		if id != "" && id != u {
			return nil, newError(errInvalidRequest, "client_id differs from the authenticated client")
		}
		id, secret, hasSecret = u, s, true
	} else if s, ok := form["client_secret"]; ok {
		secret, hasSecret = s, true
	}
	if id == "" {
		return nil, newError(errInvalidClient, "client authentication is required")
	}
	c := p.clients[id]
	if c == nil {
		return nil, newError(errInvalidClient, "unknown client")
	}
	if c.Secret == "" {
		if hasSecret {
			return nil, newError(errInvalidClient, "a public client must not send a secret")
		}
		return c, nil
	}
	if !hasSecret {
		return nil, newError(errInvalidClient, "client authentication is required")
	}
	if !secretEqual(secret, c.Secret) {
		return nil, newError(errInvalidClient, "client authentication failed")
	}
	return c, nil
}

// secretEqual compares secrets in constant time (hashes hide the length).
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
