package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestRuntimeClientOverHTTP is what a CI job in another language does:
// register its own client with its exact redirect URI, sign in with it,
// remove it, and see it refused.
func TestRuntimeClientOverHTTP(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	st, body := ctl(t, ts, "POST", "/_mock/clients",
		`{"id":"ci-app","secret":"ci-secret","redirect_uris":["`+testRedirect+`"],"tag":"job-1"}`)
	if st != http.StatusCreated || strings.Contains(body, "ci-secret") || !strings.Contains(body, `"has_secret":true`) {
		t.Fatalf("POST clients: %d %s (want 201, no secret shown)", st, body)
	}
	rp := newRP(t, withClient(ts, "ci-app"))
	if _, err := exchange(t, rp); err != nil {
		t.Fatalf("sign-in with the added client: %v", err)
	}
	// Its redirect URI is matched exactly, not as a loopback pattern.
	q := authorizeRedirect(t, newBrowser(t), authURL(ts, map[string]string{"client_id": "ci-app"}))
	if q.Get("code") == "" {
		t.Fatalf("registered redirect refused: %v", q)
	}
	resp, body := get(t, newBrowser(t), strings.Replace(authURL(ts, map[string]string{"client_id": "ci-app"}),
		"5555%2Fcallback", "5555%2Fcallbac", 1))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not registered") {
		t.Errorf("another redirect URI: %d, want the error page", resp.StatusCode)
	}
	st, body = ctl(t, ts, "GET", "/_mock/clients", "")
	if st != 200 || !strings.Contains(body, `"id":"ci-app"`) || !strings.Contains(body, `"tag":"job-1"`) || strings.Contains(body, "secret\":\"") {
		t.Errorf("GET clients: %d %s", st, body)
	}
	if st, body := ctl(t, ts, "POST", "/_mock/clients", `{"id":"ci-app","secret":"x"}`); st != http.StatusConflict {
		t.Errorf("second POST of ci-app: %d %s, want 409", st, body)
	}
	tok, err := exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = postForm(t, http.DefaultClient, ts.Issuer+"/token", map[string][]string{"grant_type": {"client_credentials"}},
		"ci-app", "ci-secret")
	var cc tokenResponse
	if err := json.Unmarshal([]byte(body), &cc); resp.StatusCode != 200 || err != nil {
		t.Fatalf("client_credentials: %d %s", resp.StatusCode, body)
	}
	if st, body := ctl(t, ts, "DELETE", "/_mock/clients/ci-app", ""); st != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", st, body)
	}
	if st, _ := ctl(t, ts, "DELETE", "/_mock/clients/ci-app", ""); st != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", st)
	}
	if resp, _ := get(t, newBrowser(t), authURL(ts, map[string]string{"client_id": "ci-app"})); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("authorize for the removed client: %d, want 400", resp.StatusCode)
	}
	if resp, body := postForm(t, http.DefaultClient, ts.Issuer+"/token", map[string][]string{"grant_type": {"client_credentials"}},
		"ci-app", "ci-secret"); resp.StatusCode != http.StatusUnauthorized || oauthErr(t, body) != "invalid_client" {
		t.Errorf("token request of the removed client: %d %s, want 401 invalid_client", resp.StatusCode, body)
	}
	if code := userinfoStatus(t, ts, tok.AccessToken); code != http.StatusUnauthorized {
		t.Errorf("access token of the removed client: userinfo %d, want 401", code)
	}
	_, body = postForm(t, http.DefaultClient, ts.Issuer+"/introspect", map[string][]string{"token": {cc.AccessToken}}, "demo", "demo-secret")
	if body != `{"active":false}` {
		t.Errorf("introspection of the removed client's client_credentials token: %s, want inactive", body)
	}
}

