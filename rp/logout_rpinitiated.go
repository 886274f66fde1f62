package rp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

const (
	logoutCookie   = "foyer_logout"
	loggedOutPath  = "/auth/logout/done"
	logoutStateTTL = 10 * time.Minute
)

// handleLogoutPage shows a sign-out button: GET /auth/logout. Signing out takes a POST
// with the form's CSRF token, so a cross-site link cannot sign anyone out.
func (p *RP) handleLogoutPage(w http.ResponseWriter, r *http.Request) {
	s, err := p.authenticate(w, r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	l := p.locale(r)
	v := logoutView{App: p.settings.pages.theme.AppName}
	if s != nil {
		v.User, v.CSRF = userFromSession(s), s.CSRF
		v.Who, v.Provider = greeting(v.User), p.providerName(s.Provider)
		if prov, ok := p.providers[s.Provider]; ok {
			if m, err := prov.metadata(); err == nil && m.endSession != "" {
				v.ProviderToo = true
			}
		}
	}
	p.renderPage(w, r, http.StatusOK, l, l.T("rp.logout.title"), logoutPage(l, v))
}

// handleLogout signs out: POST /auth/logout with the CSRF token. It ends the session and,
// when the provider has an end_session_endpoint, sends the browser there with
// id_token_hint, client_id, post_logout_redirect_uri and state (RP-Initiated Logout 1.0).
func (p *RP) handleLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.writeError(w, r, newError(http.StatusBadRequest, "invalid_request", "The sign-out form was malformed.", err))
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != p.settings.public.String() {
		p.writeError(w, r, newError(http.StatusForbidden, "csrf", "Sign-out must be started from this site.",
			errors.New("logout: cross-origin request from "+truncate(o, 100))))
		return
	}
	s, err := p.store.Load(r)
	if err != nil {
		p.writeError(w, r, newError(http.StatusServiceUnavailable, "session_store_unavailable", "Sessions cannot be checked right now.", err))
		return
	}
	if s == nil {
		http.Redirect(w, r, loggedOutPath, http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF)) != 1 {
		p.writeError(w, r, newError(http.StatusForbidden, "csrf", "This sign-out form has expired. Please open the sign-out page again.",
			errors.New("logout: CSRF token missing or wrong")))
		return
	}
	// Remembered before the cookie is cleared: if it cannot be, the user is told and
	// can try again, rather than leave behind a copy that still works.
	if err := p.signedOut.EndSession(r.Context(), s.ID, s.ExpiresAt); err != nil {
		p.writeError(w, r, newError(http.StatusServiceUnavailable, "session_store_unavailable", "Signing out failed. Please try again.",
			fmt.Errorf("logout: remember the sign-out: %w", err)))
		return
	}
	if err := p.store.Delete(w, r, s); err != nil {
		p.writeError(w, r, newError(http.StatusServiceUnavailable, "session_store_unavailable", "Signing out failed. Please try again.", err))
		return
	}
	p.log.Info("signed out", "provider", s.Provider, "session", shortID(s.ID))
	target := loggedOutPath
	if prov, ok := p.providers[s.Provider]; ok {
		if m, err := prov.metadata(); err == nil && m.endSession != "" {
			if u, err := url.Parse(m.endSession); err == nil {
				state := randomString(24)
				p.cookies.set(w, p.cookies.name(logoutCookie), state, logoutStateTTL, http.SameSiteLaxMode)
				q := u.Query()
				if s.Tokens.IDToken != "" {
					q.Set("id_token_hint", s.Tokens.IDToken)
				}
				q.Set("client_id", prov.cfg.ClientID)
				q.Set("post_logout_redirect_uri", p.settings.public.String()+loggedOutPath)
				q.Set("state", state)
				u.RawQuery = q.Encode()
				target = u.String()
			}
		}
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleLoggedOut is where the provider sends the browser back: GET /auth/logout/done.
// A missing or different state is not treated as a confirmed provider sign-out; the
// local session is gone either way.
func (p *RP) handleLoggedOut(w http.ResponseWriter, r *http.Request) {
	name := p.cookies.name(logoutCookie)
	confirmed := false
	if c, err := r.Cookie(name); err == nil {
		st := r.URL.Query().Get("state")
		confirmed = st != "" && subtle.ConstantTimeCompare([]byte(st), []byte(c.Value)) == 1
		p.cookies.set(w, name, "", 0, http.SameSiteLaxMode)
	}
	l := p.locale(r)
	v := signedOutView{App: p.settings.pages.theme.AppName, ProviderToo: confirmed}
	p.renderPage(w, r, http.StatusOK, l, l.T("rp.signed_out.title"), signedOutPage(l, v))
}
