package mockidp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds the parsed HTML templates; it is built once and only read.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// formPostScript is the only script the provider serves; its hash goes into
// the Content-Security-Policy of the form_post page.
const formPostScript = "document.forms[0].submit()"

var formPostCSP = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// pageCSP has no form-action: browsers apply it to the redirect after the
// login form's POST, which goes to the client's redirect URI.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

// render writes template name with data, or a plain 500 if it fails.
func render(w http.ResponseWriter, status int, csp, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows msg to the person (used where no redirect is allowed)
// and logs cause.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	reason := msg
	if cause != nil {
		reason = cause.Error()
	}
	p.log.LogAttrs(r.Context(), levelFor(status), "request refused", slog.String("path", r.URL.Path), slog.String("reason", reason))
	render(w, status, pageCSP, "message.html", map[string]string{"Title": "Request refused", "Message": msg, "TestID": "error"})
}

// messagePage shows an informational page; testID marks its heading for
// browser tests.
func messagePage(w http.ResponseWriter, title, msg, testID string) {
	render(w, http.StatusOK, pageCSP, "message.html", map[string]string{"Title": title, "Message": msg, "TestID": testID})
}

// formPost sends params to action by an auto-submitting form (OAuth 2.0
// Form Post Response Mode).
func (p *Provider) formPost(w http.ResponseWriter, action string, params url.Values) {
	render(w, http.StatusOK, formPostCSP, "formpost.html", map[string]any{"Action": action, "Params": params})
}

// pendingAuth is an authorization request waiting for the login form.
type pendingAuth struct {
	req     *authRequest
	expires time.Time
}

// pendingTTL is how long the login form stays usable.
const pendingTTL = 10 * time.Minute

type loginUser struct{ Subject, Name, Detail string }

// showLogin stores req and renders the login form for it.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request, req *authRequest, errMsg string) {
	id := randomToken()
	now := p.Now()
	p.mu.Lock()
	p.pending[id] = &pendingAuth{req: req, expires: now.Add(pendingTTL)}
	p.noteInsertLocked(now)
	p.mu.Unlock()
	p.renderLogin(w, http.StatusOK, req, id, errMsg, "", "")
}

func (p *Provider) renderLogin(w http.ResponseWriter, status int, req *authRequest, id, errMsg, sub, claims string) {
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
	render(w, status, pageCSP, "login.html", map[string]any{
		"ClientID": req.client.ID, "Action": action, "Request": id, "Users": users,
		"Error": errMsg, "Sub": sub, "Claims": claims,
	})
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
	case action == "deny":
		p.dropPending(id)
		p.redirectError(w, r, req, newError(errAccessDenied, "the user denied the request"))
		return
	case action == "custom":
		sub, raw := r.PostForm.Get("sub"), r.PostForm.Get("claims")
		u, err := customUser(sub, raw)
		if err != nil {
			p.renderLogin(w, http.StatusBadRequest, req, id, err.Error(), sub, raw)
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
			p.renderLogin(w, http.StatusBadRequest, req, id, "Pick one of the users below.", "", "")
			return
		}
	}
	if !p.dropPending(id) {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in request was already used. Start again from the application.", nil)
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
