// Command foyer-soak runs a bounded soak of rp and mockidp on loopback:
// thousands of simulated users signing in, browsing, refreshing and signing
// out, with hostile requests mixed in. It checks that no answer is a 5xx,
// nobody sees someone else's identity, nobody is let in by a hostile request,
// memory stays flat after the warm-up and goroutines return to their baseline.
// It exits 1 when a check fails.
//
// Usage:
//
//	foyer-soak [-duration 10m] [-users 2000] [-workers 16] [-hostile 0.05] [-json]
//	           [-mode process|inprocess] [-rp bin/rp -mockidp bin/mockidp]
//	           [-session-store redis://127.0.0.1:6379/0]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/foyer-oidc/foyer/internal/soak"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "foyer-soak:", err)
		os.Exit(1)
	}
}

// run parses args, runs the soak, writes the report to stdout (progress to
// stderr) and returns soak.ErrFailed when a check failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("foyer-soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c soak.Config
	var mode string
	var jsonOut, quiet bool
	fs.DurationVar(&c.Duration, "duration", soak.DefaultDuration, "how long the load runs")
	fs.DurationVar(&c.Warmup, "warmup", 0, "memory samples before this are not judged (default a quarter of -duration)")
	fs.IntVar(&c.Users, "users", soak.DefaultUsers, "simulated users (one mock user each)")
	fs.IntVar(&c.Workers, "workers", soak.DefaultWorkers, "users acting at the same time")
	fs.Float64Var(&c.Hostile, "hostile", soak.DefaultHostile, "fraction of hostile steps (negative: none)")
	fs.Float64Var(&c.SignOut, "signout", soak.DefaultSignOut, "probability of signing out after a visit")
	fs.DurationVar(&c.SampleEvery, "sample", soak.DefaultSampleEvery, "memory and goroutine sampling period")
	fs.StringVar(&mode, "mode", string(soak.ModeProcess), "process (rp and mockidp binaries; RSS) or inprocess (Go heap)")
	fs.StringVar(&c.SessionStore, "session-store", "", "rp's --session-store, e.g. redis://127.0.0.1:6379/0 (process mode; default cookie sessions)")
	fs.StringVar(&c.RPBinary, "rp", "", "rp binary (default: built from this module)")
	fs.StringVar(&c.MockIDPBinary, "mockidp", "", "mockidp binary (default: built from this module)")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the random choices")
	fs.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&quiet, "q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.Mode = soak.Mode(mode)
	if !quiet {
		c.Progress = stderr
	}
	r, err := soak.Run(ctx, c)
	if err != nil {
		return err
	}
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		r.WriteText(stdout)
	}
	if !r.Passed() {
		return soak.ErrFailed
	}
	return nil
}
