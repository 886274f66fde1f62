package rp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// handleBackchannelLogout implements OpenID Connect Back-Channel Logout 1.0:
// POST /auth/backchannel-logout with a logout_token. go-oidc's VerifyLogout checks the
// signature, iss, aud, exp, the events claim, sid or sub, and no nonce; rp adds the iat
// window and jti replay. Sessions named by (iss, sid) or (iss, sub) that started before
// the logout are ended on their next request. 200 on success, 400 otherwise.
func (p *RP) handleBackchannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.backchannelFail(w, r, fmt.Errorf("form: %w", err))
		return
	}
	if err := p.backchannelLogout(r); err != nil {
		p.backchannelFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (p *RP) backchannelFail(w http.ResponseWriter, r *http.Request, err error) {
	p.log.Warn("back-channel logout rejected", "reason", err.Error())
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The logout token is not valid."})
}

func (p *RP) backchannelLogout(r *http.Request) error {
	raw := r.PostForm.Get("logout_token")
	if raw == "" {
		return errors.New("no logout_token")
	}
	jws, err := jose.ParseSigned(raw, toJoseAlgs(asymmetricAlgs))
	if err != nil {
		return fmt.Errorf("logout token: %w", err)
	}
	var peek struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &peek); err != nil {
		return fmt.Errorf("logout token payload: %w", err)
	}
	var errs []error
	for _, id := range p.order {
		prov := p.providers[id]
		if prov.cfg.Issuer != peek.Iss {
			continue
		}
		m, err := prov.metadata()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lt, err := m.verifier.VerifyLogout(r.Context(), raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		now := p.s.Now()
		switch {
		case lt.IssuedAt.IsZero():
			return errors.New("logout token has no iat")
		case lt.IssuedAt.After(now.Add(p.s.ClockSkew)):
			return errors.New("logout token iat is in the future")
		case now.Sub(lt.IssuedAt) > p.s.MaxTokenAge:
			return errors.New("logout token is too old")
		}
		if !p.revoked.firstUse(lt.Issuer+"\x00"+lt.TokenID, now) {
			return errors.New("logout token replayed (jti seen before)")
		}
		p.revoked.add(lt.Issuer, lt.SessionID, lt.Subject, now, p.s.AbsoluteLifetime)
		p.log.Info("back-channel logout", "provider", id, "by_sid", lt.SessionID != "")
		return nil
	}
	if len(errs) == 0 {
		return fmt.Errorf("logout token from unknown issuer %q", truncate(peek.Iss, 100))
	}
	return errors.Join(errs...)
}

func toJoseAlgs(algs []string) []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(algs))
	for i, a := range algs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}

// revocations remembers back-channel logouts in process, for the cookie store (which
// cannot delete a session in a browser): sessions of a named (iss, sid) or (iss, sub)
// created before the logout are over. Entries live as long as a session can.
type revocations struct {
	mu    sync.Mutex
	bySID map[string]time.Time
	bySub map[string]time.Time
	jtis  map[string]time.Time
	ended map[string]time.Time // session id -> its absolute expiry (signed out here)
	ttl   time.Duration
}

func newRevocations() *revocations {
	return &revocations{bySID: map[string]time.Time{}, bySub: map[string]time.Time{}, jtis: map[string]time.Time{}, ended: map[string]time.Time{}}
}

// endSession records a local sign-out, so that a copy of the session cookie kept by
// someone else stops working in this process too.
func (rv *revocations) endSession(s *Session, now time.Time) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for id, exp := range rv.ended {
		if now.After(exp) {
			delete(rv.ended, id)
		}
	}
	rv.ended[s.ID] = s.ExpiresAt
}

// add records a logout of (iss, sid) — or of (iss, sub) when sid is empty.
func (rv *revocations) add(iss, sid, sub string, at time.Time, ttl time.Duration) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.ttl = ttl
	rv.sweep(at)
	if sid != "" {
		rv.bySID[iss+"\x00"+sid] = at
	} else if sub != "" {
		rv.bySub[iss+"\x00"+sub] = at
	}
}

// firstUse records a jti and reports whether it is new.
func (rv *revocations) firstUse(key string, now time.Time) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if _, seen := rv.jtis[key]; seen {
		return false
	}
	rv.jtis[key] = now
	return true
}

// revoked reports whether a back-channel logout ended s.
func (rv *revocations) revoked(s *Session) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if _, ok := rv.ended[s.ID]; ok {
		return true
	}
	if len(rv.bySID) == 0 && len(rv.bySub) == 0 {
		return false
	}
	if s.SID != "" {
		if at, ok := rv.bySID[s.Issuer+"\x00"+s.SID]; ok && !s.CreatedAt.After(at) {
			return true
		}
	}
	at, ok := rv.bySub[s.Issuer+"\x00"+s.Subject]
	return ok && !s.CreatedAt.After(at)
}

func (rv *revocations) sweep(now time.Time) {
	for _, m := range []map[string]time.Time{rv.bySID, rv.bySub, rv.jtis} {
		for k, at := range m {
			if now.Sub(at) > rv.ttl {
				delete(m, k)
			}
		}
	}
}
