package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestHandlerEchoesIdentity(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodGet, "/some/page", nil)
	req.Header.Set("X-Forwarded-User", "alice")
	req.Header.Set("X-Forwarded-Email", "alice@example.com")
	req.Header.Set("X-Forwarded-Preferred-Username", "alice")
	req.Header.Set("X-Forwarded-Groups", "admins,users")
	req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, req)
	var got identity
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	want := identity{User: "alice", Email: "alice@example.com", PreferredUsername: "alice",
		Groups: []string{"admins", "users"}, Path: "/some/page", Cookies: []string{"theme"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestHandlerAnonymous(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got, want := strings.TrimSpace(rec.Body.String()), `{"user":"","email":"","preferred_username":"","groups":[],"path":"/","cookies":[]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(handler())
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	healthcheck := func(addr string) error {
		return run(context.Background(), []string{"healthcheck"}, func(k string) string {
			if k == "WHOAMI_ADDR" {
				return addr
			}
			return ""
		}, io.Discard)
	}
	for _, addr := range []string{srv.Listener.Addr().String(), "0.0.0.0:" + port} {
		if err := healthcheck(addr); err != nil {
			t.Errorf("healthcheck with WHOAMI_ADDR=%s: got %v, want nil", addr, err)
		}
	}
	if err := healthcheck("127.0.0.1:1"); err == nil {
		t.Errorf("healthcheck of a closed port: got nil, want an error")
	}
}

func TestRunRejectsArguments(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"--bogus"}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "unknown arguments") {
		t.Errorf("got %v, want an unknown arguments error", err)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{arg}, func(string) string { return "" }, &out)
		if err != nil || !strings.HasPrefix(out.String(), "Usage: whoami") || !strings.Contains(out.String(), "WHOAMI_ADDR") {
			t.Errorf("whoami %s: %v, %q; want the usage", arg, err, out.String())
		}
	}
}