func TestRuntimeClientBadRequests(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	tests := []struct {
		name, body string
		want       int
		text       string
	}{
		{"no id", `{"secret":"s"}`, 400, "empty ID"},
		{"configured id", `{"id":"demo","secret":"s"}`, 409, "already registered"},
		{"unknown member", `{"id":"a","client_secret":"s"}`, 400, "unknown field"},
		{"relative redirect", `{"id":"a","redirect_uris":["/cb"]}`, 400, "absolute"},
		{"redirect with fragment", `{"id":"a","redirect_uris":["http://127.0.0.1/cb#x"]}`, 400, "fragment"},
		{"unknown auth method", `{"id":"a","secret":"s","auth_method":"client_secret_jwt"}`, 400, "AuthMethod"},
		{"private_key_jwt without keys", `{"id":"a","auth_method":"private_key_jwt"}`, 400, "needs JWKS"},
		{"secret method without secret", `{"id":"a","auth_method":"client_secret_post"}`, 400, "needs a Secret"},
		{"none with a secret", `{"id":"a","secret":"s","auth_method":"none"}`, 400, "public client"},
		{"jwks not an object", `{"id":"a","jwks":"{}"}`, 400, "JSON Web Key Set"},
		{"jwks empty", `{"id":"a","jwks":{"keys":[]}}`, 400, "no keys"},
		{"jwks private key", `{"id":"a","jwks":{"keys":[` + privateJWK(t) + `]}}`, 400, "private"},
		{"jwks symmetric key", `{"id":"a","jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, 400, "symmetric"},
		{"jwks and jwks_uri", `{"id":"a","jwks":{"keys":[` + publicJWK(t, "k1") + `]},"jwks_uri":"http://127.0.0.1/j"}`, 400, "not both"},
		{"jwks duplicate kid", `{"id":"a","jwks":{"keys":[` + publicJWK(t, "k1") + `,` + publicJWK(t, "k1") + `]}}`, 400, "twice"},
		{"hmac signing alg", `{"id":"a","jwks_uri":"http://127.0.0.1/j","auth_signing_alg":"HS256"}`, 400, "AuthSigningAlg"},
		{"unknown grant", `{"id":"a","secret":"s","grant_types":["password"]}`, 400, "unknown grant type"},
		{"scope with space", `{"id":"a","secret":"s","scopes":["a b"]}`, 400, "scope token"},
		{"has_secret sent", `{"id":"a","has_secret":true}`, 400, "read-only"},
		{"user without sub", `{"claims":{}}`, 400, "empty Subject"},
	}
	for _, tt := range tests {
		path := "/_mock/clients"
		if strings.HasPrefix(tt.name, "user") {
			path = "/_mock/users"
		}
		if st, body := ctl(t, ts, "POST", path, tt.body); st != tt.want || !strings.Contains(body, tt.text) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, st, body, tt.want, tt.text)
		}
	}
	if st, body := ctl(t, ts, "GET", "/_mock/clients", ""); strings.Contains(body, `"id":"a"`) {
		t.Errorf("a refused client was registered: %d %s", st, body)
	}
	for _, path := range []string{"/_mock/clients/", "/_mock/users/"} {
		if st, _ := ctl(t, ts, "DELETE", path, ""); st != http.StatusNotFound {
			t.Errorf("DELETE %s: %d, want 404", path, st)
		}
	}
	if st, _ := ctl(t, ts, "PUT", "/_mock/clients/demo", "{}"); st != http.StatusMethodNotAllowed {
		t.Errorf("PUT a client: %d, want 405", st)
	}
}

// TestRuntimeUsers adds a user that login_hint then finds, removes it,
// and refuses to remove the last one.
func TestRuntimeUsers(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	if st, body := ctl(t, ts, "POST", "/_mock/users", `{"sub":"carol","claims":{"email":"carol@example.com"}}`); st != 201 {
		t.Fatalf("POST users: %d %s", st, body)
	}
	if st, _ := ctl(t, ts, "POST", "/_mock/users", `{"sub":"carol"}`); st != http.StatusConflict {
		t.Errorf("carol twice: %d, want 409", st)
	}
	tok, err := exchangeHint(t, newRP(t, ts), "carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok.Extra("id_token").(string)); c["sub"] != "carol" {
		t.Errorf("login_hint carol@example.com signed in %v", c["sub"])
	}
	for _, sub := range []string{"carol", "alice"} {
		if st, body := ctl(t, ts, "DELETE", "/_mock/users/"+sub, ""); st != http.StatusNoContent {
			t.Errorf("DELETE %s: %d %s", sub, st, body)
		}
	}
	if st, body := ctl(t, ts, "DELETE", "/_mock/users/bob", ""); st != http.StatusBadRequest || !strings.Contains(body, "last user") {
		t.Errorf("DELETE the last user: %d %s, want 400", st, body)
	}
	st, body := ctl(t, ts, "GET", "/_mock/users", "")
	if st != 200 || !strings.Contains(body, `"sub":"bob"`) || strings.Contains(body, "alice") {
		t.Errorf("GET users: %d %s, want bob only", st, body)
	}
	// Reset brings the configured users back.
	if st, _ := ctl(t, ts, "POST", "/_mock/reset", `{}`); st != http.StatusNoContent {
		t.Fatalf("reset: %d", st)
	}
	if _, body := ctl(t, ts, "GET", "/_mock/users", ""); !strings.Contains(body, `"sub":"alice"`) {
		t.Errorf("after reset: %s, want alice back", body)
	}
}

// TestRuntimeTagsIsolateParallelTests: parallel tests share one provider,
// each registers clients and faults under its own tag and resets only
// that tag; the others keep working.
func TestRuntimeTagsIsolateParallelTests(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, withControl())
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				tag, id := fmt.Sprintf("test-%d", i), fmt.Sprintf("app-%d", i)
				if st, body := ctl(t, ts, "POST", "/_mock/clients",
					`{"id":"`+id+`","secret":"s-`+id+`","allow_loopback_redirects":true,"tag":"`+tag+`"}`); st != 201 {
					t.Fatalf("POST client: %d %s", st, body)
				}
				if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"client_id":"`+id+`","token_error":"temporarily_unavailable","times":5}`); st != 201 {
					t.Fatalf("POST fault: %d %s", st, body)
				}
				rp := newRP(t, withClient(ts, id))
				if _, err := exchange(t, rp); err == nil || !strings.Contains(err.Error(), "temporarily_unavailable") {
					t.Fatalf("own fault: %v", err)
				}
				if st, _ := ctl(t, ts, "POST", "/_mock/reset", `{"tag":"`+tag+`"}`); st != 204 {
					t.Fatalf("reset tag: %d", st)
				}
				if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); strings.Contains(body, `"`+id+`"`) {
					t.Errorf("the tag reset left the fault of %s: %s", id, body)
				}
				if resp, _ := get(t, newBrowser(t), authURL(ts, map[string]string{"client_id": id})); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: authorize answers %d after its tag was reset, want 400", id, resp.StatusCode)
				}
			})
		}
		t.Run("untouched", func(t *testing.T) {
			t.Parallel()
			for range 4 {
				if _, err := exchange(t, newRP(t, ts)); err != nil {
					t.Errorf("the demo client failed while others reset their tags: %v", err)
				}
			}
		})
	})
	if st, body := ctl(t, ts, "POST", "/_mock/reset", `{"tag":""}`); st != 400 {
		t.Errorf("empty tag: %d %s, want 400", st, body)
	}
}

