package rp

import (
	"net/http"
	"net/url"
)

// handleVerify answers forward-auth subrequests: nginx auth_request, Traefik
// ForwardAuth and Caddy forward_auth ask GET /auth/verify whether the request they
// hold may pass, copying its cookies (and, from Traefik and Caddy, its other headers).
//
//   - Signed in and allowed by the access rules: 200 with the identity headers
//     (X-Forwarded-User, -Email, -Preferred-Username, -Groups), the signed assertion
//     when configured, and "Authorization: Bearer" when
//     Config.Gateway.PassAccessToken is set.
//   - Signed in but denied by a rule: 403 (a page or JSON) naming the rule.
//   - On a public route (Config.Gateway.PublicRoutes; method, host and path as a
//     trusted proxy reports them): 200, with the identity headers only when someone is
//     signed in and allowed.
//   - With "Authorization: Bearer" and bearer tokens on (ProviderConfig.Bearer): the
//     token decides, as in [RP.RequireLogin]; 200 with the identity headers, or an
//     RFC 6750 answer (401, 403, 400; 503 when it cannot be checked).
//   - Signed out: 401 with a JSON error, or a 302 to sign in that comes back to the
//     original URL, when redirecting was asked for (?redirect=1,
//     Config.Gateway.ForwardAuthRedirect, or Traefik/Caddy headers from a trusted
//     proxy) and the original request was a page navigation.
//
// The original URL, method and path come from X-Forwarded-*, X-Original-* and
// Forwarded headers only when the peer is a trusted proxy ([RP.originOf]). An original
// path that servers read differently ([normalizePath]) gets 400.
// Per-request rules may be given in the query: allowed_groups, allowed_emails,
// allowed_email_domains (comma-separated); they can only narrow access.
func (p *RP) handleVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	extra, err := queryRule(r)
	if err != nil {
		p.writeError(w, r, newError(http.StatusBadRequest, "invalid_request", "This forward-auth request has malformed rules.", err))
		return
	}
	o := p.originOf(r)
	if o.pathErr != nil {
		p.writeError(w, r, ambiguousPathError(o.pathErr))
		return
	}
	public := p.isPublic(o.method, o.host, o.path, r.Header)
	if tok, present, tokErr := p.bearerToken(r); present {
		u, err := p.bearerCheck(r, tok, tokErr, o.path, extra)
		switch {
		case err == nil:
			p.setUpstreamHeaders(w.Header(), u)
			w.WriteHeader(http.StatusOK)
		case public:
			w.WriteHeader(http.StatusOK)
		default:
			p.writeBearerError(w, r, err)
		}
		return
	}
	s, err := p.authenticateGateway(w, r)
	switch {
	case err != nil && public:
		p.log.Warn("public route allowed without identity", "reason", err.Error())
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		p.writeError(w, r, err)
		return
	case s == nil && public:
		w.WriteHeader(http.StatusOK)
		return
	case s == nil:
		p.verifySignedOut(w, r, o)
		return
	}
	u := userFromSession(s)
	if err := p.authorize(u, o.path, extra); err != nil {
		if public {
			w.WriteHeader(http.StatusOK) // public, but without an identity the rules refuse
			return
		}
		p.writeError(w, r, err)
		return
	}
	p.setUpstreamHeaders(w.Header(), u)
	w.WriteHeader(http.StatusOK)
}

// verifySignedOut answers forward auth for a signed-out request.
func (p *RP) verifySignedOut(w http.ResponseWriter, r *http.Request, o origin) {
	q := r.URL.Query().Get("redirect")
	redirect := q == "1" || q == "true" || (q == "" && (p.settings.Gateway.ForwardAuthRedirect || o.styled))
	navigation := o.method == "" || o.method == http.MethodGet || o.method == http.MethodHead
	if !redirect || !navigation || wantsJSON(r) || p.isAPIPath(o.path) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="foyer"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Sign in first."})
		return
	}
	login := *p.settings.public
	login.Path = "/auth/login"
	login.RawQuery = url.Values{"rd": {p.returnTo(o)}}.Encode()
	http.Redirect(w, r, login.String(), http.StatusFound)
}

// isAPIPath reports whether a cleaned path is under one of Config.Gateway.APIPathPrefixes:
// signed-out requests there get 401 JSON, never a redirect.
func (p *RP) isAPIPath(cleanPath string) bool {
	for _, pfx := range p.settings.gw.apiPrefixes {
		if len(cleanPath) >= len(pfx) && cleanPath[:len(pfx)] == pfx {
			return true
		}
	}
	return false
}
