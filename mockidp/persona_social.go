package mockidp

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OAuth 2.0 providers without OpenID Connect (GitHub, Naver, Kakao's REST
// API, Discord, Facebook, X): what their personas share. Each persona
// file (persona_github.go, ...) describes its endpoints, scopes and
// answers and cites the provider's documentation; this file routes the
// requests to them and runs the authorization and token endpoints with
// the provider's rules, reusing the provider's codes, sessions, login
// form, client authentication and faults.

// pkceRule is how a provider treats PKCE (RFC 7636).
type pkceRule int

const (
	// pkceIgnored: the provider does not support PKCE; code_challenge and
	// code_verifier are ignored, as a server that does not know them does.
	pkceIgnored pkceRule = iota
	// pkceOptional: accepted (S256 or plain), not required.
	pkceOptional
	// pkceOptionalS256: accepted with S256 only, not required (GitHub).
	pkceOptionalS256
	// pkceRequired: every authorization request must carry a challenge (X).
	pkceRequired
)

// socialPersona describes one OAuth 2.0 provider.
type socialPersona struct {
	authorize func(path string) bool // matches the authorization endpoint
	token     func(path string) bool // matches the token endpoint
	tokenGET  bool                   // the token endpoint also takes GET with query parameters
	// scopes the provider knows; defaultScope is granted when a request
	// names none ("" = scope required); fixedScope replaces whatever the
	// request says (Naver has no scope parameter: consent items are set
	// on the application); addScope is always granted besides.
	scopes                             []string
	defaultScope, fixedScope, addScope string
	commaScopes                        bool // scope lists may be comma-separated
	pkce                               pkceRule
	// refresh reports whether a token response for scopes carries a
	// refresh token; nil = never.
	refresh func(scopes []string) bool
	// oidc: the provider also speaks OpenID Connect (Kakao): discovery and
	// the ID token stay, at the provider's own paths.
	oidc bool
	// tokenOf returns the access token of an API request ("" = none).
	tokenOf func(r *http.Request) string
	// writeToken and writeTokenError answer the token endpoint in the
	// provider's shapes (status 0: the provider's own status for the
	// error, else the status a fault asks for); unauthorized answers an
	// API request without a usable access token.
	writeToken      func(w http.ResponseWriter, r *http.Request, resp *tokenResponse)
	writeTokenError func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int)
	unauthorized    func(w http.ResponseWriter, r *http.Request)
	api             []apiRoute
}

// apiRoute is one resource endpoint of a provider.
type apiRoute struct {
	match   func(path string) bool
	user    bool     // the user endpoint: the Userinfo fault fields apply
	methods []string // nil = GET only
	serve   func(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault)
}

// socialPersonas are the OAuth 2.0 personas by name.
var socialPersonas = map[string]*socialPersona{
	PersonaGitHub:   githubPersona,
	PersonaNaver:    naverPersona,
	PersonaKakao:    kakaoPersona,
	PersonaDiscord:  discordPersona,
	PersonaFacebook: facebookPersona,
	PersonaX:        xPersona,
}

// paths matches any of paths exactly.
func paths(ps ...string) func(string) bool {
	return func(rel string) bool { return slices.Contains(ps, rel) }
}

// oidcOnly are the routes of the OpenID Provider that an OAuth 2.0
// persona does not have.
var oidcOnly = []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks",
	"/authorize", "/token", "/userinfo", "/revoke", "/introspect", "/end_session"}

// personaScopes are the scopes a client may request under persona.
func personaScopes(persona string) []string {
	switch persona {
	case PersonaApple:
		return []string{"openid", "email", "name"}
	case PersonaEntra:
		return entraScopes
	}
	if sp := socialPersonas[persona]; sp != nil {
		return sp.scopes
	}
	return supportedScopes
}

// servePersona serves the endpoints a persona has besides (or instead of)
// the OpenID Provider's and reports whether it answered.
func (p *Provider) servePersona(w http.ResponseWriter, r *http.Request, iss, rel string) bool {
	if strings.HasPrefix(rel, "/_mock/") || rel == "/healthz" || rel == "/login" {
		return false
	}
	if p.cfg.Persona == PersonaEntra {
		return p.serveEntraGraph(w, r, iss, rel)
	}
	sp := socialPersonas[p.cfg.Persona]
	if sp == nil {
		return false
	}
	var (
		endpoint string
		serve    func(w http.ResponseWriter)
	)
	switch {
	case sp.authorize(rel):
		endpoint, serve = "authorize", func(w http.ResponseWriter) { p.serveSocialAuthorize(w, r, iss, sp) }
	case sp.oidc && rel == "/.well-known/jwks.json":
		endpoint, serve = "jwks", func(w http.ResponseWriter) { p.serveJWKS(w, r) }
	case sp.token(rel):
		endpoint, serve = "token", func(w http.ResponseWriter) { p.serveSocialToken(w, r, iss, sp) }
	default:
		for _, route := range sp.api {
			if route.match(rel) {
				endpoint, serve = "userinfo", func(w http.ResponseWriter) { p.serveSocialAPI(w, r, iss, sp, route) }
				break
			}
		}
	}
	if serve == nil {
		if slices.Contains(oidcOnly, rel) && !(sp.oidc && strings.HasPrefix(rel, "/.well-known/openid-configuration")) {
			http.NotFound(w, r)
			return true
		}
		return false
	}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { p.capture(endpoint, r, rec.status) }()
	serve(rec)
	return true
}

