package rp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

const (
	callbackPath = "/auth/callback"
	// maxFormBytes caps form bodies (callback form_post, logout).
	maxFormBytes = 64 << 10
)

// handleCallback finishes a sign-in: GET (query) or POST (form_post) /auth/callback.
func (p *RP) handleCallback(w http.ResponseWriter, r *http.Request) {
	start := p.settings.Now()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	params, err := callbackParams(w, r)
	if err != nil {
		p.signInOutcome(r, "", nil, err, start)
		p.writeError(w, r, err)
		return
	}
	ls, name := p.loginFor(r, params.Get("state"))
	if name != "" {
		p.cookies.set(w, name, "", 0, http.SameSiteLaxMode) // single use, whatever happens next
	}
	if ls == nil {
		p.signInOutcome(r, "", nil, lostLoginError(params), start)
		p.lostLogin(w, r, params)
		return
	}
	s, err := p.finishLogin(w, r, ls, params)
	p.signInOutcome(r, ls.Provider, s, err, start)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	p.cookies.set(w, p.cookies.name(retryCookie), "", 0, http.SameSiteLaxMode)
	http.Redirect(w, r, ls.Return, http.StatusSeeOther)
}

// callbackParams reads the authorization response: the query for GET, the body for POST.
// A parameter of the response given more than once is refused (RFC 6749 §3.1: parameters
// MUST NOT be included more than once), so that no two readers can disagree on it.
func callbackParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return nil, newError(http.StatusBadRequest, "invalid_request", "The sign-in answer was malformed.", fmt.Errorf("callback form: %w", err))
		}
		params = r.PostForm
	}
	for _, k := range []string{"state", "code", "error", "error_description"} { // iss: see finishLogin
		if len(params[k]) > 1 {
			return nil, newError(http.StatusBadRequest, "invalid_request", "The sign-in answer was malformed.",
				fmt.Errorf("callback: parameter %q given %d times", k, len(params[k])))
		}
	}
	return params, nil
}

// loginFor finds the login attempt that state belongs to. It returns the cookie name
// (to clear it) even when the attempt is unusable.
func (p *RP) loginFor(r *http.Request, state string) (*loginState, string) {
	if state == "" || len(state) > 512 {
		return nil, ""
	}
	name := p.loginCookieName(state)
	if _, err := r.Cookie(name); err != nil {
		return nil, ""
	}
	ls, err := p.loadLogin(r, name)
	if err != nil || p.settings.Now().Sub(ls.Created) > p.settings.LoginTTL ||
		subtle.ConstantTimeCompare([]byte(ls.State), []byte(state)) != 1 {
		return nil, name
	}
	return ls, name
}

