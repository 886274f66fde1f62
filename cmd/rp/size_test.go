package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goalBytes is the image goal (issue 18): the rp image is FROM scratch, so
// its size is this binary's. ceilingBytes fails the test: a regression of the
// kind that cost 7.7 MB (see below) is far above it.
const (
	goalBytes    = 15_000_000
	ceilingBytes = 16_000_000
)

// TestBinarySize builds rp as `make build` does, fails when text/template
// execution is linked or the binary passes ceilingBytes, and logs how it
// stands against the 15 MB goal. The usual way to break it is to execute an html/template or
// text/template anywhere in rp or mockidp: its method lookup by name makes the
// linker keep every exported method of every type in an interface, go-redis's
// ~1,000 commands included (+7.7 MB, measured). Pages are templ components
// instead (docs/pages.md); the test names the culprit when it is back.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rp twice; skipped with -short")
	}
	t.Parallel()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	dir := t.TempDir()
	build := func(out, ldflags string) string {
		t.Helper()
		path := filepath.Join(dir, out)
		cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", ldflags, "-o", path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		return path
	}
	// Symbols kept (-w drops only DWARF), to look for the method lookup.
	syms := build("rp-syms", "-w")
	nm, err := exec.Command(goTool, "tool", "nm", syms).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if strings.Contains(string(nm), "text/template.(*state).evalField") {
		t.Error("rp links text/template's execution (evalField, a reflect method lookup by name): " +
			"some code executes an html/template or text/template; that keeps all of go-redis's methods. " +
			"Write the page as a templ component (docs/pages.md).")
	}
	st, err := os.Stat(build("rp", "-s -w"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() <= goalBytes {
		t.Logf("rp binary: %d bytes, within the %d-byte goal", st.Size(), goalBytes)
	} else {
		t.Logf("rp binary: %d bytes, %d over the %d-byte goal (docs/pages.md says what stands in the way)", st.Size(), st.Size()-goalBytes, goalBytes)
	}
	if st.Size() > ceilingBytes {
		t.Errorf("rp binary is %d bytes, over the %d-byte ceiling; `go tool nm -size -sort size` on a -w build shows what is large", st.Size(), ceilingBytes)
	}
}
