package mockidp

import (
	"errors"
	"net/http"
	"net/url"
	"time"
)

// Pushed authorization requests (RFC 9126), served when Config.PAR is set:
// the client posts the authorization request's parameters to /par,
// authenticated as at the token endpoint, and gets a one-time request_uri
// that /authorize takes (with client_id) instead of the parameters.

// parTTL is the lifetime of a request_uri (RFC 9126 2.2 suggests 5 to 600 s).
const parTTL = 60 * time.Second

// requestURIPrefix starts every request_uri (RFC 9126 2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// pushedAuth is a pushed authorization request.
type pushedAuth struct {
	params   url.Values
	clientID string
	expires  time.Time
	used     bool // guarded by Provider.mu
}

// servePAR handles the pushed authorization request endpoint (RFC 9126 2).
func (p *Provider) servePAR(w http.ResponseWriter, r *http.Request, iss string) {
	p.serveClientEndpoint(w, r, iss, "par", http.StatusCreated, func(form map[string]string, c *Client) (map[string]any, error) {
		fault, err := p.takeFault(w, r, faultPAR, faultScope{clientID: c.ID, loginHint: form["login_hint"]})
		if err != nil {
			return nil, err
		}
		if _, ok := form["request_uri"]; ok {
			return nil, newError(errInvalidRequest, "request_uri is not allowed in a pushed authorization request")
		}
		params := url.Values{}
		for k, v := range form {
			switch k {
			case "client_secret", "client_assertion", "client_assertion_type":
				continue // client authentication, not part of the request
			}
			params.Set(k, v)
		}
		params.Set("client_id", c.ID)
		if _, err := p.parseAuthRequest(params, iss); err != nil {
			var pe *pageError
			if errors.As(err, &pe) {
				return nil, newError(errInvalidRequest, "%s", pe.msg)
			}
			return nil, err
		}
		now := p.Now()
		uri := requestURIPrefix + randomToken()
		if fault == nil || !fault.PARUnknownRequestURI {
			p.mu.Lock()
			p.pushed[uri] = &pushedAuth{params: params, clientID: c.ID, expires: now.Add(parTTL)}
			p.noteInsertLocked(now)
			p.mu.Unlock()
		}
		return map[string]any{"request_uri": uri, "expires_in": int64(parTTL / time.Second)}, nil
	})
}

// resolvePushed replaces an authorization request that names a pushed
// request (request_uri) by that request's parameters, once. It returns the
// parameters to use and whether they were pushed, or a message for the
// error page (never a redirect: nothing in such a request can be trusted).
func (p *Provider) resolvePushed(params url.Values) (url.Values, bool, string) {
	if !p.cfg.PAR || !params.Has("request_uri") {
		return params, false, ""
	}
	if len(params["request_uri"]) != 1 || len(params["client_id"]) != 1 {
		return nil, false, "A request_uri needs exactly one client_id and one request_uri."
	}
	now := p.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	pa := p.pushed[params.Get("request_uri")]
	switch {
	case pa == nil:
		return nil, false, "The request_uri is unknown."
	case pa.clientID != params.Get("client_id"):
		return nil, false, "The request_uri was pushed by another client."
	case pa.used:
		return nil, false, "The request_uri was already used."
	case !now.Before(pa.expires):
		return nil, false, "The request_uri has expired."
	}
	pa.used = true
	return pa.params, true, ""
}
