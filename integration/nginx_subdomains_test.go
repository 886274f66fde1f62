package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// TestNginxSubdomains runs examples/nginx-subdomains with the host's nginx: rp on
// auth.foyer.localhost with cookie domain foyer.localhost, two virtual hosts
// app1.foyer.localhost and app2.foyer.localhost asking it through auth_request (one
// port, told apart by Host; the browser reaches the names without DNS). Signing in
// through app1 signs the browser in on app2; the apps never see rp's cookies but get
// their own; a public webhook passes without a session while the rest stays protected;
// one sign-out ends both.
func TestNginxSubdomains(t *testing.T) {
	t.Parallel()
	nginx := stack.Require(t, stack.Nginx)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cookies []string
		for _, c := range r.Cookies() {
			cookies = append(cookies, c.Name)
		}
		json.NewEncoder(w).Encode(map[string]any{"user": r.Header.Get("X-Forwarded-User"), "host": r.Host,
			"uri": r.URL.RequestURI(), "method": r.Method, "cookies": cookies, "cookie": r.Header.Get("Cookie")})
	}))
	t.Cleanup(app.Close)
	nginxAddr := stack.FreeAddr(t)
	_, port, _ := strings.Cut(nginxAddr, ":")
	host := func(name string) string { return name + ".foyer.localhost:" + port }
	public := "http://" + host("auth")
	idp := mockidp.NewTestServer(t, mockidp.WithLogin(mockidp.LoginAuto),
		mockidp.WithClients(mockidp.Client{ID: "rp", Secret: "rp-secret", RedirectURIs: []string{public + "/auth/callback"},
			PostLogoutRedirectURIs: []string{public + "/auth/logout/done"}}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	webhook, err := rp.ParsePublicRoute("POST /hooks/github")
	if err != nil {
		t.Fatal(err)
	}
	auth, err := rp.New(ctx, rp.Config{
		PublicURL:     public,
		Providers:     []rp.ProviderConfig{{ID: "mock", Issuer: idp.Issuer, ClientID: "rp", ClientSecret: "rp-secret"}},
		CookieSecrets: [][]byte{[]byte(testCookieSecret)},
		Gateway: rp.GatewayConfig{CookieDomain: "foyer.localhost", AllowedRedirectHosts: []string{"*.foyer.localhost:" + port},
			PublicRoutes: []rp.PublicRoute{webhook}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rpSrv := httptest.NewServer(auth.Handler())
	t.Cleanup(rpSrv.Close)
	if err := auth.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	// The example as shipped, with free ports: nginx-subdomains/ beside nginx/ (whose
	// foyer-rp-headers.conf it includes).
	dir := t.TempDir()
	rewrite := strings.NewReplacer("daemon off;", "daemon off;\nmaster_process off;", "127.0.0.1:8088", nginxAddr, ":8088", ":"+port,
		"127.0.0.1:8080", strings.TrimPrefix(rpSrv.URL, "http://"), "127.0.0.1:8000", strings.TrimPrefix(app.URL, "http://"))
	for _, f := range []string{"nginx-subdomains/nginx.conf", "nginx-subdomains/foyer-protect.conf", "nginx-subdomains/foyer-strip-cookies.conf", "nginx/foyer-rp-headers.conf"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700)
		if err := os.WriteFile(filepath.Join(dir, f), []byte(rewrite.Replace(string(b))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	prefix := filepath.Join(dir, "nginx-subdomains")
	stack.StartProcess(t, stack.ProcessConfig{Name: "nginx", Path: nginx,
		Args: []string{"-p", prefix, "-e", "stderr", "-c", filepath.Join(prefix, "nginx.conf")}})

	hosts := map[string]string{host("auth"): nginxAddr, host("app1"): nginxAddr, host("app2"): nginxAddr}
	browser := stack.NewAgent(stack.WithHostMap(hosts))
	pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
	defer pcancel()
	if err := stack.Poll(pctx, 20*time.Millisecond, func() error {
		_, err := browser.Get(pctx, public+"/auth/userinfo")
		return err
	}); err != nil {
		t.Fatalf("nginx did not answer: %v", err)
	}
	appSaw := func(r *stack.Response) map[string]any {
		t.Helper()
		var got map[string]any
		if r.StatusCode != http.StatusOK || json.Unmarshal(r.Body, &got) != nil {
			t.Fatalf("%s: %d %s (%s)", r.URL, r.StatusCode, r.Body, strings.Join(r.Hops, " → "))
		}
		return got
	}
	// The app's own cookies on app1's host, between cookies named like rp's (which
	// rp ignores, but nginx must take out as it takes out rp's session cookie).
	u1, _ := url.Parse("http://" + host("app1") + "/")
	for _, c := range []*http.Cookie{{Name: "foyer_login_zz", Value: "1"}, {Name: "theme", Value: "dark"},
		{Name: "lang", Value: "en"}, {Name: "foyer_other", Value: "2"}, {Name: "__Secure-foyer_x", Value: "3"}, {Name: "tz", Value: "utc"}} {
		browser.HTTP.Jar.SetCookies(u1, []*http.Cookie{c})
	}

	// Sign in through app1: it lands back on app1 with alice.
	r, err := browser.Get(ctx, "http://"+host("app1")+"/reports?q=1")
	if err != nil {
		t.Fatal(err)
	}
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusFound ||
		loc != public+"/auth/login?rd="+url.QueryEscape("http://"+host("app1")+"/reports?q=1") {
		t.Fatalf("signed out on app1: %d to %q, want a sign-in on rp's host returning to app1", r.StatusCode, loc)
	}
	r, err = browser.Follow(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	got := appSaw(r)
	if got["user"] != "alice" || got["host"] != host("app1") || got["uri"] != "/reports?q=1" {
		t.Errorf("app1 after sign-in saw %v", got)
	}
	if c, _ := got["cookie"].(string); c != "theme=dark; lang=en; tz=utc" {
		t.Errorf("app1 got Cookie %q, want its own cookies only: theme=dark; lang=en; tz=utc", c)
	}
	// app2: the same session, no second sign-in.
	authorizes := len(idp.Requests("authorize"))
	r, err = browser.Get(ctx, "http://"+host("app2")+"/other")
	if err != nil {
		t.Fatal(err)
	}
	if got := appSaw(r); got["user"] != "alice" || got["host"] != host("app2") {
		t.Errorf("app2 saw %v, want alice without signing in again", got)
	} else if c, _ := got["cookie"].(string); strings.Contains(c, "foyer_") {
		t.Errorf("app2 got rp's cookies: %q", c)
	}
	if n := len(idp.Requests("authorize")); n != authorizes {
		t.Errorf("app2 started a sign-in (%d authorize requests, had %d)", n, authorizes)
	}
	// A stranger: the webhook is public, the rest is not; nothing forged gets through.
	stranger := stack.NewAgent(stack.WithHostMap(hosts))
	req, _ := stack.NewRequest(ctx, http.MethodPost, "http://"+host("app2")+"/hooks/github", strings.NewReader(`{"zen":"x"}`))
	req.Header.Set("X-Forwarded-User", "mallory")
	r, err = stranger.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := appSaw(r); got["user"] != "" || got["method"] != "POST" {
		t.Errorf("public webhook saw %v, want a POST without identity", got)
	}
	for _, tc := range []struct{ method, path string }{{"GET", "/hooks/github"}, {"POST", "/hooks/github/x"}, {"GET", "/admin"}} {
		req, _ := stack.NewRequest(ctx, tc.method, "http://"+host("app2")+tc.path, nil)
		if r, err := stranger.Do(req); err != nil || r.StatusCode == http.StatusOK {
			t.Errorf("stranger %s %s: %v %v, want refused", tc.method, tc.path, r, err)
		}
	}
	// Sign out on rp's host: both apps are signed out.
	r, err = browser.Get(ctx, public+"/auth/logout")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no logout form: %s", r.Body)
	}
	req, _ = stack.NewRequest(ctx, http.MethodPost, public+"/auth/logout", strings.NewReader(url.Values{"csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", public)
	if r, err = browser.Do(req); err != nil {
		t.Fatal(err)
	}
	if _, err := browser.Follow(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"app1", "app2"} {
		r, err := browser.Get(ctx, "http://"+host(a)+"/page")
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), public+"/auth/login") {
			t.Errorf("%s after sign-out: %d to %q, want a redirect to sign in", a, r.StatusCode, r.Header.Get("Location"))
		}
	}
}