// serveSocialAuthorize is the authorization endpoint under the provider's
// scope and PKCE rules; the rest (client, redirect URI, login, code) is
// the OpenID Provider's.
func (p *Provider) serveSocialAuthorize(w http.ResponseWriter, r *http.Request, iss string, sp *socialPersona) {
	params, ok := p.browserParams(w, r, "The authorization request could not be read.")
	if !ok {
		return
	}
	req, err := p.parseAuthRequest(sp.authParams(params), iss)
	var pe *pageError
	switch {
	case errors.As(err, &pe):
		p.errorPage(w, r, http.StatusBadRequest, pe.msg, nil)
		return
	case err != nil:
		p.redirectError(w, r, req, asOAuthError(err))
		return
	}
	switch {
	case sp.pkce == pkceIgnored:
		req.challenge, req.method = "", ""
	case sp.pkce == pkceOptionalS256 && req.challenge != "" && req.method != "S256":
		p.redirectError(w, r, req, newError(errInvalidRequest, "code_challenge_method must be S256"))
		return
	case sp.pkce == pkceRequired && req.challenge == "":
		p.redirectError(w, r, req, newError(errInvalidRequest, "code_challenge is required"))
		return
	}
	p.authorize(w, r, req)
}

// authParams applies the provider's scope rules to a copy of params.
func (sp *socialPersona) authParams(in url.Values) url.Values {
	v := make(url.Values, len(in)+1)
	for k, vs := range in {
		v[k] = slices.Clone(vs)
	}
	if len(v["scope"]) > 1 {
		return v // refused as repeated
	}
	scope := v.Get("scope")
	if sp.commaScopes {
		scope = strings.ReplaceAll(scope, ",", " ")
	}
	switch {
	case sp.fixedScope != "":
		scope = sp.fixedScope
	case strings.TrimSpace(scope) == "":
		scope = sp.defaultScope
	}
	if sp.addScope != "" && strings.TrimSpace(scope) != "" && !slices.Contains(strings.Fields(scope), sp.addScope) {
		scope += " " + sp.addScope
	}
	v.Set("scope", scope)
	return v
}

// serveSocialToken is the token endpoint: the OpenID Provider's grants,
// answered in the provider's shapes.
func (p *Provider) serveSocialToken(w http.ResponseWriter, r *http.Request, iss string, sp *socialPersona) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	var form map[string]string
	var err error
	if sp.tokenGET && r.Method == http.MethodGet {
		form, err = singleValues(r.URL.Query())
	} else {
		form, err = readForm(w, r)
	}
	var c *Client
	if err == nil {
		c, err = p.authenticateClient(r, iss, form)
	}
	if err != nil {
		p.socialTokenError(w, r, sp, "", err)
		return
	}
	gt := form["grant_type"]
	fault := p.faults.take(faultToken, faultScope{clientID: c.ID, loginHint: p.hintOf(gt, form), refresh: gt == "refresh_token"})
	fault.sleep(r.Context())
	if fault.replacesToken() {
		if fault.TokenError != "" && fault.TokenBody == "" {
			sp.writeTokenError(w, r, newError(fault.TokenError, "injected fault"), fault.TokenStatus)
			return
		}
		writeFaultyToken(w, fault)
		return
	}
	if sp.pkce == pkceIgnored {
		delete(form, "code_verifier")
	}
	var resp *tokenResponse
	switch gt {
	case "":
		err = newError(errInvalidRequest, "grant_type is required")
	case "authorization_code":
		p.applyDeniedScopes(form["code"])
		resp, err = p.codeGrant(iss, c, form, fault)
	case "refresh_token":
		if sp.refresh == nil {
			err = newError(errUnsupportedGrantType, "grant_type %q is not supported", gt)
		} else {
			resp, err = p.refreshGrant(iss, c, form, fault)
		}
	default:
		err = newError(errUnsupportedGrantType, "grant_type %q is not supported", gt)
	}
	if err != nil {
		p.socialTokenError(w, r, sp, c.ID, err)
		return
	}
	if resp.RefreshToken != "" && (sp.refresh == nil || !sp.refresh(strings.Fields(resp.Scope))) {
		p.mu.Lock()
		delete(p.refresh, resp.RefreshToken)
		p.mu.Unlock()
		resp.RefreshToken = ""
	}
	p.log.LogAttrs(r.Context(), levelFor(http.StatusOK), "token issued", slog.String("client_id", c.ID), slog.String("grant_type", gt))
	sp.writeToken(w, r, resp)
}

