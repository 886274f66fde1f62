package rp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/oauth2"
)

// refreshGrace is how long the result of a refresh is reused by requests that still
// carry the session as it was before (their cookie predates the refresh). Providers that
// rotate refresh tokens would otherwise see the old refresh token again and end the session.
const refreshGrace = time.Minute

// recentRefresh remembers the outcome of the latest refresh of a session.
type recentRefresh struct {
	from   string // the refresh token that was redeemed
	tokens Tokens
	at     time.Time
}

// refresh redeems s's refresh token and verifies a new ID token, if any.
func (p *RP) refresh(ctx context.Context, s *Session) (_ Tokens, err error) {
	defer func() { p.metrics.refresh(s.Provider, refreshOutcome(err)) }()
	prov := p.providers[s.Provider]
	m, err := prov.metadata()
	if err != nil {
		return Tokens{}, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, prov.client) // p.client, or one that adds client assertions
	src := m.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.Tokens.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return Tokens{}, fmt.Errorf("%w: refresh refused (invalid_grant)", errSessionEnded)
		}
		return Tokens{}, fmt.Errorf("refresh: %w", tokenError(err))
	}
	t := Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: s.Tokens.IDToken, Expiry: tokenExpiry(tok, p.settings.Now())}
	if t.RefreshToken == "" {
		t.RefreshToken = s.Tokens.RefreshToken
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		prev, err := parseUnverified(s.Tokens.IDToken)
		if err != nil {
			return Tokens{}, fmt.Errorf("%w: %w", errSessionEnded, err)
		}
		if _, err := p.verifyIDToken(ctx, prov, m, raw, expect{accessToken: tok.AccessToken, prev: prev}); err != nil {
			return Tokens{}, fmt.Errorf("%w: refreshed id token rejected: %w", errSessionEnded, err)
		}
		t.IDToken = raw
	}
	p.log.Info("tokens refreshed", "provider", s.Provider, "session", shortID(s.ID))
	return t, nil
}

// recentFor returns the tokens of a refresh of s made within the grace window from the
// refresh token s still carries.
func (p *RP) recentFor(s *Session) (Tokens, bool) {
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	rr, ok := p.recent[s.ID]
	if !ok || rr.from != s.Tokens.RefreshToken || p.settings.Now().Sub(rr.at) > refreshGrace {
		return Tokens{}, false
	}
	return rr.tokens, true
}

// rememberRefresh records a refresh and drops records past the grace window.
func (p *RP) rememberRefresh(s *Session, t Tokens) {
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	now := p.settings.Now()
	for id, rr := range p.recent {
		if now.Sub(rr.at) > refreshGrace {
			delete(p.recent, id)
		}
	}
	p.recent[s.ID] = recentRefresh{from: s.Tokens.RefreshToken, tokens: t, at: now}
}

// tokenExpiry computes the access token's expiry with rp's clock from expires_in:
// x/oauth2 uses its own private clock. Zero means unknown (no expires_in).
func tokenExpiry(tok *oauth2.Token, now time.Time) time.Time {
	var secs int64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = int64(v)
	case int64:
		secs = v
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}
		}
		secs = n
	default:
		if tok.ExpiresIn > 0 {
			secs = tok.ExpiresIn
		}
	}
	if secs <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(secs) * time.Second)
}
