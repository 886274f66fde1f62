package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/soak"
)

func TestRunJSON(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	err := run(context.Background(), []string{"-mode", "inprocess", "-duration", "3s", "-warmup", "1s", "-sample", "200ms",
		"-users", "8", "-workers", "2", "-json", "-q"}, &out, io.Discard)
	var r soak.Report
	if jerr := json.Unmarshal([]byte(out.String()), &r); jerr != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", jerr, out.String())
	}
	// Three seconds are too short to judge memory; every other check must pass.
	for _, c := range r.Checks {
		if !c.Passed && c.Name != "memory flat after warm-up" {
			t.Errorf("check %q failed: %s", c.Name, c.Detail)
		}
	}
	if err != nil && !errors.Is(err, soak.ErrFailed) {
		t.Errorf("run: %v", err)
	}
	if r.Users != 8 || r.Mode != soak.ModeInProcess || r.Requests == 0 {
		t.Errorf("report: users %d, mode %q, requests %d; want 8, inprocess, > 0", r.Users, r.Mode, r.Requests)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"help":       {"-h"},
		"bad flag":   {"-nope"},
		"stray arg":  {"extra"},
		"bad mode":   {"-mode", "docker"},
		"bad warmup": {"-duration", "1s", "-warmup", "2s"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%s: run(%q) = nil, want an error", name, args)
		}
		if name == "help" && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("help: got %v, want flag.ErrHelp", err)
		}
	}
}
