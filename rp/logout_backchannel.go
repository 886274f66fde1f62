package rp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/foyer-oidc/foyer/rp/revocation"
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
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusServiceUnavailable {
		p.writeError(w, r, err)
		return
	}
	p.log.Warn("back-channel logout rejected", "reason", err.Error())
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The logout token is not valid."})
}

// endNamedSessions ends the sessions a logout token names: deleted from a server-side
// store that has an index, and recorded in the revocation list for cookie sessions.
func (p *RP) endNamedSessions(ctx context.Context, iss, sid, sub string, now time.Time) error {
	if idx, ok := p.store.(LogoutIndex); ok {
		var err error
		if sid != "" {
			_, err = idx.DeleteBySID(ctx, iss, sid)
		} else {
			_, err = idx.DeleteBySubject(ctx, iss, sub)
		}
		if err != nil {
			return fmt.Errorf("session store: %w", err)
		}
	}
	kind, value := revocation.BySID, sid
	if sid == "" {
		kind, value = revocation.BySubject, sub
	}
	if err := p.revocations.Revoke(ctx, iss, kind, value, now, p.settings.AbsoluteLifetime); err != nil {
		return fmt.Errorf("revocation list: %w", err)
	}
	return nil
}

func (p *RP) backchannelLogout(r *http.Request) error {
	ctx := r.Context()
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
		if prov.social != nil || prov.cfg.Issuer != peek.Iss {
			continue // OAuth 2.0 providers have no logout tokens (nor keys to check one)
		}
		m, err := prov.metadata()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lt, err := m.verifier.VerifyLogout(ctx, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		now := p.settings.Now()
		switch {
		case lt.IssuedAt.IsZero():
			return errors.New("logout token has no iat")
		case lt.IssuedAt.After(now.Add(p.settings.ClockSkew)):
			return errors.New("logout token iat is in the future")
		case now.Sub(lt.IssuedAt) > p.settings.MaxTokenAge:
			return errors.New("logout token is too old")
		}
		seen, err := p.replay.SeenJTI(ctx, lt.Issuer, lt.TokenID, 2*(p.settings.MaxTokenAge+p.settings.ClockSkew))
		if err != nil {
			return unavailable(fmt.Errorf("replay cache: %w", err))
		}
		if seen {
			return errors.New("logout token replayed (jti seen before)")
		}
		if err := p.endNamedSessions(ctx, lt.Issuer, lt.SessionID, lt.Subject, now); err != nil {
			return unavailable(err)
		}
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
