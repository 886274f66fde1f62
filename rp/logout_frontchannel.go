package rp

import "net/http"

// handleFrontchannelLogout implements OpenID Connect Front-Channel Logout 1.0:
// GET /auth/frontchannel-logout?iss=ISSUER&sid=SID, loaded by the provider in an
// iframe. The sessions of that provider session end (deleted from a server-side store
// with an index, revoked for cookie sessions). A request naming no configured issuer,
// or no sid, changes nothing and gets 400. The page may be framed.
func (p *RP) handleFrontchannelLogout(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	q := r.URL.Query()
	iss, sid := q.Get("iss"), q.Get("sid")
	known := false
	for _, prov := range p.providers {
		known = known || (iss != "" && prov.cfg.Issuer == iss)
	}
	if !known || sid == "" || len(sid) > 256 {
		p.log.Warn("front-channel logout ignored", "reason", "unknown iss or no sid")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<!doctype html><title>Logout</title><p>Unknown logout request.</p>"))
		return
	}
	if err := p.endNamedSessions(r.Context(), iss, sid, "", p.settings.Now()); err != nil {
		p.log.Error("front-channel logout failed", "reason", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<!doctype html><title>Logout</title><p>Try again later.</p>"))
		return
	}
	p.log.Info("front-channel logout")
	_, _ = w.Write([]byte("<!doctype html><title>Logout</title><p>Signed out.</p>"))
}
