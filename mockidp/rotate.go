package mockidp

import "fmt"

// RotateKey replaces the signing key with a freshly generated one for the
// provider's algorithm. The previous key stays in the JWKS (and keeps
// verifying id_token_hint values) until the next rotation removes it, so
// two rotations test a relying party against a key that was withdrawn.
// Generating an RSA key takes tens of milliseconds.
func (p *Provider) RotateKey() error {
	p.rotateMu.Lock()
	defer p.rotateMu.Unlock()
	old := p.keys.Load()
	k, err := generateSigningKey(old.current.alg)
	if err != nil {
		return fmt.Errorf("mockidp: rotate key: %w", err)
	}
	set, err := newKeySet(k, old.current)
	if err != nil {
		return fmt.Errorf("mockidp: rotate key: %w", err)
	}
	p.keys.Store(set)
	return nil
}
