package stack

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewestSource(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	files := []struct {
		path string
		age  time.Duration // before base+1h
	}{
		{"go.mod", 50 * time.Minute},
		{"rp/rp.go", 40 * time.Minute},
		{"rp/rp_test.go", 0},          // tests do not go into binaries
		{"rp/testdata/x.go", 0},       // nor testdata
		{"bin/rp", 0},                 // nor the binaries themselves
		{".git/hooks/x.go", 0},        // nor hidden directories
		{"rp/templates/page.html", 0}, // nor non-Go files
		{"cmd/rp/main.go", 30 * time.Minute},
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := base.Add(time.Hour - f.age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	got, err := newestSource(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(30 * time.Minute); !got.Equal(want) {
		t.Errorf("newestSource = %v, want %v (cmd/rp/main.go)", got, want)
	}
	bin := filepath.Join(root, "bin/rp")
	if !isNewer(bin, got) {
		t.Errorf("isNewer(bin/rp, %v) = false, want true", got)
	}
	if isNewer(bin, base.Add(2*time.Hour)) {
		t.Errorf("isNewer(bin/rp, later) = true, want false")
	}
	if isNewer(filepath.Join(root, "rp"), got) {
		t.Errorf("isNewer(a directory) = true, want false")
	}
}
