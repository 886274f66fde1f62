package mockidp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// assertionFor returns valid private_key_jwt claims for client at ts's
// token endpoint, with over laid on top (a nil value deletes).
func assertionFor(ts *TestServer, client string, over map[string]any) map[string]any {
	now := ts.Now().Unix()
	c := map[string]any{"iss": client, "sub": client, "aud": ts.Issuer + "/token", "iat": now, "exp": now + 60,
		"jti": randomToken()[:16]}
	applyClaims(c, over)
	return c
}

// assertionForm is a client_credentials request authenticated by assertion.
func assertionForm(assertion string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {ClientAssertionType},
		"client_assertion": {assertion}}
}

// hs256With signs claims with HS256 using secret as the HMAC key.
func hs256With(t *testing.T, claims map[string]any, secret []byte) string {
	t.Helper()
	tok, err := unsignedJWT(map[string]any{"alg": "HS256", "kid": "k1"}, claims, secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestClientAssertionErrors(t *testing.T) {
	t.Parallel()
	k1, k2, other := newTestKey(t, "k1"), newTestKey(t, "k2"), newTestKey(t, "k1")
	ts := NewTestServer(t, WithClients(
		Client{ID: "svc", AuthMethod: AuthPrivateKeyJWT, JWKS: jwksOf(t, k1, k2)},
		Client{ID: "other", AuthMethod: AuthPrivateKeyJWT, JWKS: jwksOf(t, other)},
		Client{ID: "es384-only", AuthSigningAlg: "ES384", JWKS: jwksOf(t, k1)},
		Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true},
		Client{ID: "both", Secret: "both-secret", JWKS: jwksOf(t, k1)},
		Client{ID: "pkj-with-secret", Secret: "pkj-secret", AuthMethod: AuthPrivateKeyJWT, JWKS: jwksOf(t, k1)},
	))
	ts.Freeze()
	noKID := &testKey{priv: k1.priv, alg: k1.alg}
	replayed := k1.sign(t, assertionFor(ts, "svc", nil))
	tests := []struct {
		name     string
		form     url.Values
		basic    [2]string
		status   int
		wantCode string
	}{
		{"valid", assertionForm(k1.sign(t, assertionFor(ts, "svc", nil))), [2]string{}, 200, ""},
		{"second key", assertionForm(k2.sign(t, assertionFor(ts, "svc", nil))), [2]string{}, 200, ""},
		{"no kid, two keys", assertionForm(noKID.sign(t, assertionFor(ts, "svc", nil))), [2]string{}, 200, ""},
		{"aud is the issuer", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": ts.Issuer}))), [2]string{}, 200, ""},
		{"aud list with the token endpoint", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": []string{"https://x.example", ts.Issuer + "/token"}}))), [2]string{}, 200, ""},
		{"client_id matches", withParam(assertionForm(k1.sign(t, assertionFor(ts, "svc", nil))), "client_id", "svc"), [2]string{}, 200, ""},
		{"both methods allowed: assertion", assertionForm(k1.sign(t, assertionFor(ts, "both", nil))), [2]string{}, 200, ""},
		{"both methods allowed: secret", url.Values{"grant_type": {"client_credentials"}}, [2]string{"both", "both-secret"}, 200, ""},

		{"replay: first use", assertionForm(replayed), [2]string{}, 200, ""},
		{"replay: second use", assertionForm(replayed), [2]string{}, 401, "invalid_client"},
		{"wrong aud", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": "https://other.example/token"}))), [2]string{}, 401, "invalid_client"},
		{"aud of another endpoint", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": ts.Issuer + "/userinfo"}))), [2]string{}, 401, "invalid_client"},
		{"aud with a trailing slash", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": ts.Issuer + "/token/"}))), [2]string{}, 401, "invalid_client"},
		{"no aud", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"aud": nil}))), [2]string{}, 401, "invalid_client"},
		{"expired", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": ts.Now().Unix() - 1}))), [2]string{}, 401, "invalid_client"},
		{"exp is now", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": ts.Now().Unix()}))), [2]string{}, 401, "invalid_client"},
		{"exp too far", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": ts.Now().Add(maxAssertionLifetime).Unix() + 1}))), [2]string{}, 401, "invalid_client"},
		{"exp at the limit", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": ts.Now().Add(maxAssertionLifetime).Unix()}))), [2]string{}, 200, ""},
		{"exp as a string", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": "9999999999"}))), [2]string{}, 401, "invalid_client"},
		{"no exp", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"exp": nil}))), [2]string{}, 401, "invalid_client"},
		{"nbf in the future", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"nbf": ts.Now().Add(assertionLeeway).Unix() + 1}))), [2]string{}, 401, "invalid_client"},
		{"nbf at the leeway", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"nbf": ts.Now().Add(assertionLeeway).Unix()}))), [2]string{}, 200, ""},
		{"iat at the leeway", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"iat": ts.Now().Add(assertionLeeway).Unix()}))), [2]string{}, 200, ""},
		{"iat in the future", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"iat": ts.Now().Add(assertionLeeway).Unix() + 1}))), [2]string{}, 401, "invalid_client"},
		{"no jti", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"jti": nil}))), [2]string{}, 401, "invalid_client"},
		{"bad signature", assertionForm(corruptSignature(k1.sign(t, assertionFor(ts, "svc", nil)))), [2]string{}, 401, "invalid_client"},
		{"signed by another client's key, its kid", assertionForm(other.sign(t, assertionFor(ts, "svc", nil))), [2]string{}, 401, "invalid_client"},
		{"another client's claims, own key", assertionForm(k1.sign(t, assertionFor(ts, "other", nil))), [2]string{}, 401, "invalid_client"},
		{"iss is not sub", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"iss": "other"}))), [2]string{}, 401, "invalid_client"},
		{"sub is another client", assertionForm(k1.sign(t, assertionFor(ts, "svc", map[string]any{"sub": "other"}))), [2]string{}, 401, "invalid_client"},
		{"client_id differs", withParam(assertionForm(k1.sign(t, assertionFor(ts, "svc", nil))), "client_id", "other"), [2]string{}, 401, "invalid_client"},
		{"unknown client", assertionForm(k1.sign(t, assertionFor(ts, "nobody", nil))), [2]string{}, 401, "invalid_client"},
		{"unknown kid", assertionForm(newTestKey(t, "k9").sign(t, assertionFor(ts, "svc", nil))), [2]string{}, 401, "invalid_client"},
		{"alg none", assertionForm(mustUnsigned(t, map[string]any{"alg": "none", "kid": "k1"}, assertionFor(ts, "svc", nil))), [2]string{}, 401, "invalid_client"},
		{"HS256 keyed with the public JWK", assertionForm(hs256With(t, assertionFor(ts, "svc", nil), []byte(k1.jwk(t)))), [2]string{}, 401, "invalid_client"},
		{"HS256 keyed with the client_id", assertionForm(hs256With(t, assertionFor(ts, "svc", nil), []byte("svc"))), [2]string{}, 401, "invalid_client"},
		{"alg the client did not register", assertionForm(k1.sign(t, assertionFor(ts, "es384-only", nil))), [2]string{}, 401, "invalid_client"},
		{"wrong assertion type", withParam(assertionForm(k1.sign(t, assertionFor(ts, "svc", nil))), "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"), [2]string{}, 401, "invalid_client"},
		{"type without assertion", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {ClientAssertionType}}, [2]string{}, 401, "invalid_client"},
		{"not a JWT", assertionForm("not.a.jwt"), [2]string{}, 401, "invalid_client"},
		{"assertion and secret", withParam(assertionForm(k1.sign(t, assertionFor(ts, "both", nil))), "client_secret", "both-secret"), [2]string{}, 400, "invalid_request"},
		{"assertion and Basic", assertionForm(k1.sign(t, assertionFor(ts, "both", nil))), [2]string{"both", "both-secret"}, 400, "invalid_request"},
		{"private_key_jwt client sends a secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {"x"}}, [2]string{}, 401, "invalid_client"},
		{"private_key_jwt client sends its secret", url.Values{"grant_type": {"client_credentials"}}, [2]string{"pkj-with-secret", "pkj-secret"}, 401, "invalid_client"},
		{"private_key_jwt client with a secret, assertion", assertionForm(k1.sign(t, assertionFor(ts, "pkj-with-secret", nil))), [2]string{}, 200, ""},
		{"secret client sends an assertion", assertionForm(k1.sign(t, assertionFor(ts, "demo", nil))), [2]string{}, 401, "invalid_client"},
	}
	for _, tt := range tests { // in order: the replay rows depend on it
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", tt.form, tt.basic[0], tt.basic[1])
		if resp.StatusCode != tt.status || (tt.wantCode != "" && oauthErr(t, body) != tt.wantCode) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.wantCode)
		}
		if tt.status == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: no WWW-Authenticate on 401", tt.name)
		}
	}
}

