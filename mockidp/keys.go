package mockidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

//go:generate go run ./internal/genkeys -out devkeys

// devKeys holds the PUBLIC development signing keys, one per algorithm,
// written once by internal/genkeys. They let a provider start without
// generating an RSA key (~75 ms) and MUST NOT be trusted outside
// development and tests.
//
//go:embed devkeys/*.pem
var devKeys embed.FS

// supportedAlgs are the signing algorithms a Provider can use.
var supportedAlgs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// JWT "typ" header values.
const (
	typJWT       = "JWT"
	typAccess    = "at+jwt"
	typLogout    = "logout+jwt"
	noKID        = " (no kid)" // signer key suffix: that typ without a kid header
	typJWTNoKID  = typJWT + noKID
	devKeyFormat = "devkeys/%s.pem"
)

// signingKey is a parsed private key with its signers and published JWKS,
// built once and then only read.
type signingKey struct {
	alg     jose.SignatureAlgorithm
	kid     string
	priv    crypto.Signer
	public  jose.JSONWebKey
	signers map[string]jose.Signer // by typ
}

// extraRSADevKeys is how many further RSA development keys are embedded
// (devkeys/rsa-N.pem), for the issuers of a [Multi].
const extraRSADevKeys = 7

// loadSigningKey parses pemBytes (or, when it is empty, development key
// number index for alg) and prepares signers for it. Index 0 is the
// embedded key for alg; higher indexes are the extra embedded RSA keys or,
// beyond them and for ES256 and EdDSA, a freshly generated key.
func loadSigningKey(alg string, pemBytes []byte, index int) (*signingKey, error) {
	if len(pemBytes) == 0 && index > 0 {
		isRSA := alg == string(jose.RS256) || alg == string(jose.PS256)
		if !isRSA || index > extraRSADevKeys {
			return generateSigningKey(jose.SignatureAlgorithm(alg))
		}
		b, err := devKeys.ReadFile(fmt.Sprintf("devkeys/rsa-%d.pem", index))
		if err != nil {
			return nil, fmt.Errorf("development key rsa-%d: %w", index, err)
		}
		pemBytes = b
	}
	if len(pemBytes) == 0 {
		b, err := devKeys.ReadFile(fmt.Sprintf(devKeyFormat, strings.ToLower(alg)))
		if err != nil {
			return nil, fmt.Errorf("development key for %s: %w", alg, err)
		}
		pemBytes = b
	}
	priv, err := parsePrivateKey(pemBytes)
	if err != nil {
		return nil, err
	}
	return newSigningKey(jose.SignatureAlgorithm(alg), priv, "")
}

// newSigningKey checks that priv fits alg and builds signers and the JWKS.
// An empty kid means the RFC 7638 thumbprint of the public key.
func newSigningKey(alg jose.SignatureAlgorithm, priv crypto.Signer, kid string) (*signingKey, error) {
	if err := keyFitsAlg(alg, priv); err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	if kid == "" {
		tp, err := pub.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("key thumbprint: %w", err)
		}
		kid = base64.RawURLEncoding.EncodeToString(tp)
	}
	pub.KeyID = kid
	k := &signingKey{alg: alg, kid: kid, priv: priv, public: pub, signers: map[string]jose.Signer{}}
	for _, typ := range []string{typJWT, typAccess, typLogout} {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
		if err != nil {
			return nil, fmt.Errorf("signer for %s: %w", alg, err)
		}
		k.signers[typ] = s
	}
	for _, typ := range []string{typJWT, typLogout} { // for the no-kid faults
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: priv}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
		if err != nil {
			return nil, fmt.Errorf("signer for %s: %w", alg, err)
		}
		k.signers[typ+noKID] = s
	}
	return k, nil
}

// keySet is the provider's published keys: current signs, and it and the
// retired keys still in their overlap verify and appear in the JWKS. A
// keySet is never changed once built; rotation swaps in a new one.
type keySet struct {
	current   *signingKey
	retired   []retiredKey
	published []*signingKey // current, then the retired keys
	jwks      []byte        // the JWKS document served at /jwks, built once
	etag      string        // strong ETag of jwks
}

// retiredKey is a rotated-out key still published until until (zero:
// until the next rotation).
type retiredKey struct {
	key   *signingKey
	until time.Time
}

// newKeySet publishes current and the retired keys and builds the JWKS.
func newKeySet(current *signingKey, retired ...retiredKey) (*keySet, error) {
	s := &keySet{current: current, retired: retired, published: []*signingKey{current}}
	for _, r := range retired {
		s.published = append(s.published, r.key)
	}
	jwks, err := marshalJWKS(s.published, nil, false)
	if err != nil {
		return nil, err
	}
	s.jwks = jwks
	sum := sha256.Sum256(jwks)
	s.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	return s, nil
}

// hasExpired reports whether a retired key's overlap has ended at now.
func (s *keySet) hasExpired(now time.Time) bool {
	for _, r := range s.retired {
		if !r.until.IsZero() && !now.Before(r.until) {
			return true
		}
	}
	return false
}

// marshalJWKS builds a JWKS document from keys and decoys, without kid
// members when noKID is set.
func marshalJWKS(keys, decoys []*signingKey, noKID bool) ([]byte, error) {
	set := jose.JSONWebKeySet{}
	for _, k := range slices.Concat(keys, decoys) {
		pub := k.public
		if noKID {
			pub.KeyID = ""
		}
		set.Keys = append(set.Keys, pub)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("marshal JWKS: %w", err)
	}
	return b, nil
}

// verify checks that token is signed by one of the published keys (the
// one its kid names, or any when it has none) and returns its payload.
func (s *keySet) verify(token string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{s.current.alg})
	if err != nil {
		return nil, fmt.Errorf("parse token: %w", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, k := range s.published {
		if kid != "" && kid != k.kid {
			continue
		}
		if payload, err := jws.Verify(k.public.Key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("token not signed by a published key")
}

// generateSigningKey makes a fresh key for alg (used by the unknown-key
// fault; RSA generation takes tens of milliseconds).
func generateSigningKey(alg jose.SignatureAlgorithm) (*signingKey, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case jose.RS256, jose.PS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		err = fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return newSigningKey(alg, priv, "")
}

// sign serialises claims and signs them with the signer for typ.
func (k *signingKey) sign(typ string, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	jws, err := k.signers[typ].Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// hashForAtHash returns the hash used for at_hash with this key's algorithm
// (OpenID Connect Core 3.1.3.6; SHA-512 for Ed25519).
func (k *signingKey) hashForAtHash() crypto.Hash {
	if k.alg == jose.EdDSA {
		return crypto.SHA512
	}
	return crypto.SHA256
}

func parsePrivateKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("signing key: no PEM block found")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("signing key: unsupported type %T", key)
	}
	return s, nil
}

func keyFitsAlg(alg jose.SignatureAlgorithm, priv crypto.Signer) error {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		if alg == jose.RS256 || alg == jose.PS256 {
			if k.N.BitLen() < 2048 {
				return fmt.Errorf("signing key: RSA key of %d bits, want at least 2048", k.N.BitLen())
			}
			return nil
		}
	case *ecdsa.PrivateKey:
		if alg == jose.ES256 && k.Curve == elliptic.P256() {
			return nil
		}
	case ed25519.PrivateKey:
		if alg == jose.EdDSA {
			return nil
		}
	}
	return fmt.Errorf("signing key: a %T cannot sign %s", priv, alg)
}
