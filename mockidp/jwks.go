package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Grant types (the grant_type values of the token endpoint).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	// GrantTokenExchange is OAuth 2.0 Token Exchange (RFC 8693).
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// GrantJWTBearer is the JWT bearer authorization grant (RFC 7523 2.1).
	GrantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// GrantDeviceCode is the device authorization grant (RFC 8628).
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
)

// allGrantTypes are the grant types a Client.GrantTypes may name.
var allGrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantTokenExchange,
	GrantJWTBearer, GrantDeviceCode}

// assertionAlgs are the algorithms accepted on client assertions and JWT
// bearer assertions: asymmetric ones only, so a shared secret or "none"
// never authenticates anyone.
var assertionAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// joseAlgs is assertionAlgs typed for go-jose's parser.
var joseAlgs = func() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(assertionAlgs))
	for i, a := range assertionAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}()

// parsePublicJWKS reads a JSON Web Key Set of public signing keys: at
// least one key, none private or symmetric, no "use" but "sig", and no two
// keys with the same kid.
func parsePublicJWKS(b []byte) (*jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("the key set has no keys")
	}
	kids := map[string]bool{}
	for i, k := range set.Keys {
		switch {
		case !k.IsPublic():
			return nil, fmt.Errorf("key %d: a private or symmetric key; publish public keys only", i)
		case !k.Valid():
			return nil, fmt.Errorf("key %d: invalid", i)
		case k.Use != "" && k.Use != "sig":
			return nil, fmt.Errorf("key %d: use %q, want sig", i, k.Use)
		case kids[k.KeyID]:
			return nil, fmt.Errorf("key %d: kid %q appears twice", i, k.KeyID)
		}
		kids[k.KeyID] = true
	}
	return &set, nil
}
