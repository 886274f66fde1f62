package mockidp

import (
	"net/http"
	"slices"
	"strings"
)

// serveUserinfo handles the UserInfo endpoint (OpenID Connect Core 5.3),
// GET or POST, with the access token as a Bearer token (RFC 6750).
func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		p.writeOAuthError(w, r, "userinfo", "", &oauthError{Code: errInvalidRequest, Description: "method not allowed", Status: http.StatusMethodNotAllowed})
		return
	}
	at, err := p.bearerToken(r)
	if err != nil {
		p.writeOAuthError(w, r, "userinfo", "", err)
		return
	}
	clientID := at.grant.clientID
	if !slices.Contains(at.scopes, "openid") {
		p.writeOAuthError(w, r, "userinfo", clientID, newError(errInsufficientScope, "the access token lacks the openid scope"))
		return
	}
	fault := p.faults.take(faultUserinfo, faultScope{clientID: clientID, loginHint: at.grant.loginHint})
	fault.sleep(r.Context())
	claims := scopedClaims(at.grant.user, at.scopes)
	if p.cfg.Persona == PersonaGoogle {
		c := p.client(clientID)
		if c == nil { // removed at run time
			c = &Client{ID: clientID}
		}
		p.personaClaims(claims, "", c, at.grant, false)
	}
	if fault != nil {
		applyClaims(claims, fault.UserinfoClaims)
		if fault.UserinfoStatus != 0 || fault.UserinfoBody != "" {
			writeRaw(w, fault.UserinfoStatus, fault.UserinfoBody)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, claims)
}

// bearerToken returns the live access token of r (Authorization header,
// or access_token in a POST form body), or an invalid_token error.
func (p *Provider) bearerToken(r *http.Request) (*accessToken, error) {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, newError(errInvalidRequest, "Authorization must use the Bearer scheme")
		}
		tok = strings.TrimSpace(v)
	} else if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			tok = r.PostForm.Get("access_token")
		}
	}
	if tok == "" {
		e := newError(errInvalidRequest, "no access token")
		e.Status = http.StatusUnauthorized
		return nil, e
	}
	now := p.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.access[keyOf(tok)]
	switch {
	case at == nil:
		return nil, newError(errInvalidToken, "unknown access token")
	case at.revoked || at.grant.revoked:
		return nil, newError(errInvalidToken, "access token revoked")
	case now.After(at.expires):
		return nil, newError(errInvalidToken, "access token expired")
	}
	return at, nil
}
