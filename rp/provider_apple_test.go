package rp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/foyer-oidc/foyer/mockidp"
)

// appleKey writes a new P-256 key as an Apple .p8 file and returns its path and the key.
func appleKey(t *testing.T) (string, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "AuthKey_KEY123.p8")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, key
}

func TestAppleClientSecretMinting(t *testing.T) {
	t.Parallel()
	path, key := appleKey(t)
	clock := newFakeClock()
	a, err := newAppleSecret(ProviderConfig{
		Kind: KindApple, ClientID: "com.example.web", Issuer: "https://appleid.apple.com",
		AppleTeamID: "TEAM123", AppleKeyID: "KEY123", AppleKeyFile: path,
	}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(s string) jwt.Claims {
		t.Helper()
		tok, err := jwt.ParseSigned(s, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if h := tok.Headers[0]; h.KeyID != "KEY123" || h.Algorithm != "ES256" {
			t.Errorf("header kid=%q alg=%q, want KEY123 ES256", h.KeyID, h.Algorithm)
		}
		var c jwt.Claims
		if err := tok.Claims(&key.PublicKey, &c); err != nil {
			t.Fatalf("signature does not verify with the public key: %v", err)
		}
		if err := c.ValidateWithLeeway(jwt.Expected{
			Issuer: "TEAM123", Subject: "com.example.web", AnyAudience: jwt.Audience{"https://appleid.apple.com"}, Time: clock.Now(),
		}, 0); err != nil {
			t.Errorf("claims: %v", err)
		}
		if life := c.Expiry.Time().Sub(c.IssuedAt.Time()); life <= 0 || life > appleMaxLifetime {
			t.Errorf("lifetime %v, want in (0, 180 days]", life)
		}
		return c
	}
	first, err := a.get()
	if err != nil {
		t.Fatal(err)
	}
	c1 := check(first)
	if again, _ := a.get(); again != first {
		t.Error("a fresh secret was minted again at once")
	}
	// Shortly before expiry a new one is minted, and it is valid at that time.
	clock.Advance(c1.Expiry.Time().Sub(clock.Now()) - appleSecretRenew/2)
	second, err := a.get()
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("the secret was not minted again before it expired")
	}
	c2 := check(second)
	if !c2.Expiry.Time().After(c1.Expiry.Time()) {
		t.Errorf("new expiry %v not after the old %v", c2.Expiry.Time(), c1.Expiry.Time())
	}
	// Long after expiry, too.
	clock.Advance(48 * time.Hour)
	third, _ := a.get()
	if third == second {
		t.Fatal("an expired secret was handed out")
	}
	check(third)
}

func TestAppleKeySettingsProblems(t *testing.T) {
	t.Parallel()
	good, _ := appleKey(t)
	dir := t.TempDir()
	rsaLike := filepath.Join(dir, "cert.pem")
	os.WriteFile(rsaLike, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), 0o600)
	garbage := filepath.Join(dir, "garbage.p8")
	os.WriteFile(garbage, []byte("not a key"), 0o600)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	wrongCurve := filepath.Join(dir, "p384.p8")
	os.WriteFile(wrongCurve, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)

	base := ProviderConfig{ID: "apple", Kind: KindApple, Issuer: "https://appleid.apple.com", ClientID: "c",
		AppleTeamID: "T", AppleKeyID: "K", AppleKeyFile: good}
	tests := []struct {
		name string
		mod  func(*ProviderConfig)
		want []string
	}{
		{"no team id or key id", func(p *ProviderConfig) { p.AppleTeamID, p.AppleKeyID = "", "" }, []string{"team id", "key id"}},
		{"missing file", func(p *ProviderConfig) { p.AppleKeyFile = filepath.Join(dir, "nope") }, []string{"no such file"}},
		{"not PEM", func(p *ProviderConfig) { p.AppleKeyFile = garbage }, []string{"no PEM block"}},
		{"a certificate", func(p *ProviderConfig) { p.AppleKeyFile = rsaLike }, []string{"PEM type"}},
		{"P-384", func(p *ProviderConfig) { p.AppleKeyFile = wrongCurve }, []string{"P-256"}},
		{"secret as well", func(p *ProviderConfig) { p.ClientSecret = "s" }, []string{"not both"}},
		{"basic auth", func(p *ProviderConfig) { p.TokenAuth = "client_secret_basic" }, []string{"client_secret_post"}},
		{"kind apple without anything", func(p *ProviderConfig) { p.AppleTeamID, p.AppleKeyID, p.AppleKeyFile = "", "", "" }, []string{"apple_key_file"}},
		{"key settings on another kind", func(p *ProviderConfig) { p.Kind = "" }, []string{"only for kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pc := base
			tt.mod(&pc)
			err := pc.validate()
			if err == nil {
				t.Fatal("validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("validate() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
	if err := base.validate(); err != nil {
		t.Errorf("valid apple settings: %v", err)
	}
}

func TestAppleSignIn(t *testing.T) {
	t.Parallel()
	path, key := appleKey(t)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	client := mockidp.Client{ID: "com.example.web", AllowLoopbackRedirects: true,
		SecretJWTKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})}
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithClients(client), mockidp.WithConfig(func(c *mockidp.Config) { c.Persona = mockidp.PersonaApple })},
		cfg: func(c *Config) {
			pc := &c.Providers[0]
			pc.Kind, pc.ClientID, pc.ClientSecret = KindApple, client.ID, ""
			pc.AppleTeamID, pc.AppleKeyID, pc.AppleKeyFile = "TEAM123", "KEY123", path
		},
	})
	signIn := func() User {
		t.Helper()
		c := h.newBrowser()
		resp, page := h.get(c, "/auth/login?rd=/app/")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `method="post"`) {
			t.Fatalf("Apple did not answer with form_post: %d %s", resp.StatusCode, truncate(page, 300))
		}
		resp, body := h.submitFormPost(c, page)
		if resp.StatusCode != http.StatusOK || body != "hello alice" {
			t.Fatalf("form_post callback: %d %q, want 200 hello alice (the minted client secret was refused?)", resp.StatusCode, truncate(body, 300))
		}
		_, js := h.get(c, "/auth/userinfo")
		var u User
		if err := json.Unmarshal([]byte(js), &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	// The first sign-in carries the name in the user form field; it is kept.
	if u := signIn(); u.Name != "Alice Example" || u.Claims["given_name"] != "Alice" || u.Email != "alice@example.com" {
		t.Errorf("first sign-in: name %q given_name %v email %q, want Alice Example, Alice, alice@example.com", u.Name, u.Claims["given_name"], u.Email)
	}
	// Apple sends it only once.
	if u := signIn(); u.Name != "" {
		t.Errorf("second sign-in: name %q, want none (Apple sends it once)", u.Name)
	}
	// After the secret's lifetime a new one is minted and accepted.
	h.clock.Advance(appleSecretLifetime + time.Minute)
	h.idp.Advance(appleSecretLifetime + time.Minute)
	signIn()
}