// TestRuntimeRegistryConcurrent races registry changes against sign-ins
// (run with -race).
func TestRuntimeRegistryConcurrent(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			id := fmt.Sprintf("c%d", i)
			for range 5 {
				if err := ts.AddClient("race", Client{ID: id, Secret: "s", AllowLoopbackRedirects: true}); err != nil {
					t.Error(err)
				}
				if err := ts.AddUser("", User{Subject: id}); err != nil {
					t.Error(err)
				}
				if err := ts.RemoveClient(id); err != nil {
					t.Error(err)
				}
				if err := ts.RemoveUser(id); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			code, verifier := freshCode(t, ts, "demo")
			if resp, body := redeem(t, ts, code, verifier); resp.StatusCode != 200 {
				t.Errorf("redeem during registry changes: %d %s", resp.StatusCode, body)
			}
		}
	})
	wg.Wait()
	if err := ts.RemoveClient("c0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveClient(c0) = %v, want ErrNotFound", err)
	}
	if err := ts.AddClient("", Client{ID: "demo"}); !errors.Is(err, ErrExists) {
		t.Errorf("AddClient(demo) = %v, want ErrExists", err)
	}
}

// TestResetRestoresConfiguredClient: removing a configured client lasts
// until Reset.
func TestResetRestoresConfiguredClient(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	if err := ts.RemoveClient("demo"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, newBrowser(t), authURL(ts, nil)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("authorize for demo after RemoveClient: %d, want 400", resp.StatusCode)
	}
	ts.Reset()
	if _, err := exchange(t, newRP(t, ts)); err != nil {
		t.Errorf("demo after Reset: %v", err)
	}
}

