package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
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
		err := run(ctx, args, environ(env), io.MultiWriter(pw, st.out))
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

// environ turns a map into "KEY=value" entries.
func environ(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
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
	if err := healthcheck(context.Background(), []string{"--addr", strings.TrimPrefix(st.url, "http://")}, nil); err != nil {
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
