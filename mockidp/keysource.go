package mockidp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keySource is where the keys that verify someone else's JWT come from: a
// key set given in the configuration, or a JWKS URI fetched when needed.
type keySource struct {
	static *jose.JSONWebKeySet
	uri    string
}

// remoteKeySet is a fetched JWKS.
type remoteKeySet struct {
	set     *jose.JSONWebKeySet
	fetched time.Time // provider time
}

// Refetch rules for JWKS URIs: a cached set is used for jwksMaxAge; an
// unknown kid refetches it, at most every jwksRefetchEvery.
const (
	jwksMaxAge       = 5 * time.Minute
	jwksRefetchEvery = 10 * time.Second
	maxJWKSBytes     = 256 << 10
)

// errUnknownKID means no key of the set has the JWS's kid.
var errUnknownKID = errors.New("no key with the JWS's kid")

// verifyJWS verifies jws with the keys of src: those with its kid (any
// key when it has none), skipping keys whose alg or use says otherwise.
// An unknown kid refetches a JWKS URI once.
func (p *Provider) verifyJWS(jws *jose.JSONWebSignature, src keySource) ([]byte, error) {
	set := src.static
	if src.uri != "" {
		var err error
		if set, err = p.remoteKeys(src.uri, false); err != nil {
			return nil, err
		}
	}
	payload, err := verifyWithSet(jws, set)
	if errors.Is(err, errUnknownKID) && src.uri != "" {
		if set, err = p.remoteKeys(src.uri, true); err != nil {
			return nil, err
		}
		payload, err = verifyWithSet(jws, set)
	}
	return payload, err
}

func verifyWithSet(jws *jose.JSONWebSignature, set *jose.JSONWebKeySet) ([]byte, error) {
	if set == nil {
		return nil, errors.New("no keys")
	}
	hdr := jws.Signatures[0].Header
	found := false
	for _, k := range set.Keys {
		if hdr.KeyID != "" && k.KeyID != hdr.KeyID {
			continue
		}
		found = true
		if (k.Algorithm != "" && k.Algorithm != hdr.Algorithm) || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	if !found {
		return nil, fmt.Errorf("%w %q", errUnknownKID, hdr.KeyID)
	}
	return nil, fmt.Errorf("the %s signature does not verify with a key for that alg", hdr.Algorithm)
}

// remoteKeys returns the key set at uri, fetched when not cached, older
// than jwksMaxAge, or (refresh) older than jwksRefetchEvery.
func (p *Provider) remoteKeys(uri string, refresh bool) (*jose.JSONWebKeySet, error) {
	now := p.Now()
	p.jwksMu.Lock()
	cached := p.jwksCache[uri]
	p.jwksMu.Unlock()
	if cached != nil {
		age := now.Sub(cached.fetched)
		if age >= 0 && age < jwksMaxAge && (!refresh || age < jwksRefetchEvery) {
			return cached.set, nil
		}
	}
	set, err := p.fetchJWKS(uri)
	if err != nil {
		if cached != nil {
			return cached.set, nil // keep using the last good set
		}
		return nil, err
	}
	p.jwksMu.Lock()
	p.jwksCache[uri] = &remoteKeySet{set: set, fetched: now}
	p.jwksMu.Unlock()
	return set, nil
}

func (p *Provider) fetchJWKS(uri string) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("JWKS URI: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("JWKS URI: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS URI answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("JWKS URI: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("JWKS URI: more than %d bytes", maxJWKSBytes)
	}
	set, err := parsePublicJWKS(b)
	if err != nil {
		return nil, fmt.Errorf("JWKS URI: %w", err)
	}
	return set, nil
}
