package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGeneratedCodeUpToDate: every *_templ.go is what `go tool templ generate`
// makes of its .templ file today, so an edit to a template cannot ship without
// its Go code (run `make generate`).
func TestGeneratedCodeUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the templ generator; skipped with -short")
	}
	t.Parallel()
	var files []string
	for _, dir := range []string{".", "../../rp", "../../mockidp"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.templ"))
		files = append(files, m...)
	}
	if len(files) < 3 {
		t.Fatalf("found %d .templ files, want those of internal/ui, rp and mockidp", len(files))
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, f := range files {
		// Generate from a copy: templ skips writing code that did not change.
		tmp := t.TempDir()
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), src, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(goTool, "tool", "templ", "generate", "-path", tmp)
		cmd.Dir = filepath.Dir(f) // inside the module, for `go tool`
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("templ generate %s: %v\n%s", f, err, out)
		}
		want, err := os.ReadFile(filepath.Join(tmp, strings.TrimSuffix(filepath.Base(f), ".templ")+"_templ.go"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(strings.TrimSuffix(f, ".templ") + "_templ.go")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s_templ.go is not what templ generates from %s: run `make generate` and commit", strings.TrimSuffix(f, ".templ"), f)
		}
	}
}
