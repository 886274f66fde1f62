package rp

import (
	"errors"
	"fmt"
	"net/http"
)

// bearerCheck verifies the bearer token of a request (tok, or the error reading it
// gave) and applies the access rules at cleanPath (with extra, forward auth's query
// rules). It returns the user, or an error for writeBearerError.
func (p *RP) bearerCheck(r *http.Request, tok string, tokErr error, cleanPath string, extra *rule) (*User, error) {
	if tokErr != nil {
		return nil, tokErr
	}
	u, err := p.bearerUser(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if err := p.authorize(u, cleanPath, extra); err != nil {
		return nil, err
	}
	return u, nil
}

// writeBearerError answers a refused bearer request: RFC 6750 §3 (WWW-Authenticate
// with the error code, a JSON body), 503 when the token could not be checked, and for
// an access rule's denial 403 JSON. Never a redirect, never a cookie.
func (p *RP) writeBearerError(w http.ResponseWriter, r *http.Request, err error) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	var be *bearerError
	if !errors.As(err, &be) {
		var e *Error
		if !errors.As(err, &e) {
			e = newError(http.StatusInternalServerError, "server_error", "Something went wrong on our side.", err)
		}
		be = &bearerError{status: e.Status, code: e.Code, desc: e.Message, err: e.Err}
	}
	p.log.Warn("bearer request refused", "method", r.Method, "path", truncate(r.URL.Path, 200),
		"status", be.status, "code", be.code, "reason", errString(be.err))
	switch be.code {
	case "invalid_token", "invalid_request":
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="foyer", error=%q, error_description=%q`, be.code, be.desc))
	case "insufficient_scope":
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="foyer", error="insufficient_scope", scope=%q`, be.scope))
	}
	if be.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	body := map[string]string{"error": be.code, "error_description": be.desc}
	if be.scope != "" {
		body["scope"] = be.scope
	}
	writeJSON(w, be.status, body)
}
