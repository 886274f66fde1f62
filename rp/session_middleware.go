package rp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// RequireLogin lets signed-in requests through to next with the [User] on their context.
// Signed-out navigations are redirected to sign in and come back to the same path;
// API and XHR requests (Accept: application/json, X-Requested-With: XMLHttpRequest,
// a Sec-Fetch-Mode other than navigate, or a path under Config.Gateway.APIPathPrefixes) get 401 with a JSON
// error instead. Signed-in users whom an access rule (Config.Gateway.Rules) denies get
// 403 naming the rule. A path that servers read differently (dot-segments, ";", "\",
// encoded slashes; see gateway_path.go) gets 400 before anything else, also where no
// http.ServeMux cleans paths first. With bearer tokens on for a provider
// (ProviderConfig.Bearer), a request with "Authorization: Bearer" is decided by its
// token alone ([BearerConfig]): no session is looked at or made, and failures get RFC
// 6750 JSON answers, never a redirect. Requests on a public route
// (Config.Gateway.PublicRoutes) pass without a session: with the User on their context
// when someone is signed in and the rules allow them, without one otherwise (also
// when the session store is down).
func (p *RP) RequireLogin(next http.Handler) http.Handler {
	return p.requireLogin(next, false)
}

// requireLogin is RequireLogin; for the gateway (the proxy), which needs only what
// [RP.authenticateGateway] loads.
func (p *RP) requireLogin(next http.Handler, gateway bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		np, err := pathOf(r)
		if err != nil {
			p.writeError(w, r, err)
			return
		}
		public := p.publicRequest(r, np)
		if tok, present, tokErr := p.bearerToken(r); present {
			u, err := p.bearerCheck(r, tok, tokErr, np.decoded, nil)
			switch {
			case err == nil:
				next.ServeHTTP(w, r.WithContext(ContextWithUser(r.Context(), u)))
			case public:
				next.ServeHTTP(w, r) // public, without the identity the token failed to give
			default:
				p.writeBearerError(w, r, err)
			}
			return
		}
		authenticate := p.authenticate
		if gateway {
			authenticate = p.authenticateGateway
		}
		s, err := authenticate(w, r)
		if err != nil {
			if public {
				p.log.Warn("public route served without identity", "reason", err.Error())
				next.ServeHTTP(w, r)
				return
			}
			p.writeError(w, r, err)
			return
		}
		if s == nil {
			if public {
				next.ServeHTTP(w, r)
				return
			}
			p.signInFirst(w, r, np)
			return
		}
		u := userFromSession(s)
		if err := p.authorize(u, np.decoded, nil); err != nil {
			if public {
				// Public content, but not this user's identity: the rules do not allow it.
				next.ServeHTTP(w, r)
				return
			}
			p.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ContextWithUser(r.Context(), u)))
	})
}

// publicRequest reports whether a request rp handles itself is on a public route
// (GatewayConfig.PublicRoutes) or a CORS preflight let through.
func (p *RP) publicRequest(r *http.Request, np normalPath) bool {
	g := p.settings.gw
	if len(g.public) == 0 && !g.corsPreflight {
		return false
	}
	host := ""
	if g.needsHost() {
		host = p.requestHost(r)
	}
	return p.isPublic(r.Method, host, np.decoded, r.Header)
}

// Identify puts the [User] on the request context when someone is signed in, and passes
// every request on; access rules are not applied. With bearer tokens on for a provider
// (ProviderConfig.Bearer), a request with "Authorization: Bearer" is identified by its
// token alone, as [RP.RequireLogin] does: a valid token's User goes on the context (no
// session is looked at or made), and a token that fails gets the RFC 6750 answer (401
// invalid_token, 503 when it cannot be checked) rather than passing as anonymous, since
// the client asked to be someone.
func (p *RP) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, present, err := p.bearerToken(r); present {
			var u *User
			if err == nil {
				u, err = p.bearerUser(r.Context(), tok)
			}
			if err != nil {
				p.writeBearerError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(ContextWithUser(r.Context(), u)))
			return
		}
		s, err := p.authenticate(w, r)
		if err != nil {
			p.writeError(w, r, err)
			return
		}
		if s != nil {
			r = r.WithContext(ContextWithUser(r.Context(), userFromSession(s)))
		}
		next.ServeHTTP(w, r)
	})
}

// signInFirst answers a signed-out request to a protected resource.
func (p *RP) signInFirst(w http.ResponseWriter, r *http.Request, np normalPath) {
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) || p.isAPIPath(np.decoded) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="foyer"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Sign in first."})
		return
	}
	http.Redirect(w, r, "/auth/login?rd="+url.QueryEscape(SafeReturnPath(r.URL.RequestURI())), http.StatusFound)
}

