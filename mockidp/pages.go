package mockidp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/foyer-oidc/foyer/internal/ui"
)

// pageKit is the look and the languages of the provider's pages: rp's
// stylesheet under the name "mockidp", the shared message catalogues.
var pageKit = func() struct {
	theme    *ui.Theme
	catalogs *ui.Catalogs
} {
	theme, err := ui.NewTheme(ui.Branding{}, "mockidp", "")
	if err != nil {
		panic(err) // built-in values; a test renders every page
	}
	cats, err := ui.LoadCatalogs(nil)
	if err != nil {
		panic(err)
	}
	return struct {
		theme    *ui.Theme
		catalogs *ui.Catalogs
	}{theme, cats}
}()

// formPostScript is the only script the provider serves; its hash goes into
// the Content-Security-Policy of the form_post page.
const formPostScript = "document.forms[0].submit()"

// locale picks the request's language from Accept-Language.
func locale(r *http.Request) *ui.Locale {
	return pageKit.catalogs.Match(r.Header.Get("Accept-Language"))
}

// render writes body as a page titled title, or a plain 500 if it fails. The
// CSP allows the stylesheet by hash, and script when it is not "" (its hash).
// It has no form-action: browsers apply it to the redirect after the login
// form's POST, which goes to the client's redirect URI.
func render(w http.ResponseWriter, r *http.Request, status int, l *ui.Locale, title, script string, body templ.Component) {
	csp := pageKit.theme.CSP()
	if script != "" {
		csp = pageKit.theme.CSPWithScript(script)
	}
	f := ui.Frame{Theme: pageKit.theme, Locale: l, Title: title}
	if err := ui.Render(w, r, status, csp, f, body); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// messageView is an informational or error page.
type messageView struct {
	Title, Text, Detail, TestID string
	Problem                     bool
}

// errorPage shows msg to the person (used where no redirect is allowed)
// and logs cause. msg is a developer's diagnostic, in English.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	reason := msg
	if cause != nil {
		reason = cause.Error()
	}
	p.log.LogAttrs(r.Context(), levelFor(status), "request refused", slog.String("path", r.URL.Path), slog.String("reason", reason))
	l := locale(r)
	v := messageView{Title: l.T("idp.error.heading"), Text: l.T("idp.error.text"), Detail: msg, TestID: "error", Problem: true}
	render(w, r, status, l, v.Title, "", messagePageBody(v))
}

// messagePage shows an informational page from two message keys; testID
// marks its heading for browser tests.
func messagePage(w http.ResponseWriter, r *http.Request, titleKey, textKey, testID string) {
	l := locale(r)
	v := messageView{Title: l.T(titleKey), Text: l.T(textKey), TestID: testID}
	render(w, r, http.StatusOK, l, v.Title, "", messagePageBody(v))
}

type formField struct{ Name, Value string }

// formPost sends params to action by an auto-submitting form (OAuth 2.0
// Form Post Response Mode).
func (p *Provider) formPost(w http.ResponseWriter, r *http.Request, action string, params url.Values) {
	var fields []formField
	for _, k := range slices.Sorted(maps.Keys(params)) {
		fields = append(fields, formField{k, params.Get(k)})
	}
	l := locale(r)
	render(w, r, http.StatusOK, l, l.T("idp.formpost.title"), formPostScript, formPostPage(l, action, fields))
}

// pendingAuth is an authorization request waiting for the login form.
type pendingAuth struct {
	req     *authRequest
	expires time.Time
}

// pendingTTL is how long the login form stays usable.
const pendingTTL = 10 * time.Minute

type loginUser struct{ Subject, Name, Detail string }

// loginView is what the login page shows.
type loginView struct {
	ClientID, Action, Request, Error, Sub, Claims string
	Users                                         []loginUser
}

