package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// Locate fills in each empty path of b: bin/NAME when that file exists,
// otherwise a fresh build into tmp. It returns what was built.
func (b *Binaries) Locate(ctx context.Context, tmp string) ([]string, error) {
	var build []string
	for _, s := range []struct {
		name string
		path *string
	}{{"mockidp", &b.MockIDP}, {"rp", &b.RP}} {
		if *s.path != "" {
			continue
		}
		if p := filepath.Join("bin", s.name); isFile(p) {
			*s.path = p
			continue
		}
		*s.path = filepath.Join(tmp, s.name)
		build = append(build, s.name)
	}
	return build, Build(ctx, tmp, build...)
}

// isFile reports whether path names a regular file.
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
