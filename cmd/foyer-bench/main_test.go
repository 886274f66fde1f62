package main

import (
	"bytes"
	"errors"
	"flag"
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
	for _, want := range []string{"usage: foyer-bench", "start | signin | verify | proxy | memory", "-json", "-rate"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help text lacks %q:\n%s", want, stderr.String())
		}
	}
}