// authenticate returns the request's live session (refreshed if needed), or nil when
// nobody is signed in. An error means the session store failed (503). It is the
// per-request path, in order, with its steps below it in this file: load the session,
// end it past its absolute lifetime or idle timeout, or when a logout revoked it
// ([RP.revoked]), note the activity ([RP.touchInterval]), refresh the tokens if due
// ([RP.maybeRefresh]) and save what changed ([RP.saveSession], or for the activity
// alone [SessionToucher.Touch]).
func (p *RP) authenticate(w http.ResponseWriter, r *http.Request) (*Session, error) {
	return p.authenticateAs(w, r, false)
}

// authenticateGateway is authenticate for forward auth and the proxy, which need
// the identity only: with the cookie store and unless an access rule reads other
// claims or the access token goes upstream, the session's tokens part is not
// decoded (a lazy session, see [Session.unpack]); userFromSession then builds a
// User without Claims.
func (p *RP) authenticateGateway(w http.ResponseWriter, r *http.Request) (*Session, error) {
	return p.authenticateAs(w, r, p.gatewayIdentityOnly)
}

// identityOnly reports whether the gateway needs nothing but a session's identity
// part: no rule reads other claims (or an unverified email), and the access token
// does not go upstream.
func (p *RP) identityOnly() bool {
	if p.settings.Gateway.PassAccessToken {
		return false
	}
	for _, cr := range p.settings.gw.rules {
		if len(cr.Claims) > 0 || cr.AllowUnverifiedEmail {
			return false
		}
	}
	return true
}

// authenticateAs is authenticate, with a lazy session when identityOnly is set and
// the store can give one.
func (p *RP) authenticateAs(w http.ResponseWriter, r *http.Request, identityOnly bool) (*Session, error) {
	var s *Session
	var err error
	checked, revoked := false, false
	switch cs, ok := p.store.(*CookieStore); {
	case ok:
		s = cs.load(r, identityOnly)
	case p.storeRevocations != nil:
		s, revoked, err = p.storeRevocations.LoadChecked(r)
		checked = true
	default:
		s, err = p.store.Load(r)
	}
	if err != nil {
		return nil, newError(http.StatusServiceUnavailable, "session_store_unavailable",
			"Sessions cannot be checked right now. Please try again in a moment.", err)
	}
	if s == nil {
		return nil, nil
	}
	s.identityOnly = identityOnly
	now := p.settings.Now()
	switch {
	case !now.Before(s.ExpiresAt):
		p.endSession(w, r, s, "absolute lifetime reached")
		return nil, nil
	case now.Sub(s.LastSeen) >= p.settings.IdleTimeout:
		p.endSession(w, r, s, "idle timeout")
		return nil, nil
	}
	if ended, err := p.revoked(r.Context(), s, checked, revoked); err != nil {
		return nil, newError(http.StatusServiceUnavailable, "session_store_unavailable",
			"Sessions cannot be checked right now. Please try again in a moment.", fmt.Errorf("revocation list: %w", err))
	} else if ended {
		p.endSession(w, r, s, "ended by logout")
		return nil, nil
	}
	if _, ok := p.providers[s.Provider]; !ok {
		p.endSession(w, r, s, "provider no longer configured")
		return nil, nil
	}
	touched := false
	if now.Sub(s.LastSeen) >= p.touchInterval() {
		s.LastSeen = now
		touched = true
	}
	refreshed, err := p.maybeRefresh(w, r, s)
	switch {
	case errors.Is(err, errSessionEnded):
		p.endSession(w, r, s, err.Error())
		return nil, nil
	case err != nil:
		p.log.Warn("token refresh failed; keeping the session", "session", shortID(s.ID), "reason", err.Error())
	}
	var saveErr error
	switch t, ok := p.store.(SessionToucher); {
	case refreshed || (touched && !ok):
		saveErr = p.saveSession(w, r, s, refreshed)
	case touched:
		saveErr = t.Touch(w, r, s)
	}
	if err := saveErr; err != nil {
		return nil, newError(http.StatusServiceUnavailable, "session_store_unavailable",
			"Sessions cannot be saved right now. Please try again in a moment.", err)
	}
	return s, nil
}

// revoked reports whether s was ended by a logout without being deleted. An error
// means the revocation list could not be read: fail closed. checked says the store
// looked the revocation list up as it loaded s ([RevocationLoader]), with the
// answer revokedByStore.
func (p *RP) revoked(ctx context.Context, s *Session, checked, revokedByStore bool) (bool, error) {
	if revokedByStore {
		return true, nil
	}
	if ended, err := p.signedOut.SessionEnded(ctx, s.ID); err != nil || ended {
		return ended, err
	}
	if checked {
		return false, nil
	}
	at, ok, err := p.revocations.RevokedAt(ctx, s.Issuer, s.SID, s.Subject)
	if err != nil {
		return false, err
	}
	return ok && !s.CreatedAt.After(at), nil
}

