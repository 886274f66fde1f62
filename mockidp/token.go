package mockidp

import (
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// tokenResponse is the successful token response (RFC 6749 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	// IssuedTokenType is set by a token exchange (RFC 8693 2.2.1).
	IssuedTokenType string `json:"issued_token_type,omitempty"`
	// Keycloak persona.
	RefreshExpiresIn int64  `json:"refresh_expires_in,omitempty"`
	NotBeforePolicy  *int   `json:"not-before-policy,omitempty"`
	SessionState     string `json:"session_state,omitempty"`
}

// serveToken handles the token endpoint (RFC 6749 3.2).
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request, iss string) {
	clientID := ""
	form, err := readForm(w, r, "audience", "resource")
	if err == nil {
		var c *Client
		if form["grant_type"] == GrantJWTBearer && noClientAuth(r, form) {
			c, err = p.assertingClient(form) // RFC 7523 3.1: client authentication is optional
		} else {
			c, err = p.authenticateClient(r, iss, form)
		}
		if err == nil {
			clientID = c.ID
			err = p.token(w, r, iss, c, form)
		}
	}
	if err != nil {
		p.writeOAuthError(w, r, "token", clientID, err)
	}
}

// readForm checks an endpoint request is a POST with a form body and
// returns its parameters, refusing repeated ones except those named in
// repeatable (whose first value it returns; all are in r.PostForm).
func readForm(w http.ResponseWriter, r *http.Request, repeatable ...string) (map[string]string, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		e := newError(errInvalidRequest, "method must be POST")
		e.Status = http.StatusMethodNotAllowed
		return nil, e
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, newError(errInvalidRequest, "body must be application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		e := newError(errInvalidRequest, "malformed or oversized body")
		e.Err = err
		return nil, e
	}
	single := r.PostForm
	if len(repeatable) > 0 {
		single = url.Values{}
		for k, vs := range r.PostForm {
			if slices.Contains(repeatable, k) {
				vs = vs[:1]
			}
			single[k] = vs
		}
	}
	return singleValues(single)
}

