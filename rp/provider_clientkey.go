package rp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// private_key_jwt (RFC 7523 2.2, OpenID Connect Core 9): instead of a client
// secret, rp proves who it is with a short-lived JWT signed by its own key, as
// providers that take certificate credentials (Entra), Okta and FAPI profiles
// require. Every request to the provider's token endpoint (code exchange,
// refresh) and introspection endpoint gets a fresh assertion: iss = sub = the
// client id, aud = the endpoint's URL, a random jti, iat = now, exp = now + 60 s.
// The signing happens in the HTTP transport of the provider, so x/oauth2's
// Exchange and TokenSource need no change.

// clientAssertionType is the client_assertion_type of private_key_jwt.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clientAssertionLifetime is how long an assertion is valid: long enough for
// one request, short enough that a leaked one is useless soon.
const clientAssertionLifetime = 60 * time.Second

// clientAssertion signs private_key_jwt assertions for one client.
type clientAssertion struct {
	clientID string
	signer   jose.Signer
	now      func() time.Time
}

// clientKeyAlgs are the algorithms a client key may sign with.
var clientKeyAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// usesClientKey reports whether pc authenticates with private_key_jwt.
func (pc ProviderConfig) usesClientKey() bool {
	return pc.TokenAuth == "private_key_jwt" || (pc.TokenAuth == "" && pc.ClientKeyFile != "")
}

// validateClientKey reports what is wrong with pc's client key settings.
func validateClientKey(pc ProviderConfig) []error {
	if !pc.usesClientKey() {
		if pc.ClientKeyFile != "" || pc.ClientKeyID != "" || pc.ClientKeyAlg != "" {
			return []error{fmt.Errorf("client key settings need token auth private_key_jwt, not %q", pc.TokenAuth)}
		}
		return nil
	}
	var errs []error
	if pc.ClientSecret != "" {
		errs = append(errs, errors.New("token auth private_key_jwt: give a client key file, not a client secret"))
	}
	if pc.ClientKeyFile == "" {
		errs = append(errs, errors.New("token auth private_key_jwt needs a client key file"))
	} else if _, _, err := loadClientKey(pc.ClientKeyFile, pc.ClientKeyAlg); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// loadClientKey reads a PEM private key (PKCS #8, PKCS #1 or SEC 1) and the
// algorithm it signs with: alg when given (it must fit the key), else RS256
// for RSA, ES256/ES384/ES512 by curve, EdDSA for Ed25519.
func loadClientKey(path, alg string) (crypto.Signer, jose.SignatureAlgorithm, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("client key file: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, "", fmt.Errorf("client key file %s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, "", fmt.Errorf("client key file %s: %w", path, err)
	}
	var fits []string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, "", fmt.Errorf("client key file %s: RSA key of %d bits, want at least 2048", path, k.N.BitLen())
		}
		fits = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			fits = []string{"ES256"}
		case elliptic.P384():
			fits = []string{"ES384"}
		case elliptic.P521():
			fits = []string{"ES512"}
		}
	case ed25519.PrivateKey:
		fits = []string{"EdDSA"}
	}
	if len(fits) == 0 {
		return nil, "", fmt.Errorf("client key file %s: unsupported key type %T", path, key)
	}
	switch {
	case alg == "":
		alg = fits[0]
	case !slices.Contains(clientKeyAlgs, alg):
		return nil, "", fmt.Errorf("client key alg %q: want one of %s", alg, strings.Join(clientKeyAlgs, ", "))
	case !slices.Contains(fits, alg):
		return nil, "", fmt.Errorf("client key alg %q does not fit the key in %s (it signs %s)", alg, path, strings.Join(fits, ", "))
	}
	return key.(crypto.Signer), jose.SignatureAlgorithm(alg), nil
}

// newClientAssertion prepares the assertion signer of pc, or returns nil when
// pc does not use private_key_jwt.
func newClientAssertion(pc ProviderConfig, now func() time.Time) (*clientAssertion, error) {
	if !pc.usesClientKey() {
		return nil, nil
	}
	key, alg, err := loadClientKey(pc.ClientKeyFile, pc.ClientKeyAlg)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: key, KeyID: pc.ClientKeyID}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jwk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("client key: %w", err)
	}
	return &clientAssertion{clientID: pc.ClientID, signer: signer, now: now}, nil
}

// sign returns a fresh assertion for a request to endpoint.
func (a *clientAssertion) sign(endpoint string) (string, error) {
	now := a.now()
	claims := jwt.Claims{
		Issuer: a.clientID, Subject: a.clientID, Audience: jwt.Audience{endpoint}, ID: rand.Text(),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(clientAssertionLifetime)),
	}
	return jwt.Signed(a.signer).Claims(claims).Serialize()
}

// assertionTransport adds a fresh client assertion to every POST to the
// provider's token or introspection endpoint, and removes any other client
// credential from it.
type assertionTransport struct {
	base   http.RoundTripper
	prov   *provider
	assert *clientAssertion
}

func (t *assertionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil || !t.isClientEndpoint(req.URL) {
		return t.base.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("client assertion: request body: %w", err)
	}
	endpoint := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	tok, err := t.assert.sign(endpoint)
	if err != nil {
		return nil, fmt.Errorf("client assertion: %w", err)
	}
	form.Del("client_secret")
	form.Set("client_id", t.assert.clientID)
	form.Set("client_assertion_type", clientAssertionType)
	form.Set("client_assertion", tok)
	body := form.Encode()
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(body))), nil }
	return t.base.RoundTrip(r)
}

// isClientEndpoint reports whether u is the token or introspection endpoint of
// the provider's current metadata.
func (t *assertionTransport) isClientEndpoint(u *url.URL) bool {
	m := t.prov.meta.Load()
	if m == nil {
		return false
	}
	s := u.Scheme + "://" + u.Host + u.Path
	return s == m.oauth.Endpoint.TokenURL || (m.introspection != "" && s == m.introspection)
}

// withClientAssertion gives prov an HTTP client that signs its client
// assertions, over base.
func (prov *provider) withClientAssertion(base *http.Client) {
	if prov.assert == nil {
		return
	}
	c := *base
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &assertionTransport{base: rt, prov: prov, assert: prov.assert}
	prov.client = &c
}
