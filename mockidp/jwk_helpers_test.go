package mockidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// testKey is a client's (or a trusted issuer's) signing key for tests.
type testKey struct {
	priv crypto.Signer
	kid  string
	alg  jose.SignatureAlgorithm
}

func newTestKey(t testing.TB, kid string) *testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{priv: k, kid: kid, alg: jose.ES256}
}

// jwk returns the public JWK as JSON.
func (k *testKey) jwk(t testing.TB) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jwks returns a JWKS of the public keys as JSON.
func jwksOf(t testing.TB, keys ...*testKey) []byte {
	t.Helper()
	s := `{"keys":[`
	for i, k := range keys {
		if i > 0 {
			s += ","
		}
		s += k.jwk(t)
	}
	return []byte(s + "]}")
}

// sign signs claims as a JWT with the key (kid in the header unless
// noKID).
func (k *testKey) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	key := any(jose.JSONWebKey{Key: k.priv, KeyID: k.kid})
	if k.kid == "" {
		key = k.priv
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func publicJWK(t testing.TB, kid string) string { return newTestKey(t, kid).jwk(t) }

func privateJWK(t testing.TB) string {
	t.Helper()
	k := newTestKey(t, "p")
	b, err := json.Marshal(jose.JSONWebKey{Key: k.priv, KeyID: "p"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
