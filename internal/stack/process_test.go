package stack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProcessTerminate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		wantErr      string // "" for a clean exit
		exitsFirst   bool   // Terminate is called only once the process has exited by itself
		// grace is Terminate's: short only where it must run out. A process
		// that ends on SIGTERM gets seconds, as a loaded machine may take a
		// while to run its trap (Terminate returns as soon as it has exited).
		grace time.Duration
	}{
		{"exits 0 on SIGTERM", `trap 'exit 0' TERM; echo up; while :; do sleep 0.01; done`, "", false, 10 * time.Second},
		{"killed by SIGTERM", `echo up; exec sleep 30`, "want status 0", false, 10 * time.Second},
		{"exited early with 3", `echo up; exit 3`, "exit status 3", true, 10 * time.Second},
		{"ignores SIGTERM", `trap '' TERM; echo up; while :; do sleep 0.01; done`, "still running", false, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Launch(ProcessConfig{Name: "sh", Path: "/bin/sh", Args: []string{"-c", tt.script}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := Poll(ctx, 5*time.Millisecond, func() error { // the trap is set once "up" is written
				if !strings.Contains(p.Output(), "up") || (tt.exitsFirst && !p.Exited()) {
					return context.DeadlineExceeded
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			err = p.Terminate(tt.grace)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Terminate: %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Terminate: %v, want an error containing %q", err, tt.wantErr)
			}
			if !p.Exited() {
				t.Errorf("process still running after Terminate")
			}
		})
	}
}

func TestStartReadiness(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A program that exits before its readiness URL answers fails Start at
	// once, with its output, instead of waiting for the deadline.
	_, err := Start(ctx, ProcessConfig{Name: "quitter", Path: "/bin/sh", Args: []string{"-c", "echo giving up; exit 1"},
		ReadyURL: "http://" + FreeAddr(t) + "/healthz"})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "giving up") {
		t.Errorf("Start of a program that exits: %v, want an early-exit error with its output", err)
	}
	// One that never answers fails when ctx ends.
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	_, err = Start(short, ProcessConfig{Name: "sleeper", Path: "/bin/sh", Args: []string{"-c", "exec sleep 30"},
		ReadyURL: "http://" + FreeAddr(t) + "/healthz"})
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Errorf("Start of a program that never answers: %v, want a not-ready error", err)
	}
}

func TestCleanEnv(t *testing.T) {
	t.Setenv("RP_ISSUER", "http://evil.localhost")
	t.Setenv("MOCKIDP_LOGIN", "auto")
	t.Setenv("FOYER_KEEP", "1")
	p, err := Launch(ProcessConfig{Name: "env", Path: "/usr/bin/env", Env: []string{"RP_CLIENT_ID=given"}})
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	out := p.Output()
	for _, bad := range []string{"RP_ISSUER=", "MOCKIDP_LOGIN="} {
		if strings.Contains(out, bad) {
			t.Errorf("the started program saw %s from the caller's environment", bad)
		}
	}
	for _, good := range []string{"RP_CLIENT_ID=given", "FOYER_KEEP=1"} {
		if !strings.Contains(out, good) {
			t.Errorf("the started program did not see %s", good)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	b := &tailBuffer{max: 8}
	for _, s := range []string{"abc", "defgh", "ijk", ""} {
		b.Write([]byte(s))
	}
	if got, want := b.String(), "defghijk"; got != want {
		t.Errorf("got %q, want the last 8 bytes %q", got, want)
	}
}

func TestBuilderBinDir(t *testing.T) {
	// Not parallel: it sets FOYER_BIN_DIR.
	dir := t.TempDir()
	for _, n := range []string{"rp", "mockidp"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(BinDirEnv, dir)
	bins, err := (&Builder{Dir: t.TempDir(), Names: []string{"rp", "mockidp"}}).Build(context.Background())
	if err != nil || bins.Path("rp") != filepath.Join(dir, "rp") || len(bins.Built) != 0 {
		t.Errorf("with every program in %s: got %v, %+v; want its paths and nothing built", BinDirEnv, err, bins)
	}
	_, err = (&Builder{Dir: t.TempDir()}).Build(context.Background()) // whoami is missing
	if err == nil || !strings.Contains(err.Error(), "whoami") || !strings.Contains(err.Error(), BinDirEnv) {
		t.Errorf("with whoami missing from %s: got %v, want an error naming both", BinDirEnv, err)
	}
}

// TestBuilderImage: an Image builder takes the image's binaries from the
// "image" subdirectory (where `make build` puts bin/image/rp), never the
// dev build beside it.
func TestBuilderImage(t *testing.T) {
	// Not parallel: it sets FOYER_BIN_DIR.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rp"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BinDirEnv, dir)
	_, err := (&Builder{Dir: t.TempDir(), Names: []string{"rp"}, Image: true}).Build(context.Background())
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "image", "rp")) {
		t.Errorf("with only the dev build in %s: got %v, want an error naming %s", dir, err, filepath.Join(dir, "image", "rp"))
	}
	os.Mkdir(filepath.Join(dir, "image"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "image", "rp"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	bins, err := (&Builder{Dir: t.TempDir(), Names: []string{"rp"}, Image: true}).Build(context.Background())
	if err != nil || bins.Path("rp") != filepath.Join(dir, "image", "rp") {
		t.Errorf("got %v, %+v; want %s", err, bins, filepath.Join(dir, "image", "rp"))
	}
}

// TestImageTagsMatchMakefile: the tests build the image's binaries with the
// tags `make build` and `make images` use.
func TestImageTagsMatchMakefile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "IMAGE_GOTAGS := "); ok {
			got = strings.TrimSpace(v)
		}
	}
	if want := strings.Join(ImageTags, ","); got != want || want != "nodev" {
		t.Errorf("Makefile IMAGE_GOTAGS = %q, ImageTags = %q; want both \"nodev\"", got, want)
	}
}