// TestMultiRuntimeIssuers adds, lists and removes issuers through the
// root control API of a Multi.
func TestMultiRuntimeIssuers(t *testing.T) {
	t.Parallel()
	servers := NewMultiTestServer(t, []string{"a"}, WithControlAPI())
	base := servers["a"].Server.URL
	root := &TestServer{Issuer: base} // ctl() sends to Issuer + path
	st, body := ctl(t, root, "POST", "/_mock/issuers", `{"name":"tenant-b","alg":"ES256","tag":"t1","users":[{"sub":"zoe"}]}`)
	if st != http.StatusCreated || !strings.Contains(body, `"issuer":"`+base+`/tenant-b"`) {
		t.Fatalf("POST issuers: %d %s", st, body)
	}
	var doc struct {
		Issuer string   `json:"issuer"`
		Algs   []string `json:"id_token_signing_alg_values_supported"`
	}
	resp, disc := get(t, http.DefaultClient, base+"/tenant-b/.well-known/openid-configuration")
	if err := json.Unmarshal([]byte(disc), &doc); resp.StatusCode != 200 || err != nil || doc.Issuer != base+"/tenant-b" || doc.Algs[0] != "ES256" {
		t.Fatalf("discovery of the new issuer: %d %s", resp.StatusCode, disc)
	}
	b := &TestServer{Issuer: base + "/tenant-b", ClientID: "demo", ClientSecret: "demo-secret"}
	tok, err := exchange(t, newRP(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, tok.Extra("id_token").(string)); c["sub"] != "zoe" || c["iss"] != base+"/tenant-b" {
		t.Errorf("new issuer's ID token: %v", c)
	}
	// Its own control API is on, under its path.
	if st, _ := ctl(t, b, "GET", "/_mock/clock", ""); st != 200 {
		t.Errorf("the new issuer's control API: %d", st)
	}
	for _, tt := range []struct{ body, text string }{
		{`{"name":"a"}`, "already registered"},
		{`{"name":"_x"}`, "issuer name"},
		{`{"name":"c","persona":"okta-ish"}`, "Persona"},
		{`{"name":"c","clients":[{"id":"x","tag":"t"}]}`, "no tag"},
		{`{"name":"c","nme":"x"}`, "unknown field"},
	} {
		if st, body := ctl(t, root, "POST", "/_mock/issuers", tt.body); st < 400 || !strings.Contains(body, tt.text) {
			t.Errorf("POST %s: %d %s, want an error containing %q", tt.body, st, body, tt.text)
		}
	}
	if st, body := ctl(t, root, "GET", "/_mock/issuers", ""); st != 200 || !strings.Contains(body, `"name":"tenant-b"`) {
		t.Errorf("GET issuers: %d %s", st, body)
	}
	if st, _ := ctl(t, root, "POST", "/_mock/reset", `{"tag":"t1"}`); st != 204 {
		t.Errorf("reset tag: %d", st)
	}
	if resp, _ := get(t, http.DefaultClient, base+"/tenant-b/.well-known/openid-configuration"); resp.StatusCode != 404 {
		t.Errorf("issuer after its tag reset: %d, want 404", resp.StatusCode)
	}
	if st, _ := ctl(t, root, "DELETE", "/_mock/issuers/a", ""); st != 204 {
		t.Errorf("DELETE a: %d", st)
	}
	if resp, _ := get(t, http.DefaultClient, base+"/a/.well-known/openid-configuration"); resp.StatusCode != 404 {
		t.Errorf("a after DELETE: %d, want 404", resp.StatusCode)
	}
	if st, _ := ctl(t, root, "POST", "/_mock/reset", ``); st != 204 {
		t.Errorf("reset: %d", st)
	}
	if resp, _ := get(t, http.DefaultClient, base+"/a/.well-known/openid-configuration"); resp.StatusCode != 200 {
		t.Errorf("a after reset: %d, want 200", resp.StatusCode)
	}
	// The root API has the same gate as a provider's.
	req, _ := http.NewRequest(http.MethodGet, base+"/_mock/issuers", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("root control API with Host evil.example: %v %v, want 403", resp, err)
	}
}

// TestMultiRootControlOff: without ControlAPI there is no root API.
func TestMultiRootControlOff(t *testing.T) {
	t.Parallel()
	servers := NewMultiTestServer(t, []string{"a"})
	if resp, _ := get(t, http.DefaultClient, servers["a"].Server.URL+"/_mock/issuers"); resp.StatusCode != 404 {
		t.Errorf("GET /_mock/issuers without ControlAPI: %d, want 404", resp.StatusCode)
	}
}
