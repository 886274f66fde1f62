package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// started is a running rp.
type started struct {
	url  string
	done chan error
	out  *syncBuffer
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening on (\S+)`)

// start runs rp with args and env until the test ends, and waits for its URL.
func start(t *testing.T, args []string, env map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	st := &started{done: make(chan error, 1), out: &syncBuffer{}}
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, io.MultiWriter(pw, st.out))
		pw.Close()
		st.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-st.done; err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			st.url = m[1]
			go io.Copy(io.Discard, pr)
			return st
		}
	}
	t.Fatalf("rp never said where it listens; output:\n%s", st.out.String())
	return nil
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
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

var (
	requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)
	csrfField    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// signInWithForm signs in as user through the mock IdP's form, starting at path.
func signInWithForm(t *testing.T, st *started, c *http.Client, user, path string) (*http.Response, string) {
	t.Helper()
	_, page := fetch(t, c, "GET", st.url+"/auth/login?rd="+url.QueryEscape(path), nil)
	m := requestField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no mock IdP login form: %s", page[:min(len(page), 400)])
	}
	return fetch(t, c, "POST", st.url+"/mockidp/login", url.Values{"request": {m[1]}, "user": {user}})
}

func TestDevModeSignInAndOut(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
	if !strings.Contains(st.out.String(), "dev mode") || !strings.Contains(st.out.String(), "random one") {
		t.Errorf("dev mode start-up should say so and warn about the random cookie secret:\n%s", st.out.String())
	}
	c := browser()
	_, home := fetch(t, c, "GET", st.url+"/", nil)
	if !strings.Contains(home, `data-testid="sign-in"`) {
		t.Fatalf("home page has no sign-in button: %s", home)
	}
	resp, page := signInWithForm(t, st, c, "alice", "/")
	if resp.StatusCode != 200 || !strings.Contains(page, `data-testid="user-sub">alice<`) {
		t.Fatalf("after sign-in: %d %s", resp.StatusCode, page[:min(len(page), 400)])
	}
	_, logout := fetch(t, c, "GET", st.url+"/auth/logout", nil)
	m := csrfField.FindStringSubmatch(logout)
	if m == nil {
		t.Fatal("no CSRF token on the sign-out page")
	}
	resp, page = fetch(t, c, "POST", st.url+"/auth/logout", url.Values{"csrf": {m[1]}}, "Origin", st.url)
	if resp.StatusCode != 200 || !strings.Contains(page, `data-testid="signed-out"`) || !strings.Contains(page, "also signed out") {
		t.Fatalf("after sign-out: %d %s", resp.StatusCode, page[:min(len(page), 400)])
	}
	if resp, _ := fetch(t, c, "GET", st.url+"/auth/userinfo", nil); resp.StatusCode != 401 {
		t.Errorf("/auth/userinfo after sign-out = %d, want 401", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := fetch(t, c, "GET", st.url+p, nil); resp.StatusCode != 200 {
			t.Errorf("%s = %d, want 200", p, resp.StatusCode)
		}
	}
	if err := healthcheck(context.Background(), []string{"--addr", strings.TrimPrefix(st.url, "http://")}, func(string) string { return "" }); err != nil {
		t.Errorf("healthcheck against a running rp: %v", err)
	}
	if strings.Contains(st.out.String(), "alice@example.com") {
		t.Error("logs contain an email address")
	}
}

func TestUpstreamGetsIdentityNotSpoofsOrCookies(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{
			"user":   r.Header.Get("X-Forwarded-User"),
			"email":  r.Header.Get("X-Forwarded-Email"),
			"groups": r.Header.Get("X-Forwarded-Groups"),
			"cookie": r.Header.Get("Cookie"),
			"path":   r.URL.Path,
		})
	}))
	t.Cleanup(up.Close)
	st := start(t, []string{"--addr", "127.0.0.1:0", "--upstream", up.URL}, nil)
	c := browser()
	// Signed out: a navigation is sent to sign in; an API call gets 401 and never reaches upstream.
	if resp, body := fetch(t, c, "GET", st.url+"/api/x", nil, "Accept", "application/json", "X-Forwarded-User", "admin"); resp.StatusCode != 401 || strings.Contains(body, "admin") {
		t.Fatalf("signed-out API call: %d %s", resp.StatusCode, body)
	}
	resp, body := signInWithForm(t, st, c, "bob", "/app/page")
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in through the proxy: %d %s", resp.StatusCode, body)
	}
	u, _ := url.Parse(st.url)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "app_pref", Value: "dark"}})
	_, body = fetch(t, c, "GET", st.url+"/app/page", nil,
		"X-Forwarded-User", "admin", "X-Forwarded-Email", "admin@evil.example", "X-Forwarded-Groups", "admins")
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("upstream answer: %v: %s", err, body)
	}
	if got["user"] != "bob" || got["email"] != "bob@example.com" || got["groups"] != "users" || got["path"] != "/app/page" {
		t.Errorf("upstream saw %v, want bob's identity only", got)
	}
	if strings.Contains(got["cookie"], "foyer_") || !strings.Contains(got["cookie"], "app_pref=dark") {
		t.Errorf("upstream cookies = %q, want the app's own cookie and none of foyer's", got["cookie"])
	}
}

func TestOptionsPrecedence(t *testing.T) {
	t.Parallel()
	env := map[string]string{"RP_ADDR": "127.0.0.1:1111", "RP_CLIENT_ID": "from-env", "RP_SCOPES": "openid email", "RP_INSECURE_ALLOW_HTTP_ISSUER": "true"}
	o, err := parseOptions([]string{"--addr", "127.0.0.1:2222"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:2222" || o.ClientID != "from-env" || o.Scopes != "openid email" || !o.InsecureAllowHTTPIssuer {
		t.Errorf("options = %+v; want the flag over the env, env over nothing", o)
	}
	if _, err := parseOptions([]string{"--nope"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if _, err := parseOptions(nil, func(k string) string { return map[string]string{"RP_CHECK_CONFIG": "maybe"}[k] }, io.Discard); err == nil {
		t.Error("a bad boolean in the environment was accepted")
	}
}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`
public_url: http://app.example.com
cookie_secrets: [short]
providers:
  - id: Google
    issuer: accounts.google.com
  - id: entra
    issuer: https://login.microsoftonline.com/tenant/v2.0
    client_id: abc
    client_secret_file: /nonexistent/secret
`), 0o600)
	var out strings.Builder
	err := run(context.Background(), []string{"--config", bad, "--check-config"}, func(string) string { return "" }, &out)
	if err == nil {
		t.Fatal("--check-config accepted a bad file")
	}
	for _, want := range []string{"public URL", "cookie secret 0", `id "Google"`, "client id is empty", "client secret file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("--check-config error lacks %q:\n%v", want, err)
		}
	}
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(`
public_url: https://app.example.com
cookie_secrets: ["0123456789abcdef0123456789abcdef"]
idle_timeout: 30m
providers:
  - id: keycloak
    name: Keycloak
    issuer: https://sso.example.com/realms/main
    client_id: foyer
    client_secret_file: `+secret+`
    scopes: [openid, profile, email]
`), 0o600)
	out.Reset()
	if err := run(context.Background(), []string{"--config", good, "--check-config"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("--check-config rejected a good file: %v", err)
	}
	if !strings.Contains(out.String(), "configuration is valid") {
		t.Errorf("output = %q", out.String())
	}
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("provders: []\n"), 0o600)
	if err := run(context.Background(), []string{"--config", unknown, "--check-config"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("a misspelt field was accepted")
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad store", []string{"--addr", "127.0.0.1:0", "--session-store", "files"}, "want cookie or a redis:// URL"},
		{"bad redis URL", []string{"--addr", "127.0.0.1:0", "--session-store", "redis://127.0.0.1:notaport"}, "--session-store"},
		{"bad upstream", []string{"--addr", "127.0.0.1:0", "--upstream", "ftp://x"}, "want an http(s) URL"},
		{"client id without issuer", []string{"--addr", "127.0.0.1:0", "--client-id", "x"}, "need --issuer"},
		{"no cookie secret", []string{"--addr", "127.0.0.1:0", "--issuer", "https://idp.example.com", "--client-id", "x"}, "no cookie secret"},
		{"bad log format", []string{"--log-format", "xml"}, "want text or json"},
		{"argument", []string{"serve"}, "unexpected argument"},
	}
	for _, tc := range tests {
		err := run(context.Background(), tc.args, none, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"--version"}, none, &out); err != nil || !strings.HasPrefix(out.String(), "rp ") {
		t.Errorf("--version: %v %q", err, out.String())
	}
	if err := healthcheck(context.Background(), []string{"--addr", "127.0.0.1:1"}, none); err == nil {
		t.Error("healthcheck succeeded with nothing listening")
	}
	if err := run(context.Background(), []string{"-h"}, none, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
}
