package integration

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
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// confClientKey makes an ES256 key, writes it as a PKCS #8 PEM file and
// returns the file and the public JWKS (kid "rp-1").
func confClientKey(t *testing.T) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "rp-1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return path, set
}

// TestConformancePrivateKeyJWT signs in with rp against a provider that
// accepts only private_key_jwt from the client (no secret at all): the
// code exchange and the refresh each carry a fresh client assertion, and
// a key the provider does not know is refused.
func TestConformancePrivateKeyJWT(t *testing.T) {
	t.Parallel()
	keyFile, jwks := confClientKey(t)
	requireKey := func(c *mockidp.Config) {
		c.AccessTokenTTL = confRefreshAccessTTL
		c.Clients[0].Secret = ""
		c.Clients[0].AuthMethod = mockidp.AuthPrivateKeyJWT
		c.Clients[0].JWKS = jwks
	}
	useKey := func(file string) func(*rp.ProviderConfig) {
		return func(pc *rp.ProviderConfig) {
			pc.ClientSecret, pc.ClientKeyFile, pc.ClientKeyID = "", file, "rp-1"
		}
	}

	t.Run("sign-in-and-refresh", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{idp: requireKey, provider: useKey(keyFile)})
		b := st.browser()
		st.signIn(b)
		st.clock.Advance(confRefreshAccessTTL / 2) // rp refreshes before the access token expires
		if r := b.Get(st.rpURL + confApp); r.StatusCode != http.StatusOK || string(r.Body) != "landed as alice" {
			t.Fatalf("app page after the refresh: want 200\n%s\nrp log:\n%s", r, st.log)
		}
		reqs := st.idp.Requests("token")
		if len(reqs) != 2 || reqs[0].Params.Get("grant_type") != "authorization_code" || reqs[1].Params.Get("grant_type") != "refresh_token" {
			t.Fatalf("token requests: %+v, want a code exchange and a refresh", reqs)
		}
		for _, r := range reqs {
			if r.Status != http.StatusOK || r.Params.Get("client_assertion") != mockidp.Redacted ||
				r.Params.Get("client_assertion_type") != mockidp.ClientAssertionType || r.Has("client_secret") || r.Authorization != "" {
				t.Errorf("token request %s: status %d, params %v, Authorization %q; want 200 with a client assertion and nothing else",
					r.Params.Get("grant_type"), r.Status, r.Params, r.Authorization)
			}
		}
		found := false
		for _, rec := range st.log.records() {
			found = found || rec["msg"] == "provider discovered" && rec["client_auth"] == "private_key_jwt"
		}
		if !found {
			t.Errorf("rp log: no \"provider discovered\" line with client_auth private_key_jwt\n%s", st.log)
		}
	})

	t.Run("unknown-key-refused", func(t *testing.T) {
		t.Parallel()
		otherFile, _ := confClientKey(t)
		st := startConf(t, confOptions{idp: requireKey, provider: useKey(otherFile)})
		b := st.browser()
		r := st.attempt(b)
		if r.StatusCode < 400 {
			t.Fatalf("sign-in with a key the provider does not know: want rp's error page\n%s", r)
		}
		if got := st.idp.Requests("token"); len(got) != 1 || got[0].Status != http.StatusUnauthorized {
			t.Errorf("token requests: %+v, want one answered 401", got)
		}
		st.assertNoSession(b)
	})

	t.Run("secret-refused", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, confOptions{idp: func(c *mockidp.Config) {
			requireKey(c)
			c.Clients[0].Secret = "demo-secret" // it has one, but must not use it
		}})
		b := st.browser()
		if r := st.attempt(b); r.StatusCode < 400 {
			t.Fatalf("sign-in with the client secret where private_key_jwt is required: want rp's error page\n%s", r)
		}
		st.assertNoSession(b)
	})
}
