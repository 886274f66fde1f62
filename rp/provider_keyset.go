package rp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// keySet is an [oidc.KeySet] over a provider's jwks_uri. Unlike go-oidc's RemoteKeySet,
// a token that no cached key verifies triggers a refetch only when the last refetch caused
// by such a miss is older than the cooldown, and concurrent refetches are coalesced: forged
// tokens cannot make rp hammer the provider, while a real key rotation is picked up on
// first sight of the new key. The fetch at discovery does not start the cooldown, so a
// rotation right after rp starts (or right before the provider's first signature) is
// picked up too.
type keySet struct {
	url      string
	client   *http.Client
	now      func() time.Time
	cooldown time.Duration
	algs     []jose.SignatureAlgorithm

	group singleflight.Group
	mu    sync.RWMutex
	keys  []jose.JSONWebKey
	last  time.Time // time of the last fetch attempt caused by a verification miss
	// fetches counts fetch attempts (for tests and metrics).
	fetches int
}

func newKeySet(url string, client *http.Client, now func() time.Time, cooldown time.Duration, algs []string) *keySet {
	ks := &keySet{url: url, client: client, now: now, cooldown: cooldown}
	for _, a := range algs {
		ks.algs = append(ks.algs, jose.SignatureAlgorithm(a))
	}
	return ks
}

// errNoKey means no key of the provider verified the token.
var errNoKey = errors.New("no provider key verifies the token signature")

// VerifySignature verifies jwt against the provider's keys and returns its payload.
// A JWT is a compact JWS (RFC 7519 §7.2): ParseSignedCompact, not ParseSigned, which
// also takes the JSON serialization and first copies the token rune by rune to drop
// whitespace — a fifth of an EdDSA sign-in's verification.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, k.algs)
	if err != nil {
		return nil, fmt.Errorf("malformed or disallowed JWS: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("JWS must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	k.mu.RLock()
	keys := k.keys
	k.mu.RUnlock()
	if payload, ok := verifyWith(jws, kid, keys); ok {
		return payload, nil
	}
	keys, err = k.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWith(jws, kid, keys); ok {
		return payload, nil
	}
	return nil, errNoKey
}

func verifyWith(jws *jose.JSONWebSignature, kid string, keys []jose.JSONWebKey) ([]byte, bool) {
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		if payload, err := jws.Verify(&key); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// refresh refetches the key set unless it was fetched within the cooldown; it returns
// the keys to try.
func (k *keySet) refresh(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.mu.RLock()
	keys, last := k.keys, k.last
	k.mu.RUnlock()
	if !last.IsZero() && k.now().Sub(last) < k.cooldown {
		return keys, nil
	}
	v, err, _ := k.group.Do("", func() (any, error) {
		k.mu.Lock()
		if !k.last.IsZero() && k.now().Sub(k.last) < k.cooldown {
			keys := k.keys
			k.mu.Unlock()
			return keys, nil
		}
		k.last = k.now()
		k.fetches++
		k.mu.Unlock()
		// Detach from the caller's cancellation: the result is shared.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		keys, err := k.fetch(fctx)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		k.keys = keys
		k.mu.Unlock()
		return keys, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]jose.JSONWebKey), nil
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: status %d", resp.StatusCode)
	}
	// Parse key by key so that one unsupported key does not hide the others.
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	keys := make([]jose.JSONWebKey, 0, len(raw.Keys))
	for _, r := range raw.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(r); err != nil || !key.Valid() || !key.IsPublic() {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no usable public key")
	}
	return keys, nil
}

// load fetches the key set without starting the refetch cooldown: the fetch at
// discovery, so that a key rotated just after it is still picked up on first sight.
func (k *keySet) load(ctx context.Context) error {
	k.mu.Lock()
	k.fetches++
	k.mu.Unlock()
	keys, err := k.fetch(ctx)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return nil
}

// fetchCount returns the number of fetch attempts so far.
func (k *keySet) fetchCount() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.fetches
}
