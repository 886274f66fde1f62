package mockidp

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authRequest is a validated authorization request.
type authRequest struct {
	iss          string
	client       *Client
	redirectURI  string
	responseMode string
	state        string
	nonce        string
	scopes       []string
	challenge    string
	method       string
	loginHint    string
	prompt       map[string]bool
	maxAge       int // -1 when absent
	// deviceUserCode is set when the login form signs in for a device
	// (RFC 8628) rather than for an authorization request.
	deviceUserCode string
}

// pageError is an authorization error that must not be redirected
// (unknown client, missing or unregistered redirect URI): it is shown on an
// error page.
type pageError struct{ msg string }

func (e *pageError) Error() string { return e.msg }

// serveAuthorize handles the authorization endpoint (OpenID Connect Core
// 3.1.2), GET or POST.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request, iss string) {
	params, ok := p.browserParams(w, r, "The authorization request could not be read.")
	if !ok {
		return
	}
	params, pushed, msg := p.resolvePushed(params)
	if msg != "" {
		p.errorPage(w, r, http.StatusBadRequest, msg, nil)
		return
	}
	req, err := p.parseAuthRequest(params, iss)
	var pe *pageError
	switch {
	case errors.As(err, &pe):
		p.errorPage(w, r, http.StatusBadRequest, pe.msg, nil)
		return
	case err != nil:
		p.redirectError(w, r, req, asOAuthError(err))
		return
	case p.cfg.RequirePAR && !pushed:
		p.redirectError(w, r, req, newError(errInvalidRequest, "this provider requires pushed authorization requests (RFC 9126)"))
		return
	}
	p.authorize(w, r, req)
}

// parseAuthRequest validates params. Until client and redirect URI are
// known it returns *pageError; after that an *oauthError together with a
// request that has what an error redirect needs.
func (p *Provider) parseAuthRequest(params url.Values, iss string) (*authRequest, error) {
	if len(params["client_id"]) != 1 || params.Get("client_id") == "" {
		return nil, &pageError{"The request has no client_id (or more than one)."}
	}
	client := p.client(params.Get("client_id"))
	if client == nil {
		return nil, &pageError{"The client_id is not registered at this provider."}
	}
	if len(params["redirect_uri"]) != 1 || params.Get("redirect_uri") == "" {
		return nil, &pageError{"The request has no redirect_uri (or more than one)."}
	}
	req := &authRequest{iss: iss, client: client, redirectURI: params.Get("redirect_uri"), responseMode: "query", maxAge: -1}
	if !client.allowsRedirect(req.redirectURI) {
		return nil, &pageError{"The redirect_uri is not registered for this client."}
	}
	if len(params["state"]) == 1 {
		req.state = params.Get("state")
	}
	if m := params.Get("response_mode"); len(params["response_mode"]) == 1 && m == "form_post" {
		req.responseMode = m
	}
	v, err := singleValues(params)
	if err != nil {
		return req, err
	}
	switch v["response_mode"] {
	case "", "query", "form_post":
	default:
		return req, newError(errInvalidRequest, "unsupported response_mode")
	}
	switch rt := v["response_type"]; {
	case rt == "":
		return req, newError(errInvalidRequest, "response_type is required")
	case rt != "code":
		return req, newError(errUnsupportedResponseType, "only response_type=code is supported")
	}
	if req.scopes, err = parseScopes(v["scope"], p.scopesFor(client)); err != nil {
		return req, err
	}
	if err := p.appleResponseMode(req, params); err != nil {
		return req, err
	}
	if err := req.parsePKCE(v); err != nil {
		return req, err
	}
	if err := req.parsePrompt(v); err != nil {
		return req, err
	}
	if s, ok := v["max_age"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return req, newError(errInvalidRequest, "max_age must be a non-negative integer")
		}
		req.maxAge = n
	}
	if _, ok := v["request"]; ok {
		return req, newError("request_not_supported", "request objects are not supported")
	}
	if _, ok := v["request_uri"]; ok {
		return req, newError("request_uri_not_supported", "request_uri is not supported")
	}
	req.nonce, req.loginHint = v["nonce"], v["login_hint"]
	return req, nil
}