func withParam(v url.Values, k, val string) url.Values {
	v.Set(k, val)
	return v
}

func mustUnsigned(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	tok, err := unsignedJWT(header, claims, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestClientAssertionExpiryEdges moves the clock around one assertion's
// exp: one second before it is accepted, one second after refused.
func TestClientAssertionExpiryEdges(t *testing.T) {
	t.Parallel()
	k := newTestKey(t, "k")
	ts := NewTestServer(t, WithClients(Client{ID: "svc", JWKS: jwksOf(t, k)}))
	start := ts.Freeze()
	exp := start.Add(30 * time.Second).Unix()
	send := func() int {
		resp, _ := postForm(t, http.DefaultClient, ts.Issuer+"/token",
			assertionForm(k.sign(t, assertionFor(ts, "svc", map[string]any{"exp": exp, "iat": start.Unix()}))), "", "")
		return resp.StatusCode
	}
	ts.Advance(29 * time.Second)
	if got := send(); got != 200 {
		t.Errorf("one second before exp: %d, want 200", got)
	}
	ts.Advance(2 * time.Second)
	if got := send(); got != 401 {
		t.Errorf("one second after exp: %d, want 401", got)
	}
}

// TestClientAssertionOtherEndpoints authenticates at introspection and
// revocation, where aud may also be that endpoint's URL.
func TestClientAssertionOtherEndpoints(t *testing.T) {
	t.Parallel()
	k := newTestKey(t, "k")
	ts := NewTestServer(t, WithClients(Client{ID: "svc", AuthMethod: AuthPrivateKeyJWT, JWKS: jwksOf(t, k)}))
	resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", assertionForm(k.sign(t, assertionFor(ts, "svc", nil))), "", "")
	var tok tokenResponse
	if err := json.Unmarshal([]byte(body), &tok); resp.StatusCode != 200 || err != nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	for _, tt := range []struct {
		endpoint, aud string
		want          int
	}{
		{"introspect", "/introspect", 200}, {"introspect", "/token", 200}, {"introspect", "", 200}, {"introspect", "/revoke", 401},
		{"revoke", "/revoke", 200}, {"revoke", "/introspect", 401},
	} {
		form := url.Values{"token": {tok.AccessToken}, "client_assertion_type": {ClientAssertionType},
			"client_assertion": {k.sign(t, assertionFor(ts, "svc", map[string]any{"aud": ts.Issuer + tt.aud}))}}
		resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/"+tt.endpoint, form, "", "")
		if resp.StatusCode != tt.want {
			t.Errorf("%s with aud %s: %d %s, want %d", tt.endpoint, ts.Issuer+tt.aud, resp.StatusCode, body, tt.want)
		}
	}
}

// TestClientAssertionJWKSURI fetches the client's keys from its JWKS URI,
// refetches on an unknown kid at most every 10 seconds, and keeps the
// last good set when the URI fails.
func TestClientAssertionJWKSURI(t *testing.T) {
	t.Parallel()
	a, b := newTestKey(t, "a"), newTestKey(t, "b")
	var current atomic.Value
	current.Store(jwksOf(t, a))
	var fetches, failing atomic.Int32
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if failing.Load() == 1 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(current.Load().([]byte))
	}))
	t.Cleanup(keys.Close)
	ts := NewTestServer(t, WithClients(Client{ID: "svc", AuthMethod: AuthPrivateKeyJWT, JWKSURI: keys.URL + "/jwks.json"}))
	ts.Freeze()
	send := func(k *testKey) int {
		resp, _ := postForm(t, http.DefaultClient, ts.Issuer+"/token", assertionForm(k.sign(t, assertionFor(ts, "svc", nil))), "", "")
		return resp.StatusCode
	}
	if got := send(a); got != 200 || fetches.Load() != 1 {
		t.Fatalf("key a: %d after %d fetches, want 200 after 1", got, fetches.Load())
	}
	current.Store(jwksOf(t, b)) // the client rotates to key b
	ts.Advance(9 * time.Second)
	if got := send(b); got != 401 {
		t.Errorf("key b 9 s after the fetch: %d, want 401 (no refetch yet)", got)
	}
	ts.Advance(2 * time.Second)
	if got := send(b); got != 200 || fetches.Load() != 2 {
		t.Errorf("key b 11 s after the fetch: %d after %d fetches, want 200 after 2", got, fetches.Load())
	}
	failing.Store(1)
	ts.Advance(jwksMaxAge + time.Second)
	if got := send(b); got != 200 {
		t.Errorf("key b with the JWKS URI down: %d, want 200 from the last good set", got)
	}
}

// TestHS256ConfusionHelper checks the test's own HS256 signer, so that a
// refusal above is the provider's doing.
func TestHS256ConfusionHelper(t *testing.T) {
	tok := hs256With(t, map[string]any{"a": 1}, []byte("k"))
	parts := strings.Split(tok, ".")
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
		t.Fatal("hs256With does not sign")
	}
}
