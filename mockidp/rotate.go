package mockidp

import (
	"fmt"
	"time"
)

// maxDecoyKeys caps [Fault.JWKSExtraKeys].
const maxDecoyKeys = 5

// RotateKey replaces the signing key with a freshly generated one for the
// provider's algorithm. The previous key stays in the JWKS (and keeps
// verifying id_token_hint values) for [Config.KeyOverlap] of provider
// time; with the default zero overlap it stays until the next rotation,
// so two rotations test a relying party against a key that was withdrawn.
// Generating an RSA key takes tens of milliseconds.
func (p *Provider) RotateKey() error {
	return p.RotateKeyOverlap(p.cfg.KeyOverlap)
}

// RotateKeyOverlap is [Provider.RotateKey] with an explicit overlap: a
// positive overlap keeps the previous key published for that much provider
// time (see [Provider.Advance]), zero keeps it until the next rotation,
// and a negative overlap withdraws it at once ("old key removed").
func (p *Provider) RotateKeyOverlap(overlap time.Duration) error {
	p.rotateMu.Lock()
	defer p.rotateMu.Unlock()
	now := p.Now()
	old := p.keys.Load()
	k, err := generateSigningKey(old.current.alg)
	if err != nil {
		return fmt.Errorf("mockidp: rotate key: %w", err)
	}
	var kept []retiredKey
	for _, r := range old.retired {
		if !r.until.IsZero() && now.Before(r.until) {
			kept = append(kept, r) // still inside its own overlap
		}
	}
	switch {
	case overlap > 0:
		kept = append([]retiredKey{{key: old.current, until: now.Add(overlap)}}, kept...)
	case overlap == 0:
		kept = append([]retiredKey{{key: old.current}}, kept...)
	}
	set, err := newKeySet(k, kept...)
	if err != nil {
		return fmt.Errorf("mockidp: rotate key: %w", err)
	}
	p.keys.Store(set)
	return nil
}

// liveKeys returns the key set with the keys whose overlap has ended
// (by provider time) removed, swapping in the pruned set.
func (p *Provider) liveKeys() *keySet {
	set := p.keys.Load()
	now := p.Now()
	if !set.hasExpired(now) {
		return set
	}
	p.rotateMu.Lock()
	defer p.rotateMu.Unlock()
	set = p.keys.Load()
	if !set.hasExpired(now) {
		return set
	}
	var kept []retiredKey
	for _, r := range set.retired {
		if r.until.IsZero() || now.Before(r.until) {
			kept = append(kept, r)
		}
	}
	pruned, err := newKeySet(set.current, kept...)
	if err != nil {
		return set // cannot happen: these keys were marshalled before
	}
	p.keys.Store(pruned)
	return pruned
}

// unknownKey returns a key of the provider's algorithm that is never
// published (the unknown-key fault), generated on first use and kept.
func (p *Provider) unknownKey() (*signingKey, error) {
	p.spareMu.Lock()
	defer p.spareMu.Unlock()
	if p.rogue == nil {
		k, err := generateSigningKey(p.keys.Load().current.alg)
		if err != nil {
			return nil, err
		}
		p.rogue = k
	}
	return p.rogue, nil
}

// decoyKeys returns n published-but-unused keys for [Fault.JWKSExtraKeys],
// generating the missing ones.
func (p *Provider) decoyKeys(n int) ([]*signingKey, error) {
	p.spareMu.Lock()
	defer p.spareMu.Unlock()
	for len(p.decoys) < n {
		k, err := generateSigningKey(p.keys.Load().current.alg)
		if err != nil {
			return nil, err
		}
		p.decoys = append(p.decoys, k)
	}
	return p.decoys[:n], nil
}
