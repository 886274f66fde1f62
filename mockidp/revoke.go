package mockidp

import (
	"errors"
	"net/http"
	"strings"
)

// errAnswered means a fault already wrote the response.
var errAnswered = errors.New("answered by a fault")

// serveRevoke handles token revocation (RFC 7009). Revoking a refresh
// token revokes its whole grant (access tokens included); revoking an
// access token revokes that token. Unknown tokens and tokens of other
// clients are answered 200 with no effect, as the RFC asks.
func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request, iss string) {
	p.serveClientEndpoint(w, r, iss, "revoke", http.StatusOK, func(form map[string]string, c *Client) (map[string]any, error) {
		if _, err := p.takeFault(w, r, faultRevoke, faultScope{clientID: c.ID}); err != nil {
			return nil, err
		}
		tok := form["token"]
		if tok == "" {
			return nil, newError(errInvalidRequest, "token is required")
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if rt := p.refresh[tok]; rt != nil && rt.grant.clientID == c.ID {
			rt.grant.revoked = true
		} else if at := p.access[keyOf(tok)]; at != nil && at.grant.clientID == c.ID {
			at.revoked = true
		}
		return nil, nil
	})
}

// serveIntrospect handles token introspection (RFC 7662) for
// authenticated confidential clients.
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request, iss string) {
	p.serveClientEndpoint(w, r, iss, "introspect", http.StatusOK, func(form map[string]string, c *Client) (map[string]any, error) {
		if c.isPublic() {
			return nil, newError(errInvalidClient, "introspection needs a confidential client")
		}
		tok := form["token"]
		if tok == "" {
			return nil, newError(errInvalidRequest, "token is required")
		}
		fault := p.faults.take(faultIntrospect, faultScope{clientID: c.ID})
		fault.sleep(r.Context())
		switch {
		case fault == nil:
			return p.introspect(iss, tok), nil
		case fault.IntrospectStatus != 0 || fault.IntrospectBody != "":
			writeRaw(w, fault.IntrospectStatus, fault.IntrospectBody)
			return nil, errAnswered
		case fault.IntrospectInactive:
			return map[string]any{"active": false}, nil
		}
		resp := p.introspect(iss, tok)
		if resp["active"] == true {
			applyClaims(resp, fault.IntrospectClaims)
		}
		return resp, nil
	})
}

// serveClientEndpoint answers a POST endpoint at which a client authenticates
// (revocation, introspection, PAR, device authorization): it reads the form,
// authenticates the client and runs handle, then writes handle's JSON answer
// with status (a nil answer: status alone), the OAuth error it returned, or
// nothing when a fault already answered ([errAnswered]).
func (p *Provider) serveClientEndpoint(w http.ResponseWriter, r *http.Request, iss, endpoint string, status int,
	handle func(form map[string]string, c *Client) (map[string]any, error)) {
	clientID := ""
	resp, err := func() (map[string]any, error) {
		form, err := readForm(w, r)
		if err != nil {
			return nil, err
		}
		c, err := p.authenticateClient(r, iss, form)
		if err != nil {
			return nil, err
		}
		clientID = c.ID
		return handle(form, c)
	}()
	switch {
	case errors.Is(err, errAnswered):
	case err != nil:
		p.writeOAuthError(w, r, endpoint, clientID, err)
	case resp == nil:
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, resp)
	}
}

// introspect describes tok, or says it is not active.
func (p *Provider) introspect(iss, tok string) map[string]any {
	now := p.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if at := p.access[keyOf(tok)]; at != nil && !at.revoked && !at.grant.revoked && !now.After(at.expires) {
		resp := map[string]any{
			"active": true, "token_type": "Bearer", "client_id": at.grant.clientID, "sub": at.grant.user.Subject,
			"aud": at.grant.clientID, "iss": iss, "iat": at.issued.Unix(), "exp": at.expires.Unix(), "jti": at.jti,
			"scope": strings.Join(at.scopes, " "),
		}
		if u, ok := at.grant.user.Claims["preferred_username"].(string); ok {
			resp["username"] = u
		}
		return resp
	}
	if rt := p.refresh[tok]; rt != nil && !rt.rotated && !rt.grant.revoked && !now.After(rt.expires) {
		return map[string]any{
			"active": true, "token_type": "refresh_token", "client_id": rt.grant.clientID, "sub": rt.grant.user.Subject,
			"iss": iss, "exp": rt.expires.Unix(), "scope": strings.Join(rt.scopes, " "),
		}
	}
	return map[string]any{"active": false}
}
