package mockidp

import (
	"cmp"
	"net/http"
	"strings"
	"time"
)

// sessionCookie is the name of the provider's browser session cookie. Its
// path is the issuer's path, so it never reaches a relying party mounted on
// the same host at another path.
const sessionCookie = "mockidp_session"

// currentSession returns the live browser session of r, or nil.
func (p *Provider) currentSession(r *http.Request, now time.Time) *browserSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sessions[c.Value]
	if s == nil || s.ended || now.After(s.expires) {
		return nil
	}
	return s
}

// startSession signs user in for this browser: a new session and cookie.
func (p *Provider) startSession(w http.ResponseWriter, iss string, user User, now time.Time) *browserSession {
	s := &browserSession{
		iss:      iss,
		sid:      randomToken()[:22],
		user:     user,
		authTime: now.Truncate(time.Second),
		expires:  now.Add(p.cfg.SessionTTL),
		clients:  map[string]bool{},
	}
	value := randomToken()
	p.mu.Lock()
	p.sessions[value] = s
	p.bySID[s.sid] = s
	p.noteInsertLocked(now)
	p.mu.Unlock()
	http.SetCookie(w, p.cookie(iss, value, int(p.cfg.SessionTTL/time.Second)))
	return s
}

// clearSessionCookie removes the browser's session cookie.
func (p *Provider) clearSessionCookie(w http.ResponseWriter, iss string) {
	http.SetCookie(w, p.cookie(iss, "", -1))
}

func (p *Provider) cookie(iss, value string, maxAge int) *http.Cookie {
	path := p.issuerPath
	if path == "" {
		path = "/"
	}
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(cmp.Or(p.cfg.PublicURL, iss), "https://"),
	}
}
