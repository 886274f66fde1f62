package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// programs builds bin/rp and bin/mockidp once per test run, on first use:
// a run of the in-process suite alone builds nothing. images is the rp of
// the container image (built without the mock provider, bin/image/rp).
var programs, images *stack.Builder

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "foyer-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		os.Exit(1)
	}
	programs = stack.NewBuilder(dir)
	images = &stack.Builder{Dir: filepath.Join(dir, "image"), Names: []string{"rp"}, Image: true}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