// lostLogin handles a callback whose login attempt is unknown: missing or expired cookie
// (back button, tab left open, bookmarked callback), or a forged state. It restarts the
// sign-in once, guarded by a short-lived cookie, then shows a friendly page. It never
// redeems the code.
func (p *RP) lostLogin(w http.ResponseWriter, r *http.Request, params url.Values) {
	if e := params.Get("error"); e != "" {
		p.writeError(w, r, lostAuthError(e, params.Get("error_description")))
		return
	}
	retry := p.cookies.name(retryCookie)
	if _, err := r.Cookie(retry); err != nil && !wantsJSON(r) && len(p.order) > 0 {
		p.log.Info("sign-in attempt not found; restarting it once")
		p.cookies.set(w, retry, "1", time.Minute, http.SameSiteNoneMode) // also sent on a cross-site form_post
		target := "/auth/login"
		if len(p.order) == 1 {
			target += "?provider=" + url.QueryEscape(p.order[0])
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	p.cookies.set(w, retry, "", 0, http.SameSiteLaxMode)
	p.writeError(w, r, newError(http.StatusBadRequest, "login_expired",
		"This sign-in link has expired or was already used. Please start signing in again.",
		errors.New("callback: no matching login attempt (missing, expired or forged state)")))
}

// lostAuthError is authError for an error response that matches no sign-in of this
// browser: anyone can send it, so it is never a reason for a 5xx (which would page
// an operator); the user is told to start again.
func lostAuthError(code, description string) error {
	err := authError(code, description)
	var e *Error
	if errors.As(err, &e) && e.Status >= 500 {
		return newError(http.StatusBadRequest, "sign_in_failed",
			"The sign-in provider reported a problem. Please start signing in again.", e.Err)
	}
	return err
}

// errProviderAnswer marks an error the provider sent back to the callback (e.g. the
// person cancelled), as opposed to one of this site's checks; pages word them apart.
var errProviderAnswer = errors.New("provider returned error")

// authError turns an error response from the provider into plain words.
func authError(code, description string) error {
	err := fmt.Errorf("%w %q: %q", errProviderAnswer, truncate(code, 64), truncate(description, 200))
	switch code {
	case "access_denied":
		return newError(http.StatusForbidden, code, "Sign-in was cancelled or access was denied at the provider.", err)
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return newError(http.StatusUnauthorized, "login_required", "The provider needs you to sign in again.", err)
	case "temporarily_unavailable", "server_error":
		return newError(http.StatusBadGateway, "provider_error", "The sign-in provider had a problem. Please try again in a moment.", err)
	default:
		return newError(http.StatusBadRequest, "sign_in_failed", "The sign-in provider refused the request.", err)
	}
}

// finishLogin checks the authorization response, redeems the code, verifies the tokens
// and creates a fresh session.
func (p *RP) finishLogin(w http.ResponseWriter, r *http.Request, ls *loginState, params url.Values) (*Session, error) {
	prov, ok := p.providers[ls.Provider]
	if !ok {
		return nil, newError(http.StatusBadRequest, "unknown_provider", "That sign-in option no longer exists.",
			fmt.Errorf("%w: %q in login state", ErrUnknownProvider, ls.Provider))
	}
	m, err := prov.metadata()
	if err != nil {
		return nil, err
	}
	// RFC 9207: the iss parameter, when present (success or error), must be the issuer;
	// when the provider advertises it, it must be present. Checked before anything else.
	if iss, present := params["iss"]; present {
		if len(iss) != 1 || iss[0] != prov.cfg.Issuer {
			return nil, newError(http.StatusBadRequest, "issuer_mismatch", "The sign-in answer came from an unexpected provider.",
				fmt.Errorf("callback: iss parameter %q, want %q", truncate(params.Get("iss"), 100), prov.cfg.Issuer))
		}
	} else if m.issParameter {
		return nil, newError(http.StatusBadRequest, "issuer_mismatch", "The sign-in answer came from an unexpected provider.",
			errors.New("callback: iss parameter missing though the provider advertises it (RFC 9207)"))
	}
	if e := params.Get("error"); e != "" {
		return nil, authError(e, params.Get("error_description"))
	}
	code := params.Get("code")
	if code == "" {
		return nil, newError(http.StatusBadRequest, "invalid_request", "The sign-in answer was incomplete.", errors.New("callback: no code"))
	}
	ctx, cancel := withTimeout(r.Context())
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, prov.client) // p.client, or one that adds client assertions
	if m.social != nil {
		return p.finishOAuth2(w, r, ctx, prov, m, ls, code)
	}
	tok, err := m.oauth.Exchange(ctx, code, oauth2.VerifierOption(ls.Verifier))
	if err != nil {
		return nil, exchangeError(prov, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, invalidToken("token response has no id_token")
	}
	v, err := p.verifyIDToken(ctx, prov, m, rawID, expect{nonce: ls.Nonce, accessToken: tok.AccessToken})
	if err != nil {
		return nil, err
	}
	var extra map[string]any
	if m.userinfoURL != "" {
		ui, err := p.fetchUserInfo(ctx, prov, m, tok.AccessToken, v.token.Subject)
		if err != nil {
			return nil, err
		}
		extra = map[string]any{}
		for k, val := range ui {
			if _, inToken := v.claims[k]; !inToken {
				extra[k] = val
			}
		}
	}
	extra = p.quirkClaims(prov, params, v.claims, extra)
	if prov.cfg.Kind == KindEntra {
		if extra, err = p.entraOverage(ctx, prov, tok.AccessToken, v.claims, extra); err != nil {
			return nil, err
		}
	}
	if len(extra) == 0 {
		extra = nil
	}
	sid, _ := v.claims["sid"].(string)
	now := p.settings.Now()
	s := &Session{
		ID:        randomString(32), // always new: a pre-login session is never reused
		Provider:  prov.cfg.ID,
		Issuer:    prov.sessionIssuer(v.token.Issuer),
		Subject:   v.token.Subject,
		SID:       sid,
		Extra:     extra,
		CSRF:      randomString(32),
		CreatedAt: now,
		ExpiresAt: now.Add(p.settings.AbsoluteLifetime),
		LastSeen:  now,
		Tokens: Tokens{
			AccessToken:  tok.AccessToken,
			RefreshToken: tok.RefreshToken,
			IDToken:      rawID,
			Expiry:       tokenExpiry(tok, now),
		},
	}
	s.claims = v.claims // v is not used past this point: no copy
	maps.Copy(s.claims, extra)
	if err := p.saveNewSession(w, r, s); err != nil {
		return nil, err
	}
	return s, nil
}

// saveNewSession stores the session of a sign-in that has just succeeded.
func (p *RP) saveNewSession(w http.ResponseWriter, r *http.Request, s *Session) error {
	if _, cookies := p.store.(*CookieStore); !cookies {
		// A server-side store drops the previous session; cookies are simply overwritten.
		if old, err := p.store.Load(r); err == nil && old != nil {
			_ = p.store.Delete(w, r, old)
		}
	}
	if err := p.store.Save(w, r, s); err != nil {
		if errors.Is(err, ErrSessionTooLarge) {
			return fmt.Errorf("save session: %w", err)
		}
		return newError(http.StatusServiceUnavailable, "session_store_unavailable",
			"Your session could not be saved right now. Please try signing in again in a moment.", fmt.Errorf("save session: %w", err))
	}
	return nil
}

// exchangeError turns a failed token exchange into the error shown: no answer at all
// from the token endpoint (connection refused or reset, timeout) means the provider
// cannot be reached (503, as when discovery fails); an answer that is not a token
// response is a provider error (502).
func exchangeError(prov *provider, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && !errors.Is(err, errResponseTooLarge) {
		return newError(http.StatusServiceUnavailable, "provider_unavailable",
			fmt.Sprintf("%s cannot be reached right now, so signing in is not possible. Please try again in a minute.", prov.displayName()),
			fmt.Errorf("%w: token exchange: %w", ErrProviderUnavailable, err))
	}
	return providerError("token exchange", tokenError(err))
}

// tokenError keeps only the OAuth error code of a token endpoint failure: the response
// body is not logged.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("token endpoint status %d error %q", status, truncate(re.ErrorCode, 64))
	}
	return err
}

// lostLoginError is the outcome of a callback with no matching sign-in attempt.
func lostLoginError(params url.Values) error {
	if e := params.Get("error"); e != "" {
		return lostAuthError(e, params.Get("error_description"))
	}
	return newError(http.StatusBadRequest, "login_expired", "This sign-in link has expired or was already used.",
		errors.New("callback: no matching login attempt"))
}
