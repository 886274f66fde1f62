package rp

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// introspections caches RFC 7662 answers by the SHA-256 of the provider id and the
// token (the token itself is never kept), and coalesces concurrent calls for one
// token. The zero value is ready to use.
type introspections struct {
	mu    sync.Mutex
	cache map[[sha256.Size]byte]introspected
	group singleflight.Group
}

// introspected is a cached answer.
type introspected struct {
	claims map[string]any // nil: the token is not active
	until  time.Time
}

// maxIntrospections bounds the cache (about 1-2 KB an entry).
const maxIntrospections = 10_000

// get returns a live cached answer.
func (c *introspections) get(key [sha256.Size]byte, now time.Time) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.claims, true
}

// put caches an answer until until, evicting expired entries (then arbitrary ones)
// when the cache is full.
func (c *introspections) put(key [sha256.Size]byte, claims map[string]any, now, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil {
		c.cache = map[[sha256.Size]byte]introspected{}
	}
	if len(c.cache) >= maxIntrospections {
		for k, e := range c.cache {
			if !now.Before(e.until) {
				delete(c.cache, k)
			}
		}
		for k := range c.cache {
			if len(c.cache) < maxIntrospections*7/8 {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[key] = introspected{claims: claims, until: until}
}

// len is the number of cached answers.
func (c *introspections) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cache)
}

// introspect asks prov's introspection endpoint about tok (or reuses a cached answer)
// and checks the answer: active, a token type that is an access token, iss when
// given, sub, times, audience and scopes. A failed call is 503, never a pass.
func (p *RP) introspect(ctx context.Context, prov *provider, m *metadata, tok string) (map[string]any, error) {
	b := prov.cfg.Bearer
	endpoint := firstNonEmpty(b.IntrospectionURL, m.introspection)
	if endpoint == "" {
		return nil, bearerUnavailable(fmt.Errorf("provider %s advertises no introspection_endpoint", prov.cfg.ID))
	}
	key := sha256.Sum256([]byte(prov.cfg.ID + "\x00" + tok))
	now := p.settings.Now()
	claims, cached := p.introspections.get(key, now)
	if !cached {
		v, err, _ := p.introspections.group.Do(string(key[:]), func() (any, error) {
			c, err := p.callIntrospection(ctx, prov, m, endpoint, tok)
			if err != nil {
				return nil, err
			}
			ttl := cmpOr(b.IntrospectionCacheTTL, DefaultIntrospectionCacheTTL)
			until := now.Add(ttl)
			if exp, ok := numericClaim(c, "exp"); ok && exp.Before(until) {
				until = exp
			}
			p.introspections.put(key, c, now, until)
			return c, nil
		})
		if err != nil {
			return nil, bearerUnavailable(err)
		}
		claims, _ = v.(map[string]any)
	}
	if claims == nil {
		return nil, invalidBearer("introspection: not active")
	}
	if tt, ok := claims["token_type"].(string); ok {
		switch strings.ToLower(tt) {
		case "bearer", "access_token", "urn:ietf:params:oauth:token-type:access_token":
		default:
			return nil, invalidBearer("introspection: token_type %q is not an access token", truncate(tt, 40))
		}
	}
	if iss, ok := claims["iss"].(string); ok && prov.sessionIssuer(iss) != prov.cfg.Issuer && m.tenantIssuer == nil {
		return nil, invalidBearer("introspection: iss %q is not the issuer", truncate(iss, 100))
	}
	if err := p.checkBearerClaims(prov, claims, false); err != nil {
		return nil, err
	}
	return claims, nil
}

// cmpOr returns d, or def when d is zero.
func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// callIntrospection makes one RFC 7662 request, authenticated as rp's client the way
// the token endpoint is (client_secret_post, else HTTP Basic with form-encoded id and
// secret, RFC 6749 §2.3.1). It returns the answer, nil for an inactive token, or an
// error when the endpoint did not answer properly (status, body, time).
func (p *RP) callIntrospection(ctx context.Context, prov *provider, m *metadata, endpoint, tok string) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cmpOr(prov.cfg.Bearer.IntrospectionTimeout, DefaultIntrospectionTimeout))
	defer cancel()
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	id, secret := prov.cfg.ClientID, m.oauth.ClientSecret
	switch m.clientAuth {
	case "client_secret_post":
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	case "private_key_jwt": // prov.client adds the assertion
		form.Set("client_id", id)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if m.clientAuth != "client_secret_post" && m.clientAuth != "private_key_jwt" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := prov.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("introspection: status %d", resp.StatusCode)
	}
	claims, err := decodeJSONObject(body)
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	active, ok := claims["active"].(bool)
	if !ok {
		return nil, errors.New("introspection: no boolean active member")
	}
	if !active {
		return nil, nil
	}
	return claims, nil
}