// socialTokenError logs a failed token request and answers it in the
// provider's shape.
func (p *Provider) socialTokenError(w http.ResponseWriter, r *http.Request, sp *socialPersona, clientID string, err error) {
	oe := asOAuthError(err)
	p.log.LogAttrs(r.Context(), levelFor(oe.Status), "request failed",
		slog.String("endpoint", "token"), slog.String("client_id", clientID),
		slog.String("error", oe.Code), slog.String("reason", causeText(oe)))
	sp.writeTokenError(w, r, oe, 0)
}

// applyDeniedScopes removes from the grant behind code the scopes its user
// declined (the user's "denied_scopes" claim): GitHub lets a user grant
// fewer scopes than asked, Kakao and Naver let them skip optional consent
// items.
func (p *Provider) applyDeniedScopes(code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ac := p.codes[code]
	if ac == nil || ac.used {
		return
	}
	denied := stringList(ac.grant.user.Claims["denied_scopes"])
	if len(denied) == 0 {
		return
	}
	ac.grant.scopes = slices.DeleteFunc(slices.Clone(ac.grant.scopes), func(s string) bool { return slices.Contains(denied, s) })
}

// serveSocialAPI serves a resource endpoint to a live access token.
func (p *Provider) serveSocialAPI(w http.ResponseWriter, r *http.Request, iss string, sp *socialPersona, route apiRoute) {
	methods := route.methods
	if methods == nil {
		methods = []string{http.MethodGet}
	}
	if !slices.Contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	at, err := p.liveAccess(sp.tokenOf(r))
	if err != nil {
		oe := asOAuthError(err)
		p.log.LogAttrs(r.Context(), slog.LevelInfo, "request failed", slog.String("endpoint", "userinfo"),
			slog.String("error", oe.Code), slog.String("reason", causeText(oe)))
		sp.unauthorized(w, r)
		return
	}
	var fault *Fault
	if route.user {
		fault = p.faults.take(faultUserinfo, faultScope{clientID: at.grant.clientID, loginHint: at.grant.loginHint})
		fault.sleep(r.Context())
		if fault != nil && (fault.UserinfoStatus != 0 || fault.UserinfoBody != "") {
			writeRaw(w, fault.UserinfoStatus, fault.UserinfoBody)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	route.serve(p, w, r, iss, at, fault)
}

// liveAccess returns the live access token tok, or an invalid_token error.
func (p *Provider) liveAccess(tok string) (*accessToken, error) {
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

// bearerOf returns the token of an Authorization header with one of
// schemes (case-insensitive), else "".
func bearerOf(r *http.Request, schemes ...string) string {
	scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok {
		return ""
	}
	for _, s := range schemes {
		if strings.EqualFold(scheme, s) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// userView applies the fault's UserinfoClaims to a persona's user object
// (the object that holds the id: GitHub's /user, Naver's response, X's
// data, ...): a nil value deletes, so {"id": null} sends no id.
func userView(obj map[string]any, fault *Fault) map[string]any {
	if fault != nil {
		applyClaims(obj, fault.UserinfoClaims)
	}
	return obj
}

// socialID is the user's id at a provider: the user's "id" claim as given
// (any JSON value, so that tests can send numbers, strings or null), else
// a number derived from the subject, stable per persona, between min and
// min+span-1.
func socialID(persona string, u User, min, span uint64) (v any, derived uint64) {
	sum := sha256.Sum256([]byte(persona + "\x00" + u.Subject))
	derived = min + binary.BigEndian.Uint64(sum[:8])%span
	if id, ok := u.Claims["id"]; ok {
		return id, derived
	}
	return derived, derived
}

// socialIDString is socialID for providers whose ids are decimal strings.
func socialIDString(persona string, u User, min, span uint64) any {
	id, derived := socialID(persona, u, min, span)
	if _, ok := u.Claims["id"]; ok {
		return id
	}
	return strconv.FormatUint(derived, 10)
}

// claimString returns the user's string claim k, or "".
func claimString(u User, k string) string {
	s, _ := u.Claims[k].(string)
	return s
}

// claimTrue reports whether the user's claim k is true or "true".
func claimTrue(u User, k string) bool {
	switch v := u.Claims[k].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// nullable returns s, or nil (JSON null) when s is "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stringList returns v as a list of strings ([]string or []any of strings).
func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// hasAnyScope reports whether the token carries one of scopes.
func (at *accessToken) hasAnyScope(scopes ...string) bool {
	return slices.ContainsFunc(at.scopes, func(s string) bool { return slices.Contains(scopes, s) })
}

// rfc3339 formats t the way the providers' APIs do.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
