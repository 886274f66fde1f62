package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// nginxStack is examples/nginx/nginx.conf run by the host's nginx on a free port, in
// front of a tiny app, with rp and the mock provider in this process.
type nginxStack struct {
	url string // nginx, the URL people use (rp's public URL)
}

// nginxOptions change what startNginxStack starts: rp's configuration, and the
// example's nginx.conf text.
type nginxOptions struct {
	rp   func(*rp.Config)
	conf func(string) string
}

// startNginxStack starts the app, the mock provider, rp (with rules) and nginx.
func startNginxStack(t *testing.T, rules []rp.Rule, opts ...nginxOptions) *nginxStack {
	t.Helper()
	nginx := stack.Require(t, stack.Nginx)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{
			"user":   r.Header.Get("X-Forwarded-User"),
			"email":  r.Header.Get("X-Forwarded-Email"),
			"groups": r.Header.Get("X-Forwarded-Groups"),
			"jwt":    r.Header.Get("X-Foyer-Assertion"),
			"uri":    r.URL.RequestURI(),
		})
	}))
	t.Cleanup(app.Close)
	nginxAddr := stack.FreeAddr(t)
	public := "http://" + nginxAddr
	idp := mockidp.NewTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := rp.Config{
		PublicURL:     public,
		Providers:     []rp.ProviderConfig{{ID: "mock", Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}},
		CookieSecrets: [][]byte{[]byte(testCookieSecret)},
		Gateway:       rp.GatewayConfig{Rules: rules, Assertion: rp.AssertionConfig{Enabled: true}},
	}
	for _, o := range opts {
		if o.rp != nil {
			o.rp(&cfg)
		}
	}
	auth, err := rp.New(ctx, cfg)
	if err != nil {
		t.Fatalf("rp.New: %v", err)
	}
	rpSrv := httptest.NewServer(auth.Handler())
	t.Cleanup(rpSrv.Close)
	if err := auth.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	// The example, with its fixed ports replaced by free ones.
	dir := t.TempDir()
	conf, err := os.ReadFile(filepath.Join("..", "examples", "nginx", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// One process (no master and workers), so that stopping it stops all of nginx.
	s := strings.NewReplacer(
		"daemon off;", "daemon off;\nmaster_process off;",
		"127.0.0.1:8088", nginxAddr,
		"127.0.0.1:8080", strings.TrimPrefix(rpSrv.URL, "http://"),
		"127.0.0.1:8000", strings.TrimPrefix(app.URL, "http://"),
	).Replace(string(conf))
	for _, o := range opts {
		if o.conf != nil {
			s = o.conf(s)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	inc, err := os.ReadFile(filepath.Join("..", "examples", "nginx", "foyer-rp-headers.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "foyer-rp-headers.conf"), inc, 0o600); err != nil {
		t.Fatal(err)
	}
	stack.StartProcess(t, stack.ProcessConfig{
		Name: "nginx", Path: nginx,
		Args: []string{"-p", dir, "-e", "stderr", "-c", filepath.Join(dir, "nginx.conf")},
	})
	pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
	defer pcancel()
	err = stack.Poll(pctx, 20*time.Millisecond, func() error {
		resp, err := http.Get(public + "/auth/userinfo")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	if err != nil {
		t.Fatalf("nginx did not answer: %v", err)
	}
	return &nginxStack{url: public}
}

// nginxGet fetches path through nginx with c and the given headers.
func nginxGet(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestNginxAuthRequest signs in through nginx's auth_request and the example config:
// the redirect to sign in keeps the whole original URL, the app gets alice's identity
// (never a client's), API calls get 401, and a forged X-Forwarded-Uri or
// X-Original-URI from the client cannot move an access rule.
func TestNginxAuthRequest(t *testing.T) {
	t.Parallel()
	st := startNginxStack(t, []rp.Rule{{PathPrefix: "/admin", Groups: []string{"root"}}})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	stop := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	const page = "/reports/q?a=1&b=two"
	resp, _ := nginxGet(t, stop, st.url+page)
	if want := st.url + "/auth/login?rd=" + url.QueryEscape(page); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("signed out: %d Location %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	resp, body := nginxGet(t, stop, st.url+"/api/items", "Accept", "application/json")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Errorf("signed-out API call: %d %s, want 401 JSON", resp.StatusCode, body)
	}

	// The whole sign-in through nginx: rp, the provider (auto login as alice), back.
	resp, body = nginxGet(t, browser, st.url+page, "X-Forwarded-User", "mallory", "X-Foyer-Assertion", "forged")
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after sign-in: %d %s", resp.StatusCode, body)
	}
	if got["user"] != "alice" || got["email"] != "alice@example.com" || got["groups"] != "admins,users" || got["uri"] != page {
		t.Errorf("app saw %v, want alice at %s", got, page)
	}
	if strings.Count(got["jwt"], ".") != 2 {
		t.Errorf("app got assertion %q, want rp's JWT", got["jwt"])
	}

	// The rule for /admin holds whatever the client claims the path is.
	for _, hdr := range [][]string{nil, {"X-Forwarded-Uri", "/public"}, {"X-Original-URI", "/public"}, {"X-Original-URL", "http://x/public"}} {
		resp, body = nginxGet(t, stop, st.url+"/admin/panel", hdr...)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "root") {
			t.Errorf("/admin with %q: %d, want 403 naming the group: %s", hdr, resp.StatusCode, body)
		}
	}
	resp, _ = nginxGet(t, stop, st.url+"/public", "X-Forwarded-Uri", "/admin")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/public with a forged X-Forwarded-Uri: %d, want 200", resp.StatusCode)
	}
}
