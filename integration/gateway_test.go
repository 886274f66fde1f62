package integration

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// TestGatewayBearerAndPublicRoutes runs bin/rp in front of examples/whoami with
// --bearer and --public-route, against bin/mockidp: API clients holding a
// client_credentials token or a user's access token (a CLI's authorization code flow
// with PKCE) call through the proxy and /auth/verify without a session; a forged token
// gets RFC 6750's 401; the public webhook answers without a session while the rest
// stays protected, and no spelling of its path reaches another.
func TestGatewayBearerAndPublicRoutes(t *testing.T) {
	t.Parallel()
	st := stack.StartStackT(t, stack.Config{Binaries: programs.Binaries(t), CookieSecret: testCookieSecret, Whoami: true,
		MockIDPArgs: []string{"--login", "auto"},
		RPArgs:      []string{"--bearer", "--bearer-introspection", "all", "--public-route", "POST /hooks/github", "--public-route", "GET /healthz/app"}})
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader("{}"))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	token := func(form url.Values) string {
		t.Helper()
		req, _ := http.NewRequest("POST", st.Issuer+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo", "demo-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
			t.Fatalf("token endpoint: %d %v", resp.StatusCode, err)
		}
		return tr.AccessToken
	}
	// A service: client_credentials.
	service := token(url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}})
	// A person's CLI: the authorization code flow with PKCE against a loopback
	// redirect URI that nobody listens on (the code is read from the redirect).
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	redirect := "http://127.0.0.1:9/cb"
	resp, _ := do("GET", st.Issuer+"/authorize?"+url.Values{"client_id": {"demo"}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {"openid profile email"}, "state": {"s1"}, "login_hint": {"bob"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	person := token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier}})

	for name, tc := range map[string]struct{ token, user string }{"client_credentials": {service, "demo"}, "user's access token": {person, "bob"}} {
		resp, body := do("GET", st.RPURL+"/api/orders", "Authorization", "Bearer "+tc.token, "X-Forwarded-User", "mallory")
		var who struct {
			User string `json:"user"`
		}
		if json.Unmarshal([]byte(body), &who); resp.StatusCode != 200 || who.User != tc.user || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s through the proxy: %d %s (Set-Cookie %q), want 200 as %s and no cookie", name, resp.StatusCode, body, resp.Header.Get("Set-Cookie"), tc.user)
		}
		resp, _ = do("GET", st.RPURL+"/auth/verify", "Authorization", "Bearer "+tc.token)
		if resp.StatusCode != 200 || resp.Header.Get("X-Forwarded-User") != tc.user {
			t.Errorf("%s at /auth/verify: %d %q, want 200 %s", name, resp.StatusCode, resp.Header.Get("X-Forwarded-User"), tc.user)
		}
	}
	forged := service[:strings.LastIndexByte(service, '.')+1] + "AAAA"
	for _, u := range []string{st.RPURL + "/api/orders", st.RPURL + "/auth/verify"} {
		resp, body := do("GET", u, "Authorization", "Bearer "+forged)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || !strings.Contains(body, `"invalid_token"`) ||
			resp.Header.Get("Location") != "" {
			t.Errorf("forged signature at %s: %d %q %s, want RFC 6750 401", u, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	// The public webhook, and what is not public.
	resp, body := do("POST", st.RPURL+"/hooks/github", "X-Forwarded-User", "mallory", "Content-Type", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(body, `"user":""`) {
		t.Errorf("public webhook: %d %s, want 200 from the app without identity", resp.StatusCode, body)
	}
	if resp, _ := do("GET", st.RPURL+"/healthz/app"); resp.StatusCode != 200 {
		t.Errorf("public GET route: %d", resp.StatusCode)
	}
	for _, tc := range []struct{ method, path string }{{"GET", "/hooks/github"}, {"POST", "/hooks/github/x"}, {"POST", "/api/orders"}, {"GET", "/"}} {
		if resp, _ := do(tc.method, st.RPURL+tc.path); resp.StatusCode == 200 {
			t.Errorf("%s %s without a session: 200, want refused", tc.method, tc.path)
		}
	}
	addr := strings.TrimPrefix(st.RPURL, "http://")
	for _, target := range []string{"/hooks/github/..;/admin", "/hooks/github/%2e%2e/%2e%2e/admin", "/hooks%2fgithub", "/hooks/github;x", "/hooks\\github"} {
		if status := rawPOST(t, addr, target); status != http.StatusBadRequest {
			t.Errorf("POST %s: %d, want 400", target, status)
		}
	}
}

// rawPOST sends POST target as written on the request line and returns the status.
func rawPOST(t *testing.T, addr, target string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "POST "+target+" HTTP/1.1\r\nHost: "+addr+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
