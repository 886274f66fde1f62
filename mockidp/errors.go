package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// OAuth 2.0 and OpenID Connect error codes used on the wire.
const (
	errInvalidRequest          = "invalid_request"
	errInvalidClient           = "invalid_client"
	errInvalidGrant            = "invalid_grant"
	errUnauthorizedClient      = "unauthorized_client"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errAccessDenied            = "access_denied"
	errLoginRequired           = "login_required"
	errServerError             = "server_error"
	errInvalidToken            = "invalid_token"
	errInsufficientScope       = "insufficient_scope"
)

// oauthError is an error with its RFC 6749 code, a description safe to
// show to the client and the HTTP status. Err holds the technical cause
// for the log.
type oauthError struct {
	Code        string
	Description string
	Status      int
	Err         error
}

func (e *oauthError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Description, e.Err)
	}
	return e.Code + ": " + e.Description
}

func (e *oauthError) Unwrap() error { return e.Err }

// newError returns an oauthError with the status RFC 6749 gives its code.
func newError(code, format string, args ...any) *oauthError {
	status := http.StatusBadRequest
	switch code {
	case errInvalidClient, errInvalidToken:
		status = http.StatusUnauthorized
	case errInsufficientScope:
		status = http.StatusForbidden
	case errServerError:
		status = http.StatusInternalServerError
	}
	return &oauthError{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// asOAuthError turns any error into an oauthError (server_error when it is
// not one already).
func asOAuthError(err error) *oauthError {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe
	}
	return &oauthError{Code: errServerError, Description: "internal error", Status: http.StatusInternalServerError, Err: err}
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeOAuthError is the one place that turns an error from a JSON endpoint
// (token, revocation, introspection, userinfo) into an HTTP response and a
// log line. The log line names the endpoint, client and error code only.
func (p *Provider) writeOAuthError(w http.ResponseWriter, r *http.Request, endpoint, clientID string, err error) {
	oe := asOAuthError(err)
	p.log.LogAttrs(r.Context(), levelFor(oe.Status), "request failed",
		slog.String("endpoint", endpoint), slog.String("client_id", clientID),
		slog.String("error", oe.Code), slog.String("reason", causeText(oe)))
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	switch {
	case endpoint == "userinfo" && (oe.Code == errInvalidToken || oe.Code == errInsufficientScope):
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer error=%q, error_description=%q`, oe.Code, oe.Description))
	case endpoint == "userinfo" && oe.Status == http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="mockidp"`)
	case oe.Code == errInvalidClient:
		h.Set("WWW-Authenticate", `Basic realm="mockidp"`)
	}
	writeJSON(w, oe.Status, map[string]string{"error": oe.Code, "error_description": oe.Description})
}

// causeText is the technical reason for the log: the wrapped error when
// there is one, else the description.
func causeText(oe *oauthError) string {
	if oe.Err != nil {
		return oe.Err.Error()
	}
	return oe.Description
}
