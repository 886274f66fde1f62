package stack

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

// BinDirEnv names a variable that points the Builder at binaries built
// already (`make test` sets it to bin/ right after `make build`); when it is
// set, every program must be there and nothing is compiled.
const BinDirEnv = "FOYER_BIN_DIR"

// Binaries builds the programs the first time it is called in a test run and
// returns where they are; a failed build fails t (and every later caller).
// With BinDirEnv set it returns that directory instead.
func (b *Builder) Binaries(t testing.TB) Binaries {
	t.Helper()
	b.once.Do(func() {
		if dir := os.Getenv(BinDirEnv); dir != "" {
			b.dir, b.err = dir, checkBinaries(dir)
			return
		}
		b.err = Build(context.Background(), b.dir)
	})
	if b.err != nil {
		t.Fatalf("building the programs: %v", b.err)
	}
	return Binaries{Dir: b.dir}
}

// checkBinaries reports a program missing from dir.
func checkBinaries(dir string) error {
	for name := range programs {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s=%s: %w (run `make build`, or unset %s)", BinDirEnv, dir, err, BinDirEnv)
		}
	}
	return nil
}

// Build compiles rp, mockidp and whoami (the example app) into dir as a static binary
// (CGO_ENABLED=0, -trimpath), as `make build` does, so that the same files
// can be run as processes and copied into FROM-scratch images.
func Build(ctx context.Context, dir string) error {
	// Below `make test`'s 8-minute test timeout, so that a stuck build says so.
	ctx, cancel := context.WithTimeout(ctx, 7*time.Minute)
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