// showLogin stores req and renders the login form for it.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request, req *authRequest, errMsg string) {
	id := randomToken()
	now := p.Now()
	p.mu.Lock()
	p.pending[id] = &pendingAuth{req: req, expires: now.Add(pendingTTL)}
	p.noteInsertLocked(now)
	p.mu.Unlock()
	p.renderLogin(w, r, http.StatusOK, req, id, errMsg, "", "")
}

func (p *Provider) renderLogin(w http.ResponseWriter, r *http.Request, status int, req *authRequest, id, errMsg, sub, claims string) {
	users := make([]loginUser, 0, len(p.userList()))
	for _, u := range p.userList() {
		lu := loginUser{Subject: u.Subject, Name: u.Subject}
		if n, ok := u.Claims["name"].(string); ok && n != "" {
			lu.Name, lu.Detail = n, u.Subject
		}
		if e, ok := u.Claims["email"].(string); ok && e != "" {
			lu.Detail = strings.TrimPrefix(lu.Detail+" · "+e, " · ")
		}
		users = append(users, lu)
	}
	action := strings.TrimSuffix(pathOf(req.iss), "/") + "/login" // under Entra's tenant path too
	l := locale(r)
	v := loginView{ClientID: req.client.ID, Action: action, Request: id, Users: users, Error: errMsg, Sub: sub, Claims: claims}
	render(w, r, status, l, l.T("idp.login.title"), "", loginPageBody(l, v))
}

// serveLogin handles the login form's POST: a configured user, a custom
// subject with claims, or a denial.
func (p *Provider) serveLogin(w http.ResponseWriter, r *http.Request, iss string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		p.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed.", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "The form could not be read.", err)
		return
	}
	id, now := r.PostForm.Get("request"), p.Now()
	p.mu.Lock()
	pa := p.pending[id]
	p.mu.Unlock()
	if pa == nil || now.After(pa.expires) {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in request is unknown or has expired. Start again from the application.", nil)
		return
	}
	req := pa.req
	var user User
	switch action := r.PostForm.Get("action"); {
	case action == "deny" && req.deviceUserCode != "":
		p.dropPending(id)
		p.approveDevice(w, r, iss, req.deviceUserCode, nil)
		return
	case action == "deny":
		p.dropPending(id)
		p.redirectError(w, r, req, newError(errAccessDenied, "the user denied the request"))
		return
	case action == "custom":
		sub, raw := r.PostForm.Get("sub"), r.PostForm.Get("claims")
		u, err := customUser(sub, raw)
		if err != nil {
			p.renderLogin(w, r, http.StatusBadRequest, req, id, err.Error(), sub, raw)
			return
		}
		user = u
	default:
		found := false
		for _, u := range p.userList() {
			if u.Subject == r.PostForm.Get("user") {
				user, found = u, true
			}
		}
		if !found {
			p.renderLogin(w, r, http.StatusBadRequest, req, id, "Pick one of the users below.", "", "")
			return
		}
	}
	if !p.dropPending(id) {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in request was already used. Start again from the application.", nil)
		return
	}
	if req.deviceUserCode != "" {
		p.approveDevice(w, r, iss, req.deviceUserCode, p.startSession(w, iss, user, now))
		return
	}
	p.finish(w, r, req, p.startSession(w, iss, user, now))
}

// dropPending removes a pending request and reports whether it was there.
func (p *Provider) dropPending(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.pending[id]
	delete(p.pending, id)
	return ok
}

// customUser builds the user of the form's custom section.
func customUser(sub, raw string) (User, error) {
	if sub == "" || len(sub) > 255 {
		return User{}, fmt.Errorf("the subject must have 1 to 255 characters")
	}
	claims := map[string]any{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &claims); err != nil || claims == nil {
			return User{}, fmt.Errorf("the extra claims must be a JSON object")
		}
	}
	for _, reserved := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash", "sid", "azp", "jti"} {
		delete(claims, reserved)
	}
	return User{Subject: sub, Claims: claims}, nil
}
