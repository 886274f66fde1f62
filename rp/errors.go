package rp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Sentinel errors that callers can match with [errors.Is].
var (
	// ErrProviderUnavailable means the provider's discovery document or keys
	// could not be fetched yet; sign-ins are answered with 503 until it can.
	ErrProviderUnavailable = errors.New("rp: provider unavailable")
	// ErrUnknownProvider means a request named a provider id that is not configured.
	ErrUnknownProvider = errors.New("rp: unknown provider")
	// ErrInvalidToken means an ID token, or a userinfo response, failed verification.
	ErrInvalidToken = errors.New("rp: invalid token")
)

// Error is an error with what the person should read and the HTTP status that fits.
// The wrapped Err carries the technical reason, which is logged but never shown.
type Error struct {
	// Status is the HTTP status code of the response.
	Status int
	// Code is a short machine-readable code, used in JSON responses (e.g. "access_denied").
	Code string
	// Message is a plain-words explanation for the person.
	Message string
	// Err is the technical cause; it is logged, never shown.
	Err error
}

// Error returns the message followed by the technical cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "rp: " + e.Message
	}
	return fmt.Sprintf("rp: %s: %v", e.Message, e.Err)
}

// Unwrap returns the technical cause.
func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error.
func newError(status int, code, message string, err error) *Error {
	return &Error{Status: status, Code: code, Message: message, Err: err}
}

// wantsJSON reports whether the client asked for a JSON answer rather than a page:
// an Accept header naming application/json, X-Requested-With: XMLHttpRequest, or a
// non-navigation fetch.
func wantsJSON(r *http.Request) bool {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		return true
	}
	// Set by jQuery and many script libraries: a script cannot follow a redirect to
	// the provider's login page.
	if strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return true
	}
	mode := r.Header.Get("Sec-Fetch-Mode")
	return mode != "" && mode != "navigate"
}

// writeError is the one place that turns an error into an HTTP response.
// It logs one line with the technical reason and shows plain words.
func (p *RP) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = newError(http.StatusInternalServerError, "server_error", "Something went wrong on our side. Please try again.", err)
	}
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	p.log.LogAttrs(r.Context(), level, "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", e.Status), slog.String("code", e.Code), slog.String("reason", errString(e.Err)))
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	if wantsJSON(r) {
		writeJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Message})
		return
	}
	p.renderError(w, r, e)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// truncate shortens untrusted input before it is logged.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// providerError reports a failed call to the provider as 502.
func providerError(what string, err error) error {
	return newError(http.StatusBadGateway, "provider_error",
		"The sign-in provider did not answer properly. Please try again in a moment.",
		fmt.Errorf("%s: %w", what, err))
}

// unavailable reports a failing store as 503.
func unavailable(err error) error {
	return newError(http.StatusServiceUnavailable, "unavailable", "This cannot be done right now. Please try again in a moment.", err)
}