// touchInterval is how stale LastSeen may get before it is written again: re-saving on
// every request would cost a Set-Cookie each time.
func (p *RP) touchInterval() time.Duration {
	return max(p.settings.IdleTimeout/20, time.Second)
}

// A shared store's refresh lock is held for at most refreshLockTTL (a crashed holder
// cannot block a session longer) and waited for at most refreshLockWait.
const (
	refreshLockTTL  = 15 * time.Second
	refreshLockWait = 5 * time.Second
)

// maybeRefresh refreshes s's tokens when the access token expires within RefreshBefore
// and a refresh token exists. Concurrent requests of one session share one refresh
// (singleflight), and requests that arrive shortly after with the pre-refresh session
// reuse its result. It reports whether s changed; errSessionEnded means the provider
// refused (invalid_grant) or the refreshed ID token broke continuity.
func (p *RP) maybeRefresh(w http.ResponseWriter, r *http.Request, s *Session) (bool, error) {
	ctx := r.Context()
	if !s.hasRefreshToken() || s.Tokens.Expiry.IsZero() ||
		p.settings.Now().Before(s.Tokens.Expiry.Add(-p.settings.RefreshBefore)) {
		return false, nil
	}
	if err := s.unpack(); err != nil {
		return false, fmt.Errorf("%w: the session's tokens do not decode", errSessionEnded)
	}
	if t, ok := p.recentFor(s); ok {
		s.setTokens(t)
		return true, nil
	}
	v, err, _ := p.refreshes.Do(s.ID, func() (any, error) {
		if t, ok := p.recentFor(s); ok {
			return t, nil
		}
		ctx, cancel := withTimeout(context.WithoutCancel(ctx))
		defer cancel()
		locker, shared := p.store.(RefreshLocker)
		if shared {
			unlock, err := locker.LockWait(ctx, "refresh:"+s.ID, refreshLockTTL, refreshLockWait)
			if err != nil {
				return nil, fmt.Errorf("refresh lock: %w", err)
			}
			defer unlock()
			fresh, err := p.store.Load(r.WithContext(ctx))
			if err != nil {
				return nil, fmt.Errorf("reload session: %w", err)
			}
			switch {
			case fresh == nil || fresh.ID != s.ID:
				return nil, fmt.Errorf("%w: ended elsewhere while waiting to refresh", errSessionEnded)
			case fresh.Tokens.RefreshToken != s.Tokens.RefreshToken:
				return fresh.Tokens, nil // another replica refreshed it
			}
		}
		t, err := p.refresh(ctx, s)
		if err != nil {
			return nil, err
		}
		if shared {
			// Persist before the lock is released, so the next holder's re-read sees
			// the rotated refresh token.
			saved := *s
			saved.setTokens(t)
			if err := p.store.Save(w, r.WithContext(ctx), &saved); err != nil {
				return nil, fmt.Errorf("save refreshed session: %w", err)
			}
		}
		p.rememberRefresh(s, t)
		return t, nil
	})
	if err != nil {
		return false, err
	}
	s.setTokens(v.(Tokens))
	return true, nil
}

// saveSession saves s after a request used it. With a shared store (a RefreshLocker),
// a save that is not a refresh's takes the session's refresh lock and re-reads the
// stored session first, keeping its tokens if another replica refreshed them since s
// was loaded: writing s as loaded would put a rotated-out refresh token back.
func (p *RP) saveSession(w http.ResponseWriter, r *http.Request, s *Session, refreshed bool) error {
	locker, shared := p.store.(RefreshLocker)
	if !shared || refreshed {
		return p.store.Save(w, r, s)
	}
	ctx, cancel := withTimeout(r.Context())
	defer cancel()
	unlock, err := locker.LockWait(ctx, "refresh:"+s.ID, refreshLockTTL, refreshLockWait)
	if err != nil {
		return fmt.Errorf("refresh lock: %w", err)
	}
	defer unlock()
	r = r.WithContext(ctx)
	cur, err := p.store.Load(r)
	switch {
	case err != nil:
		return fmt.Errorf("reload session: %w", err)
	case cur == nil || cur.ID != s.ID:
		return nil // ended elsewhere meanwhile; the next request is signed out
	case cur.Tokens.RefreshToken != s.Tokens.RefreshToken:
		s.setTokens(cur.Tokens)
	}
	return p.store.Save(w, r, s)
}

// endSession deletes a session that is over.
func (p *RP) endSession(w http.ResponseWriter, r *http.Request, s *Session, why string) {
	p.log.Info("session ended", "session", shortID(s.ID), "reason", why)
	_ = p.store.Delete(w, r, s)
}

// errSessionEnded marks a session ended by the RP (refresh refused, continuity broken).
var errSessionEnded = errors.New("rp: session ended")
