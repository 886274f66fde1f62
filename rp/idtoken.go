package rp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/coreos/go-oidc/v3/oidc"
)

// verified is an ID token that passed every check, with its claims.
type verified struct {
	token  *oidc.IDToken
	claims map[string]any
}

// expect lists what an ID token must match beyond the verifier's own checks.
type expect struct {
	nonce       string // required and equal when set
	accessToken string // checked against at_hash when the token carries one
	// For refreshed ID tokens: the original token's iss, sub, aud and nonce.
	prev *verified
}

// invalidToken wraps a verification failure.
func invalidToken(format string, args ...any) error {
	return newError(http.StatusUnauthorized, "invalid_token",
		"We could not verify the answer from the sign-in provider, so you were not signed in.",
		fmt.Errorf("%w: "+format, append([]any{ErrInvalidToken}, args...)...))
}

// verifyIDToken checks an ID token fully. go-oidc checks the signature (only the
// provider's advertised asymmetric algorithms, never none or HS*), iss, that aud contains
// the client, and exp (with the configured skew); rp adds sub, iat, azp, untrusted extra
// audiences, nonce, at_hash, no logout-token events claim and — for refreshes — continuity
// of iss, sub, aud and nonce.
func (p *RP) verifyIDToken(ctx context.Context, prov *provider, m *metadata, raw string, want expect) (*verified, error) {
	tok, err := m.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, invalidToken("id token: %w", err)
	}
	claims := map[string]any{}
	if err := tok.Claims(&claims); err != nil {
		return nil, invalidToken("id token claims: %w", err)
	}
	azp, ok := claims["azp"].(string)
	if !ok && claims["azp"] != nil {
		return nil, invalidToken("id token azp is not a string")
	}
	// A logout token (OpenID Connect Back-Channel Logout 1.0 §2.4) is signed by the same
	// keys for the same audience; its events claim must never pass as an ID token.
	if _, ok := claims["events"]; ok {
		return nil, invalidToken("id token has an events claim (a logout token?)")
	}
	if err := prov.checkClaims(m, tok.Issuer, claims); err != nil {
		if errors.Is(err, errNotAllowed) {
			return nil, newError(http.StatusForbidden, "not_allowed",
				"Your account is valid, but it is not allowed to sign in here.", err)
		}
		return nil, invalidToken("id token: %w", err)
	}
	if tok.Subject == "" {
		return nil, invalidToken("id token has no sub")
	}
	now := p.settings.Now()
	switch {
	case tok.IssuedAt.IsZero():
		return nil, invalidToken("id token has no iat")
	case tok.IssuedAt.After(now.Add(p.settings.ClockSkew)):
		return nil, invalidToken("id token iat is %v in the future", tok.IssuedAt.Sub(now))
	case now.Sub(tok.IssuedAt) > p.settings.MaxTokenAge+p.settings.ClockSkew:
		return nil, invalidToken("id token iat is %v old", now.Sub(tok.IssuedAt))
	}
	client := prov.cfg.ClientID
	if len(tok.Audience) > 1 || azp != "" {
		if azp != client {
			return nil, invalidToken("id token azp %q is not the client (aud has %d entries)", truncate(azp, 64), len(tok.Audience))
		}
	}
	for _, a := range tok.Audience {
		if a != client && !slices.Contains(prov.cfg.TrustedAudiences, a) {
			return nil, invalidToken("id token has an untrusted extra audience %q", truncate(a, 64))
		}
	}
	if want.prev == nil {
		if tok.Nonce == "" || subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(want.nonce)) != 1 {
			return nil, invalidToken("id token nonce does not match the sign-in attempt")
		}
	} else {
		pt := want.prev.token
		switch {
		case prov.sessionIssuer(tok.Issuer) != prov.sessionIssuer(pt.Issuer):
			return nil, invalidToken("refreshed id token changed iss")
		case tok.Subject != pt.Subject:
			return nil, invalidToken("refreshed id token changed sub")
		case !sameSet(tok.Audience, pt.Audience):
			return nil, invalidToken("refreshed id token changed aud")
		case tok.Nonce != "" && tok.Nonce != pt.Nonce:
			return nil, invalidToken("refreshed id token changed nonce")
		}
	}
	if tok.AccessTokenHash != "" {
		if err := tok.VerifyAccessToken(want.accessToken); err != nil {
			return nil, invalidToken("at_hash: %w", err)
		}
	}
	return &verified{token: tok, claims: claims}, nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// parseUnverified decodes an ID token kept in a session (it was verified when stored)
// into a verified value for continuity checks.
func parseUnverified(raw string) (*verified, error) {
	s := &Session{Tokens: Tokens{IDToken: raw}}
	claims := s.Claims()
	tok := &oidc.IDToken{}
	tok.Issuer, _ = claims["iss"].(string)
	tok.Subject, _ = claims["sub"].(string)
	tok.Nonce, _ = claims["nonce"].(string)
	switch aud := claims["aud"].(type) {
	case string:
		tok.Audience = []string{aud}
	case []any:
		for _, a := range aud {
			if s, ok := a.(string); ok {
				tok.Audience = append(tok.Audience, s)
			}
		}
	}
	if tok.Subject == "" {
		return nil, errors.New("stored id token has no sub")
	}
	return &verified{token: tok, claims: claims}, nil
}

// decodeJSONObject decodes a JSON object, rejecting anything else.
func decodeJSONObject(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}
