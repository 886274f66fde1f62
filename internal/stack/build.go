package stack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ModulePath is the import path of the foyer module.
const ModulePath = "github.com/foyer-oidc/foyer"

// Programs maps each program a Builder knows to its package, relative to the
// module: the two products and whoami, the example upstream app.
var Programs = map[string]string{
	"rp":      "cmd/rp",
	"mockidp": "cmd/mockidp",
	"whoami":  "examples/whoami",
}

// ImageTags are the build tags of the binaries in foyer's container images,
// as the Makefile's IMAGE_GOTAGS: rp without the embedded mock provider.
// `make build` leaves those binaries in bin/image/.
var ImageTags = []string{"nodev"}

// BinDirEnv names a variable that points a Builder at binaries built already
// (`make test` sets it to bin/ right after `make build`); when it is set,
// every program must be there and nothing is compiled.
const BinDirEnv = "FOYER_BIN_DIR"

// buildTimeout bounds one `go build`, below `make test`'s 8-minute test
// timeout, so that a stuck build says so.
const buildTimeout = 7 * time.Minute

// Builder finds or compiles foyer's programs once, on first use. It is safe
// for concurrent use. In order, it takes:
//
//  1. the directory named by BinDirEnv, when that variable is set;
//  2. else, for each program, Prebuilt/NAME when that file is newer than
//     every Go source file, go.mod and go.sum of the module (so that a stale
//     `make build` is never used);
//  3. else a fresh static build into Dir, the way `make build` does.
type Builder struct {
	// Dir receives the binaries the Builder compiles.
	Dir string
	// Prebuilt, if set, is a directory such as "bin" (relative to the module
	// root) whose up-to-date binaries are used instead of building.
	Prebuilt string
	// Names are the programs wanted, from [Programs]; empty means all.
	Names []string
	// Image asks for the programs as the container images hold them: built
	// with [ImageTags], and taken from the "image" subdirectory of the
	// BinDirEnv or Prebuilt directory.
	Image bool

	once sync.Once
	bins Binaries
	err  error
}

// NewBuilder returns a Builder that writes every program into dir.
func NewBuilder(dir string) *Builder { return &Builder{Dir: dir} }

// Binaries locates the compiled programs.
type Binaries struct {
	// Paths maps a program's name to its binary.
	Paths map[string]string
	// Built lists the programs compiled for this run, sorted.
	Built []string
}

// Path returns the binary of the program name: "rp", "mockidp" or "whoami".
func (b Binaries) Path(name string) string { return b.Paths[name] }

// Build finds or builds the programs the first time it is called and returns
// where they are; later calls return the same answer.
func (b *Builder) Build(ctx context.Context) (Binaries, error) {
	b.once.Do(func() { b.bins, b.err = b.locate(ctx) })
	return b.bins, b.err
}

// Binaries is [Builder.Build] for a test: a failed build fails t (and every
// later caller).
func (b *Builder) Binaries(t testing.TB) Binaries {
	t.Helper()
	bins, err := b.Build(context.Background())
	if err != nil {
		t.Fatalf("building the programs: %v", err)
	}
	return bins
}

// locate does Build's work.
func (b *Builder) locate(ctx context.Context) (Binaries, error) {
	names := b.Names
	if len(names) == 0 {
		for n := range Programs {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	bins := Binaries{Paths: map[string]string{}}
	sub, tags := "", []string(nil)
	if b.Image {
		sub, tags = "image", ImageTags
	}
	if dir := os.Getenv(BinDirEnv); dir != "" {
		dir = filepath.Join(dir, sub)
		for _, n := range names {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err != nil {
				return bins, fmt.Errorf("%s=%s: %w (run `make build`, or unset %s)", BinDirEnv, dir, err, BinDirEnv)
			}
			bins.Paths[n] = p
		}
		return bins, nil
	}
	if b.Prebuilt != "" {
		root, err := moduleRoot()
		if err != nil {
			return bins, err
		}
		newest, err := newestSource(root)
		if err != nil {
			return bins, err
		}
		for _, n := range names {
			if p := filepath.Join(root, b.Prebuilt, sub, n); isNewer(p, newest) {
				bins.Paths[n] = p
			}
		}
	}
	for _, n := range names {
		if bins.Paths[n] == "" {
			bins.Built = append(bins.Built, n)
			bins.Paths[n] = filepath.Join(b.Dir, n)
		}
	}
	return bins, BuildTags(ctx, b.Dir, tags, bins.Built...)
}

// Build compiles the named programs (keys of [Programs]) into dir as static
// binaries (CGO_ENABLED=0, -trimpath, stripped), as `make build` does, so
// that the same files can be run as processes, measured and copied into
// FROM-scratch images.
func Build(ctx context.Context, dir string, names ...string) error {
	return BuildTags(ctx, dir, nil, names...)
}

// BuildTags is [Build] with build tags, such as [ImageTags].
func BuildTags(ctx context.Context, dir string, tags []string, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	args := []string{"build", "-trimpath", "-ldflags", "-s -w -X main.version=stack-build", "-o", dir + string(filepath.Separator)}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	for _, n := range names {
		pkg, ok := Programs[n]
		if !ok {
			return fmt.Errorf("build: unknown program %q", n)
		}
		args = append(args, ModulePath+"/"+pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(names, " "), err, out)
	}
	return nil
}

// moduleRoot returns the nearest directory at or above the working
// directory that holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// newestSource returns the latest modification time of the files under root
// that go into a build: non-test .go files, go.mod and go.sum.
func newestSource(root string) (time.Time, error) {
	var newest time.Time
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "bin" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if (strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")) || name == "go.mod" || name == "go.sum" {
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.ModTime().After(newest) {
				newest = info.ModTime()
			}
		}
		return nil
	})
	return newest, err
}

// isNewer reports whether path is a regular file modified after t.
func isNewer(path string, t time.Time) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.ModTime().After(t)
}
