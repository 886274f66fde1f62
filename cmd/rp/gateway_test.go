package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// TestGatewayFlags runs rp with the gateway flags as environment variables: the
// assertion reaches the upstream and verifies with the JWKS, and --allowed-groups
// keeps bob (not an admin) out with a 403.
func TestGatewayFlags(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"user": r.Header.Get("X-Forwarded-User"), "assertion": r.Header.Get(rp.HeaderAssertion)})
	}))
	t.Cleanup(up.Close)
	env := map[string]string{"RP_ASSERTION": "on", "RP_ASSERTION_AUDIENCE": "my-app", "RP_ALLOWED_GROUPS": "admins", "RP_API_PATH_PREFIXES": "/api/"}
	st := start(t, []string{"--addr", "127.0.0.1:0", "--upstream", up.URL}, env)

	if resp, _ := fetch(t, browser(), "GET", st.url+"/api/x", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out request under --api-path-prefixes: %d, want 401", resp.StatusCode)
	}
	alice := browser()
	resp, body := signInWithForm(t, st, alice, "alice", "/page")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("alice: %d %s", resp.StatusCode, body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || got["user"] != "alice" || strings.Count(got["assertion"], ".") != 2 {
		t.Fatalf("upstream saw %v (%v), want alice with an assertion", got, err)
	}
	resp, jwks := fetch(t, alice, "GET", st.url+"/auth/jwks.json", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(jwks, `"ES256"`) {
		t.Errorf("JWKS: %d %s", resp.StatusCode, jwks)
	}
	bob := browser()
	resp, body = signInWithForm(t, st, bob, "bob", "/page")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "admins") {
		t.Errorf("bob: %d, want 403 naming the group: %s", resp.StatusCode, body)
	}
}

func TestApplyGatewayFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile := filepath.Join(dir, "assertion.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	yaml := `
trusted_proxies: [10.0.0.0/8, 192.0.2.7]
pass_access_token: true
forward_auth_redirect: true
email_domains: [example.com]
assertion: {enabled: true, audience: app, key_file: ` + keyFile + `}
rules:
  - path_prefix: /admin
    groups: [admins]
    claims: {"realm_access.roles": [editor]}
`
	env := map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": secret32}
	args := []string{"--trusted-proxies", "127.0.0.1", "--issuer", "https://idp.test", "--client-id", "rp"}
	_, a, err := configured(t, args, env, yaml)
	if err != nil {
		t.Fatal(err)
	}
	cfg := a.cfg
	if len(cfg.Gateway.TrustedProxies) != 1 || cfg.Gateway.TrustedProxies[0] != netip.MustParsePrefix("127.0.0.1/32") {
		t.Errorf("trusted proxies = %v, want the flag's 127.0.0.1/32 over the file", cfg.Gateway.TrustedProxies)
	}
	if !cfg.Gateway.PassAccessToken || !cfg.Gateway.ForwardAuthRedirect || !cfg.Gateway.Assertion.Enabled || cfg.Gateway.Assertion.Audience != "app" || !cfg.Gateway.Assertion.Key.Equal(key) {
		t.Errorf("config = %+v", cfg)
	}
	if len(cfg.Gateway.Rules) != 2 || cfg.Gateway.Rules[0].EmailDomains[0] != "example.com" || cfg.Gateway.Rules[1].PathPrefix != "/admin" || cfg.Gateway.Rules[1].Claims["realm_access.roles"][0] != "editor" {
		t.Errorf("rules = %+v", cfg.Gateway.Rules)
	}

	_, _, err = configured(t, append(args, "--trusted-proxies", "10.0.0.0/33,nope", "--assertion-key-file", filepath.Join(dir, "missing.pem")), env, "")
	if err == nil || strings.Count(err.Error(), "--trusted-proxies") != 2 || !strings.Contains(err.Error(), "--assertion-key-file") {
		t.Errorf("bad flags: err = %v, want both proxies and the key file reported", err)
	}
	if _, _, err := configured(t, []string{"--assertion=maybe"}, nil, ""); err == nil {
		t.Error("--assertion=maybe accepted")
	}
	if err := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--email-domains", "a@b", "--check-config"}, nil, io.Discard); err == nil {
		t.Error("--check-config accepted a bad email domain")
	}
}

// TestPublicRouteSettings runs rp with public routes from a flag, the variable and
// the file: they reach the upstream without a session, the rest stays protected,
// and a dot-dot out of a public prefix is refused.
func TestPublicRouteSettings(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "app "+r.Method+" "+r.URL.Path+" user="+r.Header.Get("X-Forwarded-User"))
	}))
	t.Cleanup(up.Close)
	st := start(t, []string{"--addr", "127.0.0.1:0", "--upstream", up.URL, "--public-cors-preflight",
		"--public-route", "POST /hooks/github", "--public-route", "/static/, GET /healthz/app", "--public-route", "PUT ~/api/v[0-9]+/ping"}, nil)
	c := browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/hooks/github", 200, "app POST /hooks/github user="},
		{"GET", "/static/app.js", 200, "app GET /static/app.js user="},
		{"GET", "/healthz/app", 200, "app GET /healthz/app user="},
		{"PUT", "/api/v2/ping", 200, "app PUT /api/v2/ping user="},
		{"GET", "/page", 302, ""},
		{"GET", "/hooks/github", 302, ""},
		{"POST", "/api/v2/ping", 401, ""},
	}
	for _, tt := range tests {
		resp, body := fetch(t, c, tt.method, st.url+tt.path, nil, "X-Forwarded-User", "forged")
		if resp.StatusCode != tt.status || (tt.body != "" && body != tt.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
	req, _ := http.NewRequest(http.MethodOptions, st.url+"/api/items", nil)
	req.Header.Set("Origin", "https://spa.example.com")
	req.Header.Set("Access-Control-Request-Method", "DELETE")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("CORS preflight: %v %v, want 200 from the app", resp, err)
	}
	// http.ServeMux redirects what it can clean (to the protected path); rp refuses
	// the rest.
	for line, want := range map[string]int{
		"GET /static/../page HTTP/1.1":     http.StatusTemporaryRedirect,
		"GET /static/%2e%2e/page HTTP/1.1": http.StatusBadRequest,
		"GET /static/..;/page HTTP/1.1":    http.StatusBadRequest,
		"GET /static;x/../page HTTP/1.1":   http.StatusTemporaryRedirect,
		"GET /static%2f..%2fpage HTTP/1.1": http.StatusBadRequest,
	} {
		if status, body := rawStatus(t, st.url, line); status != want || strings.Contains(body, "app ") {
			t.Errorf("%s: %d %q, want %d and nothing from the app", line, status, truncate(body), want)
		}
	}
}

// rawStatus sends a request line as written (nothing cleans it) and returns the status.
func rawStatus(t *testing.T, base, requestLine string) (int, string) {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, requestLine+"\r\nHost: "+u.Host+"\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func truncate(s string) string { return s[:min(len(s), 200)] }

// TestBearerSettings runs rp with --bearer and its introspection flags against a
// mock provider: a client_credentials token (a JWT, verified locally and introspected)
// passes the proxy and /auth/verify; a made-up token gets RFC 6750's 401.
func TestBearerSettings(t *testing.T) {
	t.Parallel()
	idp := mockidp.NewTestServer(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "user="+r.Header.Get("X-Forwarded-User"))
	}))
	t.Cleanup(up.Close)
	env := map[string]string{"RP_ISSUER": idp.Issuer, "RP_CLIENT_ID": idp.ClientID, "RP_CLIENT_SECRET": idp.ClientSecret,
		"RP_BEARER_INTROSPECTION": "all", "RP_BEARER_SCOPES": "profile", "RP_COOKIE_SECRET": "0123456789abcdef0123456789abcdef-bearer"}
	st := start(t, []string{"--addr", "127.0.0.1:0", "--upstream", up.URL, "--bearer"}, env)
	waitReady(t, st)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}}
	req, _ := http.NewRequest("POST", idp.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(idp.ClientID, idp.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, body := fetch(t, c, "GET", st.url+"/api/x", nil, "Authorization", "Bearer "+tr.AccessToken)
	if resp.StatusCode != 200 || body != "user="+idp.ClientID {
		t.Errorf("client_credentials token through the proxy: %d %q", resp.StatusCode, body)
	}
	resp, _ = fetch(t, c, "GET", st.url+"/auth/verify", nil, "Authorization", "Bearer "+tr.AccessToken)
	if resp.StatusCode != 200 || resp.Header.Get("X-Forwarded-User") != idp.ClientID {
		t.Errorf("client_credentials token at /auth/verify: %d %q", resp.StatusCode, resp.Header.Get("X-Forwarded-User"))
	}
	resp, body = fetch(t, c, "GET", st.url+"/api/x", nil, "Authorization", "Bearer made-up-token")
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || !strings.Contains(body, `"invalid_token"`) {
		t.Errorf("made-up token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}

// waitReady polls /readyz until rp has discovered its providers.
func waitReady(t *testing.T, st *started) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, _ := fetch(t, http.DefaultClient, "GET", st.url+"/readyz", nil); resp.StatusCode == 200 {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling readiness, not a fixed wait
	}
	t.Fatal("rp not ready")
}