// parseScopes splits a scope parameter and checks every scope is known.
func parseScopes(s string, supported []string) ([]string, error) {
	scopes := strings.Fields(s)
	if len(scopes) == 0 {
		return nil, newError(errInvalidRequest, "scope is required")
	}
	for _, sc := range scopes {
		if !slices.Contains(supported, sc) {
			return nil, newError(errInvalidScope, "unknown scope %q", sc)
		}
	}
	slices.Sort(scopes)
	return slices.Compact(scopes), nil
}

func (req *authRequest) parsePKCE(v map[string]string) error {
	req.challenge, req.method = v["code_challenge"], v["code_challenge_method"]
	if req.challenge == "" {
		if req.method != "" {
			return newError(errInvalidRequest, "code_challenge_method without code_challenge")
		}
		if req.client.isPublic() {
			return newError(errInvalidRequest, "PKCE (code_challenge) is required for public clients")
		}
		return nil
	}
	if req.method == "" {
		req.method = "plain" // RFC 7636 4.3
	}
	if req.method != "S256" && req.method != "plain" {
		return newError(errInvalidRequest, "code_challenge_method must be S256 or plain")
	}
	if !validPKCEString(req.challenge) {
		return newError(errInvalidRequest, "code_challenge must be 43 to 128 unreserved characters")
	}
	return nil
}

func (req *authRequest) parsePrompt(v map[string]string) error {
	req.prompt = map[string]bool{}
	for _, pr := range strings.Fields(v["prompt"]) {
		switch pr {
		case "none", "login", "consent", "select_account":
			req.prompt[pr] = true
		default:
			return newError(errInvalidRequest, "unknown prompt value %q", pr)
		}
	}
	if req.prompt["none"] && len(req.prompt) > 1 {
		return newError(errInvalidRequest, "prompt=none cannot be combined with other values")
	}
	return nil
}

// validPKCEString checks RFC 7636 4.1: 43 to 128 characters of
// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func validPKCEString(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// authorize decides who signs in for a valid request: a queued login, the
// browser session, the auto login or the login form.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request, req *authRequest) {
	now := p.Now()
	if u, ok := p.takeQueued(req.client.ID, req.loginHint); ok {
		p.finish(w, r, req, p.startSession(w, req.iss, u, now))
		return
	}
	if !req.prompt["login"] && !req.prompt["select_account"] {
		if s := p.currentSession(r, now); s != nil && (req.maxAge < 0 || !now.After(s.authTime.Add(time.Duration(req.maxAge)*time.Second))) {
			p.finish(w, r, req, s)
			return
		}
	}
	if req.prompt["none"] {
		p.redirectError(w, r, req, newError(errLoginRequired, "the user is not signed in"))
		return
	}
	if p.cfg.Login == LoginAuto {
		p.finish(w, r, req, p.startSession(w, req.iss, p.userForHint(req.loginHint), now))
		return
	}
	p.showLogin(w, r, req, "")
}

// finish issues a code for the signed-in session and sends the
// authorization response.
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, req *authRequest, s *browserSession) {
	fault := p.faults.take(faultAuthorize, faultScope{clientID: req.client.ID, loginHint: req.loginHint})
	fault.sleep(r.Context())
	if fault != nil && fault.AuthError != "" {
		p.respond(w, r, req, url.Values{"error": {fault.AuthError}, "error_description": {"injected fault"}}, fault)
		return
	}
	now := p.Now()
	code := randomToken()
	g := &grant{clientID: req.client.ID, user: s.user, scopes: req.scopes, nonce: req.nonce, authTime: s.authTime, sid: s.sid,
		loginHint: req.loginHint}
	p.mu.Lock()
	p.codes[code] = &authCode{grant: g, redirectURI: req.redirectURI, challenge: req.challenge, method: req.method,
		expires: now.Add(p.cfg.CodeTTL)}
	s.clients[req.client.ID] = true
	p.noteInsertLocked(now)
	p.mu.Unlock()
	p.log.LogAttrs(r.Context(), levelFor(http.StatusOK), "authorized", slog.String("client_id", req.client.ID),
		slog.String("response_mode", req.responseMode))
	params := url.Values{"code": {code}}
	if u := p.appleUserField(req, s.user); u != "" {
		params.Set("user", u)
	}
	p.respond(w, r, req, params, fault)
}

