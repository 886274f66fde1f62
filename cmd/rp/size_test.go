package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goalBytes is the image goal (issue 18): the rp image is FROM scratch, so
// its size is its binary's, built with the nodev tag (no embedded mock
// provider; `make images`). ceilingBytes bounds the binary of `make build`,
// which keeps dev mode: a regression of the kind that cost 7.7 MB (see below)
// is far above it.
const (
	goalBytes    = 15_000_000
	ceilingBytes = 16_000_000
)

// buildRP builds rp as the Makefile does, with extra go build arguments, into
// dir/out.
func buildRP(t *testing.T, dir, out string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, out)
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goTool, append(append([]string{"build", "-trimpath"}, args...), "-o", path, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return path
}

// TestBinarySize builds rp as `make build` and `make images` do; it fails
// when text/template execution is linked, when the image's rp passes the
// 15 MB goal, or when the dev build passes ceilingBytes. The usual way to
// break it is to execute an html/template or text/template anywhere in rp or
// mockidp: its method lookup by name makes the linker keep every exported
// method of every type in an interface, go-redis's ~1,000 commands included
// (+7.7 MB, measured). Pages are templ components instead (docs/pages.md);
// the test names the culprit when it is back.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rp three times; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	// Symbols kept (-w drops only DWARF), to look for the method lookup.
	syms := buildRP(t, dir, "rp-syms", "-ldflags", "-w")
	nm, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "tool", "nm", syms).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if strings.Contains(string(nm), "text/template.(*state).evalField") {
		t.Error("rp links text/template's execution (evalField, a reflect method lookup by name): " +
			"some code executes an html/template or text/template; that keeps all of go-redis's methods. " +
			"Write the page as a templ component (docs/pages.md).")
	}
	dev, err := os.Stat(buildRP(t, dir, "rp", "-ldflags", "-s -w"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rp binary (make build, with dev mode): %d bytes", dev.Size())
	if dev.Size() > ceilingBytes {
		t.Errorf("rp binary is %d bytes, over the %d-byte ceiling; `go tool nm -size -sort size` on a -w build shows what is large", dev.Size(), ceilingBytes)
	}
	img, err := os.Stat(buildRP(t, dir, "rp-image", "-tags", "nodev", "-ldflags", "-s -w"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rp image binary (-tags nodev): %d bytes, goal %d", img.Size(), goalBytes)
	if img.Size() > goalBytes {
		t.Errorf("the image's rp is %d bytes, %d over the %d-byte goal; docs/performance.md says what is large and what else could go", img.Size(), img.Size()-goalBytes, goalBytes)
	}
	if dev.Size()-img.Size() < 300_000 {
		t.Errorf("the nodev build is only %d bytes smaller than the dev build: is the mock provider still linked?", dev.Size()-img.Size())
	}
}

// TestImageBuildHasNoMockProvider: the image's rp (-tags nodev) refuses dev
// mode with a line that says why and what to do, both when asked with --dev
// and when nothing is configured on loopback, never offers --dev, and says
// nothing else (no cookie-secret warning for a mode that does not start).
func TestImageBuildHasNoMockProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rp; skipped with -short")
	}
	t.Parallel()
	path := buildRP(t, t.TempDir(), "rp", "-tags", "nodev", "-ldflags", "-s -w")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"--dev", []string{"--dev", "--check-config"},
			"dev mode: this rp is built without the mock provider (-tags nodev, as in the foyer/rp image): configure a provider with --issuer, or run the foyer/mockidp image and point --issuer at it"},
		{"nothing on loopback", []string{"--addr", "127.0.0.1:0", "--check-config"},
			"dev mode: this rp is built without the mock provider"},
		{"nothing, public URL", []string{"--public-url", "https://app.test", "--check-config"},
			"no sign-in provider configured: set --issuer and --client-id (RP_ISSUER, RP_CLIENT_ID), or list providers in a YAML file given with --config; " +
				"this rp is built without the mock provider (-tags nodev): for one, run the foyer/mockidp image and point --issuer at it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(path, tc.args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatalf("rp %s: %v, want exit status 1\n%s", strings.Join(tc.args, " "), err, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("rp %s said:\n%s\nwant a line containing %q", strings.Join(tc.args, " "), out.String(), tc.want)
			}
			if strings.Contains(out.String(), "--dev runs") || strings.Contains(out.String(), "under /mockidp") || strings.Contains(out.String(), "cookie secret") {
				t.Errorf("the nodev build offers the mock provider:\n%s", out.String())
			}
		})
	}
}
