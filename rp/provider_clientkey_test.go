package rp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// writeKey writes key as a PKCS #8 PEM file and returns the path.
func writeKey(t *testing.T, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientKeySettings(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ecFile, rsaFile, edFile, ec384File := writeKey(t, ec), writeKey(t, rsa2048), writeKey(t, ed), writeKey(t, ec384)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pc      ProviderConfig
		wantAlg string // "" when an error is wanted
		wantErr string
	}{
		{"EC key, alg from the curve", ProviderConfig{TokenAuth: "private_key_jwt", ClientKeyFile: ecFile}, "ES256", ""},
		{"key file alone implies private_key_jwt", ProviderConfig{ClientKeyFile: ec384File}, "ES384", ""},
		{"RSA key, RS256 by default", ProviderConfig{TokenAuth: "private_key_jwt", ClientKeyFile: rsaFile}, "RS256", ""},
		{"RSA key, PS256 asked", ProviderConfig{ClientKeyFile: rsaFile, ClientKeyAlg: "PS256"}, "PS256", ""},
		{"Ed25519 key", ProviderConfig{ClientKeyFile: edFile}, "EdDSA", ""},

		{"no key file", ProviderConfig{TokenAuth: "private_key_jwt"}, "", "needs a client key file"},
		{"key and secret", ProviderConfig{ClientKeyFile: ecFile, ClientSecret: "s"}, "", "not a client secret"},
		{"key with another token auth", ProviderConfig{TokenAuth: "client_secret_basic", ClientSecret: "s", ClientKeyFile: ecFile}, "", "need token auth private_key_jwt"},
		{"key id alone", ProviderConfig{ClientSecret: "s", ClientKeyID: "k"}, "", "need token auth private_key_jwt"},
		{"missing file", ProviderConfig{ClientKeyFile: filepath.Join(t.TempDir(), "none.pem")}, "", "client key file"},
		{"not PEM", ProviderConfig{ClientKeyFile: garbage}, "", "no PEM block"},
		{"short RSA key", ProviderConfig{ClientKeyFile: writeKey(t, rsa1024)}, "", "at least 2048"},
		{"alg for another key type", ProviderConfig{ClientKeyFile: ecFile, ClientKeyAlg: "RS256"}, "", "does not fit"},
		{"alg for another curve", ProviderConfig{ClientKeyFile: ecFile, ClientKeyAlg: "ES384"}, "", "does not fit"},
		{"HMAC alg", ProviderConfig{ClientKeyFile: ecFile, ClientKeyAlg: "HS256"}, "", "want one of"},
		{"alg none", ProviderConfig{ClientKeyFile: ecFile, ClientKeyAlg: "none"}, "", "want one of"},
	}
	for _, tt := range tests {
		errs := validateClientKey(tt.pc)
		if tt.wantErr != "" {
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.wantErr) {
				t.Errorf("%s: errors %v, want one containing %q", tt.name, errs, tt.wantErr)
			}
			continue
		}
		if len(errs) > 0 {
			t.Errorf("%s: %v", tt.name, errs)
			continue
		}
		if _, alg, err := loadClientKey(tt.pc.ClientKeyFile, tt.pc.ClientKeyAlg); err != nil || string(alg) != tt.wantAlg {
			t.Errorf("%s: alg %s, %v; want %s", tt.name, alg, err, tt.wantAlg)
		}
	}
}

// TestClientAssertionClaims checks one assertion: signed by the key with its
// kid, iss = sub = client id, aud = the endpoint, a fresh jti, 60 s.
func TestClientAssertionClaims(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	a, err := newClientAssertion(ProviderConfig{ClientID: "app", ClientKeyFile: writeKey(t, key), ClientKeyID: "k-1"}, func() time.Time { return now })
	if err != nil || a == nil {
		t.Fatalf("newClientAssertion: %v, %v", a, err)
	}
	first, _ := a.sign("https://idp.example/token")
	second, _ := a.sign("https://idp.example/token")
	var c1, c2 jwt.Claims
	for _, x := range []struct {
		tok string
		c   *jwt.Claims
	}{{first, &c1}, {second, &c2}} {
		tok, err := jwt.ParseSigned(x.tok, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		if h := tok.Headers[0]; h.KeyID != "k-1" || h.Algorithm != "ES256" {
			t.Errorf("header %+v", h)
		}
		if err := tok.Claims(&key.PublicKey, x.c); err != nil {
			t.Fatalf("signature: %v", err)
		}
	}
	if c1.Issuer != "app" || c1.Subject != "app" || len(c1.Audience) != 1 || c1.Audience[0] != "https://idp.example/token" ||
		c1.IssuedAt.Time() != now || c1.Expiry.Time() != now.Add(time.Minute) || c1.ID == "" {
		t.Errorf("claims %+v", c1)
	}
	if c1.ID == c2.ID {
		t.Errorf("two assertions share jti %s", c1.ID)
	}
	if a, err := newClientAssertion(ProviderConfig{ClientSecret: "s"}, time.Now); a != nil || err != nil {
		t.Errorf("a secret client got an asserter: %v, %v", a, err)
	}
}

// TestAssertionTransport: only POSTs to the token and introspection
// endpoints get an assertion, and any secret they carried is removed.
func TestAssertionTransport(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	a, err := newClientAssertion(ProviderConfig{ClientID: "app", ClientKeyFile: writeKey(t, key)}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var seen *http.Request
	var seenBody url.Values
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			seenBody, _ = url.ParseQuery(string(b))
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}}, nil
	})
	prov := &provider{assert: a}
	m := &metadata{introspection: "https://idp.example/introspect"}
	m.oauth.Endpoint.TokenURL = "https://idp.example/token"
	prov.meta.Store(m)
	prov.withClientAssertion(&http.Client{Transport: base})
	send := func(method, u, body string) {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("app", "leaked")
		seenBody = nil
		if _, err := prov.client.Do(req); err != nil {
			t.Fatal(err)
		}
	}
	for _, endpoint := range []string{"https://idp.example/token", "https://idp.example/introspect"} {
		send(http.MethodPost, endpoint, "grant_type=refresh_token&client_secret=leaked&refresh_token=r")
		if seenBody.Get("client_assertion_type") != clientAssertionType || seenBody.Get("client_assertion") == "" ||
			seenBody.Has("client_secret") || seen.Header.Get("Authorization") != "" || seenBody.Get("client_id") != "app" ||
			seenBody.Get("refresh_token") != "r" {
			t.Errorf("%s: body %v, Authorization %q", endpoint, seenBody, seen.Header.Get("Authorization"))
		}
		tok, err := jwt.ParseSigned(seenBody.Get("client_assertion"), []jose.SignatureAlgorithm{jose.ES256})
		var c jwt.Claims
		if err != nil || tok.Claims(&key.PublicKey, &c) != nil || c.Audience[0] != endpoint {
			t.Errorf("%s: assertion aud %v, %v", endpoint, c.Audience, err)
		}
	}
	for _, other := range [][2]string{{http.MethodPost, "https://idp.example/userinfo"}, {http.MethodPost, "https://evil.example/token"},
		{http.MethodGet, "https://idp.example/token"}} {
		send(other[0], other[1], "a=b")
		if seenBody.Has("client_assertion") || seen.Header.Get("Authorization") == "" {
			t.Errorf("%s %s got an assertion (or lost its own Authorization): %v", other[0], other[1], seenBody)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
