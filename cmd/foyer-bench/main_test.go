package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRejectsBadArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown scenario", []string{"warp"}, `unknown scenario "warp"`},
		{"unknown alg", []string{"-algs", "RS256,HS256", "signin"}, `unknown alg "HS256"`},
		{"negative runs", []string{"-runs", "-1", "start"}, "runs must not be negative"},
		{"negative rate", []string{"-rate", "-5", "verify"}, "rate must not be negative"},
		{"unknown flag", []string{"-turbo"}, "flag provided but not defined"},
		{"bad duration", []string{"-duration", "soon"}, "invalid value"},
		{"flag after a scenario", []string{"signin", "-algs", "HS256"}, `unknown alg "HS256"`},
		{"flag between scenarios", []string{"start", "-runs", "-2", "memory"}, "runs must not be negative"},
		{"bad scenario after a flag", []string{"-q", "start", "warp"}, `unknown scenario "warp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q) printed a report for bad arguments:\n%s", tt.args, stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run(-h) error = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"usage: foyer-bench", "start | signin | verify | proxy | sessions | idle | memory", "-json", "-rate", "-peer-oauth2-proxy", "-sessions", "-conns"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help text lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestRunSaveAndLoad checks that a saved report prints the same again,
// without measuring anything.
func TestRunSaveAndLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	const saved = `{"machine":{"cpu":"Test CPU","num_cpu":2,"gomaxprocs":2,"go_version":"go1.26.8","os":"linux","arch":"amd64"},
"date":"2026-11-25T20:00:00Z","method":"m","binaries":{"mockidp":"bin/mockidp","rp":"bin/rp"},
"rows":[{"scenario":"start","case":"mockidp","metric":"exec → first 200 /jwks, p50 of 20","value":6.5,"unit":"ms","goal":"≤ 20 ms"},
{"scenario":"memory","case":"redis","metric":"bytes per session","value":null,"na":"no redis-server on PATH"}]}`
	if err := os.WriteFile(in, []byte(saved), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	var md, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-load", in, "-save", out, "-md"}, &md, &stderr); err != nil {
		t.Fatalf("run -load: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"| start | mockidp | exec → first 200 /jwks, p50 of 20 | 6.50 ms | ≤ 20 ms |", "| n/a | no redis-server on PATH |", "Test CPU"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var again bytes.Buffer
	if err := run(t.Context(), []string{"-load", out}, &again, &stderr); err != nil {
		t.Fatalf("run -load of the saved copy: %v", err)
	}
	if !strings.Contains(again.String(), "6.50 ms") || !strings.Contains(again.String(), "SCENARIO") {
		t.Errorf("table of the saved copy:\n%s", again.String())
	}
	if err := run(t.Context(), []string{"-load", filepath.Join(dir, "absent.json")}, &again, &stderr); err == nil {
		t.Errorf("run -load of a missing file: want an error")
	}
}
