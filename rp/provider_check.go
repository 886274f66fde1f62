package rp

import (
	"context"
	"fmt"
	"sync"
)

// A ProviderCheck is what [CheckProviders] found out about one provider.
type ProviderCheck struct {
	// ID and Issuer name the provider.
	ID, Issuer string
	// ClientAuth is how rp's client authenticates at the token endpoint:
	// "client_secret_basic", "client_secret_post", "private_key_jwt" or "none" (a
	// public client).
	ClientAuth string
	// Accepted is the provider's token_endpoint_auth_methods_supported; empty when
	// it advertises none (RFC 8414: client_secret_basic).
	Accepted []string
	// Err is why the provider cannot be used: discovery, its key set, or a client
	// authentication it does not accept. Nil: sign-ins can start.
	Err error
}

// CheckProviders validates cfg and runs discovery once for every provider, all at
// once, as [New] does in the background but without retrying: it fetches each
// discovery document and key set and checks the client authentication against the
// provider's token_endpoint_auth_methods_supported. It is meant for a configuration
// check (rp --check-config); ctx bounds it. The error is cfg's, as [Config.Validate].
func CheckProviders(ctx context.Context, cfg Config) ([]ProviderCheck, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	client := providerClient(s.HTTPClient, s.MaxResponseBytes)
	out := make([]ProviderCheck, len(s.Providers))
	var wg sync.WaitGroup
	for i, pc := range s.Providers {
		out[i] = ProviderCheck{ID: pc.ID, Issuer: pc.issuerURL()}
		if social := newOAuth2Profile(pc); social != nil {
			// OAuth 2.0: no discovery to run; the endpoints are the configuration's.
			out[i].Issuer, out[i].ClientAuth = social.issuer, social.clientAuth
			continue
		}
		pc.Issuer = pc.issuerURL()
		prov := &provider{cfg: pc, client: client, ready: make(chan struct{})}
		if prov.apple, err = newAppleSecret(pc, s.Now); err != nil {
			out[i].Err = fmt.Errorf("provider %q: %w", pc.ID, err)
			continue
		}
		if prov.assert, err = newClientAssertion(pc, s.Now); err != nil {
			out[i].Err = fmt.Errorf("provider %q: %w", pc.ID, err)
			continue
		}
		wg.Go(func() {
			if err := prov.discover(ctx, &s); err != nil {
				out[i].Err = err
				return
			}
			m := prov.meta.Load()
			out[i].ClientAuth, out[i].Accepted = m.clientAuth, m.authMethods
		})
	}
	wg.Wait()
	return out, nil
}
