package rp

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// errorView is what an error page shows.
type errorView struct {
	Kind          string // errorKinds key, also in data-testid="error-<kind>"
	Heading, Text string
	Actions       []pageAction
	Message       string // Error.Message, plain English, under "More about this error"
	Code, Status  string
	When          string
}

// pageAction is a button: where it goes and what it says.
type pageAction struct{ ID, Href, Label string }

// errorKind is one kind of error page: heading and text (message keys, which
// may use {provider} and {app}) and the actions that fit, first the main one.
type errorKind struct {
	heading, text string
	actions       []string // "home", "sign_in", "retry_sign_in", "switch_account", "reload", "sign_out_page"
}

// errorKinds are the error pages; pageKind picks one for an *Error.
var errorKinds = map[string]errorKind{
	"not_found":      {"rp.error.not_found.heading", "rp.error.not_found.text", []string{"home"}},
	"cancelled":      {"rp.error.cancelled.heading", "rp.error.cancelled.text", []string{"retry_sign_in", "home"}},
	"forbidden":      {"rp.error.forbidden.heading", "rp.error.forbidden.text", []string{"home", "switch_account"}},
	"not_allowed":    {"rp.error.not_allowed.heading", "rp.error.not_allowed.text", []string{"switch_account", "home"}},
	"sign_in_again":  {"rp.error.sign_in_again.heading", "rp.error.sign_in_again.text", []string{"sign_in"}},
	"permission":     {"rp.error.permission.heading", "rp.error.permission.text", []string{"sign_in", "home"}},
	"expired":        {"rp.error.expired.heading", "rp.error.expired.text", []string{"sign_in", "home"}},
	"sign_in_failed": {"rp.error.sign_in_failed.heading", "rp.error.sign_in_failed.text", []string{"retry_sign_in", "home"}},
	"provider_down":  {"rp.error.provider_down.heading", "rp.error.provider_down.text", []string{"retry_sign_in", "home"}},
	"app_down":       {"rp.error.app_down.heading", "rp.error.app_down.text", []string{"reload", "home"}},
	"app_slow":       {"rp.error.app_slow.heading", "rp.error.app_slow.text", []string{"reload", "home"}},
	"busy":           {"rp.error.busy.heading", "rp.error.busy.text", []string{"reload", "home"}},
	"csrf":           {"rp.error.csrf.heading", "rp.error.csrf.text", []string{"sign_out_page", "home"}},
	"bad_request":    {"rp.error.bad_request.heading", "rp.error.bad_request.text", []string{"home"}},
	"server_error":   {"rp.error.server_error.heading", "rp.error.server_error.text", []string{"home"}},
}

// actionLabels are the message keys of the action buttons.
var actionLabels = map[string]string{
	"home":           "rp.action.home",
	"sign_in":        "rp.action.sign_in",
	"retry_sign_in":  "rp.action.retry_sign_in",
	"switch_account": "rp.action.switch_account",
	"reload":         "rp.action.reload",
	"sign_out_page":  "rp.action.sign_out_page",
}

// pageKind picks the error page for e: by its code, then by its status.
func pageKind(e *Error) string {
	switch e.Code {
	case "not_found":
		return "not_found"
	case "access_denied":
		if errors.Is(e, errProviderAnswer) {
			return "cancelled" // the provider answered access_denied: cancelled or refused there
		}
		return "forbidden" // a rule of this site refused the user
	case "not_allowed", "github_not_member":
		return "not_allowed"
	case "github_scope_missing":
		return "permission"
	case "login_required":
		return "sign_in_again"
	case "login_expired":
		return "expired"
	case "sign_in_failed", "issuer_mismatch", "unknown_provider", "invalid_token":
		return "sign_in_failed"
	case "provider_error", "provider_unavailable":
		return "provider_down"
	case "upstream_unavailable":
		if e.Status == http.StatusGatewayTimeout {
			return "app_slow"
		}
		return "app_down"
	case "session_store_unavailable", "unavailable":
		return "busy"
	case "csrf":
		return "csrf"
	}
	switch {
	case errors.Is(e, errNotAllowed):
		return "not_allowed" // the provider's account is not one this site accepts
	case e.Status == http.StatusNotFound:
		return "not_found"
	case e.Status == http.StatusForbidden:
		return "forbidden"
	case e.Status == http.StatusUnauthorized:
		return "sign_in_again"
	case e.Status >= 500:
		return "server_error"
	}
	return "bad_request"
}

// renderError shows e as a page in the request's language.
func (p *RP) renderError(w http.ResponseWriter, r *http.Request, e *Error) {
	l := p.locale(r)
	kind := pageKind(e)
	k := errorKinds[kind]
	provID := p.errorProvider(r)
	prov := l.T("rp.provider.generic")
	if provID != "" {
		prov = p.providerName(provID)
	}
	app := p.settings.pages.theme.AppName
	now := p.settings.Now()
	v := errorView{
		Kind:    kind,
		Heading: l.T(k.heading, "provider", prov, "app", app),
		Text:    l.T(k.text, "provider", prov, "app", app),
		Message: e.Message,
		Code:    e.Code,
		Status:  strconv.Itoa(e.Status),
		When:    l.Time(now, now),
	}
	_, signedIn := UserFromContext(r.Context())
	for _, id := range k.actions {
		a := pageAction{ID: id, Label: l.T(actionLabels[id], "provider", prov)}
		switch id {
		case "home":
			a.Href = "/"
		case "sign_in", "retry_sign_in":
			if signedIn {
				continue // never offer to sign in to someone who is
			}
			a.Href = loginHref(provID, p.errorReturn(r))
		case "switch_account", "sign_out_page":
			a.Href = "/auth/logout"
		case "reload":
			if r.Method != http.MethodGet && r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/auth/callback") {
				continue // a form or a one-time sign-in answer cannot be sent again
			}
			a.Href = samePage(r)
		}
		v.Actions = append(v.Actions, a)
	}
	p.renderPage(w, r, e.Status, l, v.Heading, errorPage(l, v))
}

// errorProvider is the provider an error page is about: the signed-in user's,
// the one the request names, or the only one; "" when it cannot be told.
func (p *RP) errorProvider(r *http.Request) string {
	if u, ok := UserFromContext(r.Context()); ok {
		return u.Provider
	}
	if id := r.URL.Query().Get("provider"); id != "" {
		if _, ok := p.providers[id]; ok {
			return id
		}
	}
	if len(p.order) == 1 {
		return p.order[0]
	}
	return ""
}

// errorReturn is where a new sign-in from an error page should land: the rd of a
// failed /auth/login, else the start page (a callback's own URL is useless).
func (p *RP) errorReturn(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/auth/") {
		return p.safeReturn(r.URL.Query().Get("rd"))
	}
	return p.safeReturn(r.URL.RequestURI())
}

// samePage is a link to the request's own path and query on this site: never
// "//host" (another site) or a backslash form browsers read as one.
func samePage(r *http.Request) string {
	u := url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	s := u.RequestURI()
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	return s
}