// token runs one grant for an authenticated client and writes the response.
func (p *Provider) token(w http.ResponseWriter, r *http.Request, iss string, c *Client, form map[string]string) error {
	gt := form["grant_type"]
	fault := p.faults.take(faultToken, faultScope{clientID: c.ID, loginHint: p.hintOf(gt, form), refresh: gt == "refresh_token"})
	fault.sleep(r.Context())
	if fault.replacesToken() {
		writeFaultyToken(w, fault)
		return nil
	}
	var (
		resp *tokenResponse
		err  error
	)
	if gt != "" && slices.Contains(allGrantTypes, gt) && c.GrantTypes != nil && !slices.Contains(c.GrantTypes, gt) {
		return newError(errUnauthorizedClient, "the client may not use grant_type %s", gt)
	}
	if gt != GrantTokenExchange && (len(r.PostForm["audience"]) > 1 || len(r.PostForm["resource"]) > 1) {
		return newError(errInvalidRequest, "audience and resource may be repeated in a token exchange only")
	}
	switch gt {
	case "":
		return newError(errInvalidRequest, "grant_type is required")
	case GrantAuthorizationCode:
		resp, err = p.codeGrant(iss, c, form, fault)
	case GrantRefreshToken:
		resp, err = p.refreshGrant(iss, c, form, fault)
	case GrantClientCredentials:
		resp, err = p.clientCredentialsGrant(iss, c, form)
	case GrantTokenExchange:
		resp, err = p.tokenExchangeGrant(iss, c, form, r.PostForm)
	case GrantJWTBearer:
		resp, err = p.jwtBearerGrant(iss, c, form)
	case GrantDeviceCode:
		if !p.cfg.DeviceFlow {
			return newError(errUnsupportedGrantType, "the device flow is not enabled")
		}
		resp, err = p.deviceGrant(iss, c, form, fault)
	default:
		return newError(errUnsupportedGrantType, "grant_type %q is not supported", gt)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	p.log.LogAttrs(r.Context(), levelFor(http.StatusOK), "token issued", slog.String("client_id", c.ID), slog.String("grant_type", gt))
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// codeGrant redeems an authorization code (RFC 6749 4.1.3, RFC 7636 4.6).
// A code is consumed by the first redemption attempt, whatever its outcome;
// a second attempt revokes every token issued from the code.
func (p *Provider) codeGrant(iss string, c *Client, form map[string]string, fault *Fault) (*tokenResponse, error) {
	code := form["code"]
	if code == "" {
		return nil, newError(errInvalidRequest, "code is required")
	}
	now := p.Now()
	p.mu.Lock()
	ac := p.codes[code]
	replay := false
	if ac != nil {
		replay = ac.used
		ac.used = true
		if replay {
			ac.grant.revoked = true
		}
	}
	p.mu.Unlock()
	switch {
	case ac == nil:
		return nil, newError(errInvalidGrant, "unknown authorization code")
	case replay:
		return nil, newError(errInvalidGrant, "authorization code already used; tokens issued from it are revoked")
	case now.After(ac.expires):
		return nil, newError(errInvalidGrant, "authorization code expired")
	case ac.grant.clientID != c.ID:
		return nil, newError(errInvalidGrant, "authorization code was issued to another client")
	case form["redirect_uri"] != ac.redirectURI:
		return nil, newError(errInvalidGrant, "redirect_uri differs from the authorization request")
	}
	if err := checkVerifier(ac, form["code_verifier"]); err != nil {
		return nil, err
	}
	return p.issue(iss, c, ac.grant, ac.grant.scopes, true, ac.grant.nonce, fault)
}

// checkVerifier checks the PKCE code_verifier against the code's challenge.
func checkVerifier(ac *authCode, verifier string) error {
	switch {
	case ac.challenge == "" && verifier != "":
		return newError(errInvalidGrant, "code_verifier sent but the authorization request had no code_challenge")
	case ac.challenge == "":
		return nil
	case verifier == "":
		return newError(errInvalidGrant, "code_verifier is required")
	case !validPKCEString(verifier):
		return newError(errInvalidGrant, "code_verifier must be 43 to 128 unreserved characters")
	}
	want := verifier
	if ac.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if !secretEqual(want, ac.challenge) {
		return newError(errInvalidGrant, "code_verifier does not match code_challenge")
	}
	return nil
}

// refreshGrant redeems a refresh token (RFC 6749 6) with rotation: the
// token is rotated out, and presenting it again revokes its whole family
// (RFC 9700 4.14.2).
func (p *Provider) refreshGrant(iss string, c *Client, form map[string]string, fault *Fault) (*tokenResponse, error) {
	tok := form["refresh_token"]
	if tok == "" {
		return nil, newError(errInvalidRequest, "refresh_token is required")
	}
	now := p.Now()
	p.mu.Lock()
	rt := p.refresh[tok]
	var err error
	switch {
	case rt == nil:
		err = newError(errInvalidGrant, "unknown refresh token")
	case rt.grant.clientID != c.ID:
		err = newError(errInvalidGrant, "refresh token was issued to another client")
	case rt.rotated:
		rt.grant.revoked = true
		err = newError(errInvalidGrant, "refresh token was already used; its token family is revoked")
	case rt.grant.revoked:
		err = newError(errInvalidGrant, "refresh token was revoked")
	case now.After(rt.expires):
		err = newError(errInvalidGrant, "refresh token expired")
	default:
		rt.rotated = true
	}
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	scopes := rt.scopes
	if s, ok := form["scope"]; ok {
		req, err := parseScopes(s, p.scopesFor(c))
		if err != nil {
			return nil, err
		}
		for _, sc := range req {
			if !slices.Contains(rt.scopes, sc) {
				return nil, newError(errInvalidScope, "scope %q was not granted", sc)
			}
		}
		scopes = req
	}
	return p.issue(iss, c, rt.grant, scopes, true, "", fault)
}

// clientCredentialsGrant issues an access token to a confidential client
// for itself (RFC 6749 4.4), with the client's Claims and, laid over them,
// the next claim set queued for it ([Provider.QueueClientClaims]).
func (p *Provider) clientCredentialsGrant(iss string, c *Client, form map[string]string) (*tokenResponse, error) {
	if c.isPublic() {
		return nil, newError(errUnauthorizedClient, "public clients cannot use client_credentials")
	}
	var scopes []string
	if s := strings.TrimSpace(form["scope"]); s != "" {
		var err error
		if scopes, err = parseScopes(s, p.scopesFor(c)); err != nil {
			return nil, err
		}
		scopes = slices.DeleteFunc(scopes, func(s string) bool { return s == "openid" || s == "offline_access" })
	}
	claims := maps.Clone(c.Claims)
	if claims == nil {
		claims = map[string]any{}
	}
	p.mu.Lock()
	if q := p.queuedClaims[c.ID]; len(q) > 0 {
		applyClaims(claims, q[0])
		p.queuedClaims[c.ID] = q[1:]
	}
	p.mu.Unlock()
	sub := c.ID
	if s, ok := claims["sub"].(string); ok && s != "" {
		sub = s
	}
	delete(claims, "sub")
	g := &grant{clientID: c.ID, user: User{Subject: sub}, scopes: scopes, extra: claims}
	return p.issue(iss, c, g, scopes, false, "", nil)
}

// QueueClientClaims makes the next client_credentials token of clientID
// carry claims, laid over the client's own Claims (a nil value deletes
// one); "sub" replaces the subject (the client ID by default). iss, exp,
// iat, jti and client_id cannot be replaced. Sets queue up in order.
func (p *Provider) QueueClientClaims(clientID string, claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queuedClaims[clientID] = append(p.queuedClaims[clientID], maps.Clone(claims))
}

// scopesFor returns the scopes client c may ask for: the provider's and
// the client's own.
func (p *Provider) scopesFor(c *Client) []string {
	if len(c.Scopes) == 0 {
		return p.scopes
	}
	return slices.Concat(p.scopes, c.Scopes)
}

// hintOf returns the login_hint of the sign-in behind a code or refresh
// token request, without consuming anything, for fault matching.
func (p *Provider) hintOf(grantType string, form map[string]string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch grantType {
	case "authorization_code":
		if ac := p.codes[form["code"]]; ac != nil {
			return ac.grant.loginHint
		}
	case "refresh_token":
		if rt := p.refresh[form["refresh_token"]]; rt != nil {
			return rt.grant.loginHint
		}
	}
	return ""
}