// redirectError sends an error authorization response to the validated
// redirect URI.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, oe *oauthError) {
	fault := p.faults.take(faultAuthorize, faultScope{clientID: req.client.ID, loginHint: req.loginHint})
	fault.sleep(r.Context())
	p.log.LogAttrs(r.Context(), levelFor(oe.Status), "authorization failed", slog.String("client_id", req.client.ID),
		slog.String("error", oe.Code), slog.String("reason", causeText(oe)))
	p.respond(w, r, req, url.Values{"error": {oe.Code}, "error_description": {oe.Description}}, fault)
}

// respond adds state and iss (RFC 9207) to params, applies the fault's
// state and iss changes and sends them to the redirect URI by the
// request's response mode.
func (p *Provider) respond(w http.ResponseWriter, r *http.Request, req *authRequest, params url.Values, fault *Fault) {
	state, iss := req.state, req.iss
	if !p.sendsIssParam() {
		iss = ""
	}
	if fault != nil {
		state, iss = faultValue(state, fault.AuthState), faultValue(iss, fault.AuthIss)
	}
	if state != "" {
		params.Set("state", state)
	}
	if iss != "" {
		params.Set("iss", iss)
	}
	w.Header().Set("Cache-Control", "no-store")
	if req.responseMode == "form_post" {
		p.formPost(w, r, req.redirectURI, params)
		return
	}
	sep := "?"
	if strings.Contains(req.redirectURI, "?") {
		sep = "&"
	}
	http.Redirect(w, r, req.redirectURI+sep+params.Encode(), http.StatusFound)
}

func faultValue(v, f string) string {
	switch f {
	case "":
		return v
	case FaultOmit:
		return ""
	}
	return f
}

// takeQueued returns the next queued login for loginHint, else for
// clientID, else for any client, merged over the configured user with the
// same subject.
func (p *Provider) takeQueued(clientID, loginHint string) (User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q := p.queuedHint[loginHint]; loginHint != "" && len(q) > 0 {
		p.queuedHint[loginHint] = q[1:]
		return p.mergeUser(q[0]), true
	}
	for _, id := range []string{clientID, ""} {
		if q := p.queued[id]; len(q) > 0 {
			u := q[0]
			p.queued[id] = q[1:]
			return p.mergeUser(u), true
		}
	}
	return User{}, false
}

// mergeUser lays u's claims over those of the configured user with the
// same subject (if any).
func (p *Provider) mergeUser(u User) User {
	claims := map[string]any{}
	for _, c := range p.userList() {
		if c.Subject == u.Subject {
			for k, v := range c.Claims {
				claims[k] = v
			}
		}
	}
	for k, v := range u.Claims {
		claims[k] = v
	}
	return User{Subject: u.Subject, Claims: claims}
}

// userForHint returns the user named by hint (subject, preferred_username
// or email), else the first user.
func (p *Provider) userForHint(hint string) User {
	if hint != "" {
		for _, u := range p.userList() {
			if u.Subject == hint || u.Claims["preferred_username"] == hint || u.Claims["email"] == hint {
				return u
			}
		}
	}
	return p.userList()[0]
}

// QueueLogin makes the next sign-in of clientID ("" = any client) sign in
// u with no form shown, whatever the browser session. Claims of u are laid
// over those of the configured user with the same subject. Queued logins
// for a specific client are used before those for any client.
func (p *Provider) QueueLogin(clientID string, u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queued[clientID] = append(p.queued[clientID], u)
}

// QueueLoginHint is [Provider.QueueLogin] for the next sign-in whose
// authorization request carries login_hint loginHint, whatever the
// client, so that parallel tests sharing a client stay apart. Logins
// queued for a hint are used before those queued for a client.
func (p *Provider) QueueLoginHint(loginHint string, u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queuedHint[loginHint] = append(p.queuedHint[loginHint], u)
}
