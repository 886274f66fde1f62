package rp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
)

// refreshGrace is how long the result of a refresh is reused by requests that still
// carry the session as it was before (their cookie predates the refresh). Providers that
// rotate refresh tokens would otherwise see the old refresh token again and end the session.
const refreshGrace = time.Minute

// A shared store's refresh lock is held for at most refreshLockTTL (a crashed holder
// cannot block a session longer) and waited for at most refreshLockWait.
const (
	refreshLockTTL  = 15 * time.Second
	refreshLockWait = 5 * time.Second
)

// recentRefresh remembers the outcome of the latest refresh of a session.
type recentRefresh struct {
	from   string // the refresh token that was redeemed
	tokens Tokens
	at     time.Time
}

// RefreshLocker is implemented by session stores shared by several replicas: a refresh
// holds the session's lock, so that one replica at a time redeems its refresh token, and
// re-reads the session after taking it (another replica may have refreshed meanwhile).
type RefreshLocker interface {
	// LockWait takes the lock named id for at most ttl, waiting up to maxWait for it.
	LockWait(ctx context.Context, id string, ttl, maxWait time.Duration) (unlock func(), err error)
}

// maybeRefresh refreshes s's tokens when the access token expires within RefreshBefore
// and a refresh token exists. Concurrent requests of one session share one refresh
// (singleflight), and requests that arrive shortly after with the pre-refresh session
// reuse its result. It reports whether s changed; errSessionEnded means the provider
// refused (invalid_grant) or the refreshed ID token broke continuity.
func (p *RP) maybeRefresh(w http.ResponseWriter, r *http.Request, s *Session) (bool, error) {
	ctx := r.Context()
	if s.Tokens.RefreshToken == "" || s.Tokens.Expiry.IsZero() ||
		p.s.Now().Before(s.Tokens.Expiry.Add(-p.s.RefreshBefore)) {
		return false, nil
	}
	if t, ok := p.recentFor(s); ok {
		s.Tokens, s.claims = t, nil
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
			saved.Tokens, saved.claims = t, nil
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
	s.Tokens = v.(Tokens)
	s.claims = nil
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
		s.Tokens, s.claims = cur.Tokens, nil
	}
	return p.store.Save(w, r, s)
}

// refresh redeems s's refresh token and verifies a new ID token, if any.
func (p *RP) refresh(ctx context.Context, s *Session) (_ Tokens, err error) {
	defer func() { p.metrics.refresh(s.Provider, refreshOutcome(err)) }()
	prov := p.providers[s.Provider]
	m, err := prov.metadata()
	if err != nil {
		return Tokens{}, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	src := m.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.Tokens.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return Tokens{}, fmt.Errorf("%w: refresh refused (invalid_grant)", errSessionEnded)
		}
		return Tokens{}, fmt.Errorf("refresh: %w", tokenError(err))
	}
	t := Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: s.Tokens.IDToken, Expiry: tokenExpiry(tok, p.s.Now())}
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
	if !ok || rr.from != s.Tokens.RefreshToken || p.s.Now().Sub(rr.at) > refreshGrace {
		return Tokens{}, false
	}
	return rr.tokens, true
}

// rememberRefresh records a refresh and drops records past the grace window.
func (p *RP) rememberRefresh(s *Session, t Tokens) {
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	now := p.s.Now()
	for id, rr := range p.recent {
		if now.Sub(rr.at) > refreshGrace {
			delete(p.recent, id)
		}
	}
	p.recent[s.ID] = recentRefresh{from: s.Tokens.RefreshToken, tokens: t, at: now}
}

// shortID returns a prefix of a session id that is safe to log.
func shortID(id string) string { return id[:min(8, len(id))] }

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
