package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/foyer-oidc/foyer/internal/leakcheck"
)

func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, noEnv, &out); err != nil {
		t.Fatalf("run -h: %v", err)
	}
	for _, want := range []string{"-addr", "-issuer", "-config", "-login", "-alg", "MOCKIDP_"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// noEnv is an empty environment.
var noEnv []string

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, noEnv, &out); err != nil || out.String() != "mockidp dev\n" {
		t.Errorf("version: %q, %v; want \"mockidp dev\\n\"", out.String(), err)
	}
}

// bannerWriter collects output and signals once the start banner is out.
type bannerWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	ready chan struct{}
}

func (w *bannerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), "client_secret:") {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

func (w *bannerWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var issuerLine = regexp.MustCompile(`issuer:\s+(\S+)`)

// start runs the command on a free port until the test ends and returns
// its issuer and output.
func start(t *testing.T, args ...string) (string, *bannerWriter) {
	t.Helper()
	out := &bannerWriter{ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), noEnv, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v after cancel, want nil", err)
		}
	})
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("run ended early: %v; output %s", err, out.String())
	}
	m := issuerLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no issuer in %q", out.String())
	}
	return m[1], out
}

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	issuer, out := start(t, "--login", "auto")
	for _, want := range []string{"client_id:     demo", "client_secret: demo-secret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q: %s", want, out.String())
		}
	}
	for _, path := range []string{"/jwks", "/healthz", "/.well-known/openid-configuration"} {
		resp, err := http.Get(issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	addr := strings.TrimPrefix(issuer, "http://")
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, noEnv, io.Discard); err != nil {
		t.Errorf("healthcheck: %v", err)
	}
	if err := run(context.Background(), []string{"healthcheck"}, []string{"MOCKIDP_ADDR=" + addr}, io.Discard); err != nil {
		t.Errorf("healthcheck with MOCKIDP_ADDR: %v", err)
	}
}

// TestLogsHoldNoSecrets runs a sign-in against the command and checks its
// log lines hold no code, token, secret or email address.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	issuer, out := start(t, "--login", "auto")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {"demo"}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "response_type": {"code"}, "scope": {"openid email"}}
	resp, err := c.Get(issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %q", resp.Header.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:1/cb"},
		"client_id": {"demo"}, "client_secret": {"demo-secret"}}
	for range 2 { // the second redemption is a logged failure
		resp, err = http.PostForm(issuer+"/token", form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && !bytes.Contains(body, []byte("access_token")) {
			t.Fatalf("token response %s", body)
		}
	}
	_, logs, _ := strings.Cut(out.String(), "client_secret: demo-secret\n")
	if !strings.Contains(logs, "token issued") || !strings.Contains(logs, "invalid_grant") {
		t.Fatalf("expected log lines missing: %s", logs)
	}
	if found := leakcheck.Find(logs, code, "demo-secret", "alice@example.com"); found != nil {
		t.Errorf("logs contain %q:\n%s", found, logs)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("nope: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"bad alg", []string{"--alg", "HS256"}},
		{"bad login", []string{"--login", "magic"}},
		{"bad issuer", []string{"--issuer", "ftp://x"}},
		{"missing config", []string{"--config", filepath.Join(dir, "absent.yaml")}},
		{"bad config", []string{"--config", bad}},
		{"bad addr", []string{"--addr", "nowhere:x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--addr", "127.0.0.1:0"}, tt.args...)
			if err := run(context.Background(), args, noEnv, io.Discard); err == nil {
				t.Error("run succeeded, want an error")
			}
		})
	}
	if err := run(context.Background(), []string{"--bogus"}, noEnv, io.Discard); err == nil || errors.Is(err, flag.ErrHelp) {
		t.Errorf("unknown flag: %v, want an error", err)
	}
}

func TestHealthcheckFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, noEnv, io.Discard); err == nil {
		t.Error("healthcheck of a closed port succeeded")
	}
	srv := http.Server{Handler: http.NotFoundHandler()}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if err := run(context.Background(), []string{"healthcheck", "--addr", ln.Addr().String()}, noEnv, io.Discard); err == nil {
		t.Error("healthcheck of a server answering 404 succeeded")
	}
}

func TestIssuerHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:9400": "127.0.0.1:9400", "0.0.0.0:9400": "localhost:9400", "[::]:9400": "localhost:9400",
		":9400": "localhost:9400", "[::1]:9400": "[::1]:9400",
	} {
		if got := issuerHost(in); got != want {
			t.Errorf("issuerHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunControlAndPersona(t *testing.T) {
	t.Parallel()
	issuer, out := start(t, "--control", "--persona", "auth0", "--login", "auto")
	if !strings.HasSuffix(issuer, "/") || !strings.Contains(out.String(), "control API") {
		t.Fatalf("issuer %q, banner %s", issuer, out.String())
	}
	req, _ := http.NewRequest(http.MethodPost, issuer+"_mock/clock", strings.NewReader(`{"freeze":true}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"frozen":true`) {
		t.Errorf("POST _mock/clock: %d %s", resp.StatusCode, body)
	}
}

func TestRunIssuers(t *testing.T) {
	t.Parallel()
	issuer, out := start(t, "--issuers", "one,two")
	if !strings.HasSuffix(issuer, "/one") || !strings.Contains(out.String(), "/two\n") {
		t.Fatalf("banner: %s", out.String())
	}
	two := strings.TrimSuffix(issuer, "one") + "two"
	for _, u := range []string{issuer + "/jwks", two + "/.well-known/openid-configuration", strings.TrimSuffix(issuer, "/one") + "/healthz"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
	}
}
