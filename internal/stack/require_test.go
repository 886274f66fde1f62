package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Skipf and Fatalf record the message
// instead of stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestRequireMissing(t *testing.T) {
	// Not parallel: it changes PATH and the REQUIRE_* variables.
	empty := t.TempDir()
	t.Setenv("PATH", empty) // none of the commands here
	nginx := Nginx
	nginx.Dirs = []string{empty} // not the machine's /usr/sbin
	docker := Tool{Name: "Docker engine", Env: "REQUIRE_DOCKER", Hint: "start one",
		Probe: func() error { return errors.New("no Docker engine answering") }}
	tests := []struct {
		tool     Tool
		value    string
		wantSkip bool
		wantText string // in the message, besides the variable's name
	}{
		{Chromium, "", true, "no chromium in PATH"},
		{Chromium, "0", true, "`make ci-deps` installs it"},
		{Chromium, "1", false, "Chromium is required"},
		{Redis, "", true, "no redis-server in PATH"},
		{Redis, "true", false, "redis-server is required"},
		{Redis, "yes", false, "redis-server is required"},
		{nginx, "", true, "no nginx in PATH nor " + empty},
		{nginx, "1", false, "nginx is required"},
		{docker, "", true, "no Docker engine answering (start one;"},
		{docker, "1", false, "Docker engine is required"},
	}
	for _, tt := range tests {
		t.Setenv(tt.tool.Env, tt.value)
		r := &recorder{TB: t}
		path := Require(r, tt.tool)
		msg := r.skipped + r.failed
		switch {
		case tt.wantSkip && (r.skipped == "" || r.failed != ""):
			t.Errorf("%s with %s=%q: got skip %q, fail %q; want a skip", tt.tool.Name, tt.tool.Env, tt.value, r.skipped, r.failed)
		case !tt.wantSkip && (r.failed == "" || r.skipped != ""):
			t.Errorf("%s with %s=%q: got skip %q, fail %q; want a failure", tt.tool.Name, tt.tool.Env, tt.value, r.skipped, r.failed)
		}
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.tool.Env) || !strings.Contains(msg, tt.wantText) {
			t.Errorf("%s with %s=%q: message %q: want one line naming %s and saying %q", tt.tool.Name, tt.tool.Env, tt.value, msg, tt.tool.Env, tt.wantText)
		}
		if path != "" {
			t.Errorf("%s: got path %q for a missing tool", tt.tool.Name, path)
		}
	}
}

func TestRequireFound(t *testing.T) {
	// Not parallel: it changes PATH.
	inPath, extra := t.TempDir(), t.TempDir()
	for _, p := range []string{filepath.Join(inPath, "redis-server"), filepath.Join(extra, "nginx")} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", inPath)
	nginx := Nginx
	nginx.Dirs = []string{t.TempDir(), extra}
	service := Tool{Name: "service", Env: "REQUIRE_SERVICE", Probe: func() error { return nil }}
	for _, tt := range []struct {
		tool Tool
		want string
	}{
		{Redis, filepath.Join(inPath, "redis-server")},
		{nginx, filepath.Join(extra, "nginx")},
		{service, ""},
	} {
		r := &recorder{TB: t}
		if got := Require(r, tt.tool); got != tt.want || r.skipped != "" || r.failed != "" {
			t.Errorf("%s: got path %q, skip %q, fail %q; want %q and neither", tt.tool.Name, got, r.skipped, r.failed, tt.want)
		}
	}
}

// TestToolVariables pins the variable of each tool: .ci/run and the docs
// name them.
func TestToolVariables(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tool      Tool
		env, name string
	}{
		{Chromium, "REQUIRE_BROWSER", "chromium"},
		{Redis, "REQUIRE_REDIS", "redis-server"},
		{Nginx, "REQUIRE_NGINX", "nginx"},
	} {
		if tt.tool.Env != tt.env || tt.tool.Command != tt.name {
			t.Errorf("%s: got %s/%s, want %s/%s", tt.tool.Name, tt.tool.Env, tt.tool.Command, tt.env, tt.name)
		}
	}
}
