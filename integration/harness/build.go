package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// ModulePath is the import path of the foyer module.
const ModulePath = "github.com/foyer-oidc/foyer"

// programs maps each program a Builder compiles to its package, relative to
// the module: the two products and whoami, the example upstream app.
var programs = map[string]string{
	"rp":      "cmd/rp",
	"mockidp": "cmd/mockidp",
	"whoami":  "examples/whoami",
}

// Builder compiles foyer's programs once, on first use, into a directory
// that a TestMain owns. It is safe for concurrent use.
type Builder struct {
	dir  string
	once sync.Once
	err  error
}

// NewBuilder returns a Builder that writes binaries into dir.
func NewBuilder(dir string) *Builder { return &Builder{dir: dir} }

// Binaries locates the compiled programs.
type Binaries struct {
	// Dir holds the static binaries rp, mockidp and whoami.
	Dir string
}

// Path returns the binary of the program name: "rp", "mockidp" or "whoami".
func (b Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

// Binaries builds the programs the first time it is called in a test run and
// returns where they are; a failed build fails t (and every later caller).
func (b *Builder) Binaries(t testing.TB) Binaries {
	t.Helper()
	b.once.Do(func() { b.err = Build(context.Background(), b.dir) })
	if b.err != nil {
		t.Fatalf("building the programs: %v", b.err)
	}
	return Binaries{Dir: b.dir}
}

// Build compiles rp, mockidp and whoami (the example app) into dir as a static binary
// (CGO_ENABLED=0, -trimpath), as `make build` does, so that the same files
// can be run as processes and copied into FROM-scratch images.
func Build(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := []string{"build", "-trimpath", "-ldflags", "-s -w -X main.version=integration-test", "-o", dir + string(filepath.Separator)}
	for _, pkg := range programs {
		args = append(args, ModulePath+"/"+pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %v: %w\n%s", args, err, out)
	}
	return nil
}
