package rp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// RequireLogin lets signed-in requests through to next with the [User] on their context.
// Signed-out navigations are redirected to sign in and come back to the same path;
// API and XHR requests (Accept: application/json, a Sec-Fetch-Mode other than
// navigate, or a path under Config.APIPathPrefixes) get 401 with a JSON error instead.
// Signed-in users whom an access rule (Config.Rules) denies get 403 naming the rule.
func (p *RP) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := p.authenticate(w, r)
		if err != nil {
			p.writeError(w, r, err)
			return
		}
		if s == nil {
			p.signInFirst(w, r)
			return
		}
		u := userFromSession(s)
		if err := p.authorize(u, requestPath(r), nil); err != nil {
			p.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ContextWithUser(r.Context(), u)))
	})
}

// Identify puts the [User] on the request context when someone is signed in, and passes
// every request on.
func (p *RP) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
func (p *RP) signInFirst(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) || p.isAPIPath(requestPath(r)) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="foyer"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Sign in first."})
		return
	}
	http.Redirect(w, r, "/auth/login?rd="+url.QueryEscape(SafeReturnPath(r.URL.RequestURI())), http.StatusFound)
}

// authenticate returns the request's live session (refreshed if needed), or nil when
// nobody is signed in. An error means the session store failed (503).
func (p *RP) authenticate(w http.ResponseWriter, r *http.Request) (*Session, error) {
	s, err := p.store.Load(r)
	if err != nil {
		return nil, newError(http.StatusServiceUnavailable, "session_store_unavailable",
			"Sessions cannot be checked right now. Please try again in a moment.", err)
	}
	if s == nil {
		return nil, nil
	}
	now := p.s.Now()
	switch {
	case !now.Before(s.ExpiresAt):
		p.endSession(w, r, s, "absolute lifetime reached")
		return nil, nil
	case now.Sub(s.LastSeen) >= p.s.IdleTimeout:
		p.endSession(w, r, s, "idle timeout")
		return nil, nil
	}
	if ended, err := p.revoked(r.Context(), s); err != nil {
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
	dirty := false
	if now.Sub(s.LastSeen) >= p.touchInterval() {
		s.LastSeen = now
		dirty = true
	}
	refreshed, err := p.maybeRefresh(w, r, s)
	switch {
	case errors.Is(err, errSessionEnded):
		p.endSession(w, r, s, err.Error())
		return nil, nil
	case err != nil:
		p.log.Warn("token refresh failed; keeping the session", "session", shortID(s.ID), "reason", err.Error())
	case refreshed:
		dirty = true
	}
	if dirty {
		if err := p.saveSession(w, r, s, refreshed); err != nil {
			return nil, newError(http.StatusServiceUnavailable, "session_store_unavailable",
				"Sessions cannot be saved right now. Please try again in a moment.", err)
		}
	}
	return s, nil
}

// touchInterval is how stale LastSeen may get before it is written again: re-saving on
// every request would cost a Set-Cookie each time.
func (p *RP) touchInterval() time.Duration {
	return max(p.s.IdleTimeout/20, time.Second)
}

// endSession deletes a session that is over.
func (p *RP) endSession(w http.ResponseWriter, r *http.Request, s *Session, why string) {
	p.log.Info("session ended", "session", shortID(s.ID), "reason", why)
	_ = p.store.Delete(w, r, s)
}

// handleUserInfo answers GET /auth/userinfo with the signed-in user as JSON.
func (p *RP) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s, err := p.authenticate(w, r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Nobody is signed in."})
		return
	}
	writeJSON(w, http.StatusOK, userFromSession(s))
}
