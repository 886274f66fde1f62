package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ModulePath is the import path of the foyer module.
const ModulePath = "github.com/foyer-oidc/foyer"

// Build compiles the named commands of foyer ("rp", "mockidp") into dir the
// way `make build` does (static, -trimpath, stripped), so that binary sizes
// and start times are those of a release. It must run inside the module.
func Build(ctx context.Context, dir string, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, ModulePath+"/cmd/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(names, " "), err, out)
	}
	return nil
}

// Binaries are the paths of the programs under test.
type Binaries struct {
	MockIDP string `json:"mockidp"`
	RP      string `json:"rp"`
}

// Locate fills in each empty path of b: bin/NAME when that file exists and
// is newer than every Go source file, go.mod and go.sum under the current
// directory (so that a stale `make build` is not measured), otherwise a
// fresh build into tmp. It returns what was built.
func (b *Binaries) Locate(ctx context.Context, tmp string) ([]string, error) {
	newest, err := newestSource(".")
	if err != nil {
		return nil, err
	}
	var build []string
	for _, s := range []struct {
		name string
		path *string
	}{{"mockidp", &b.MockIDP}, {"rp", &b.RP}} {
		if *s.path != "" {
			continue
		}
		if p := filepath.Join("bin", s.name); isNewer(p, newest) {
			*s.path = p
			continue
		}
		*s.path = filepath.Join(tmp, s.name)
		build = append(build, s.name)
	}
	return build, Build(ctx, tmp, build...)
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
