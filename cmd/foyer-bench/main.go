// Command foyer-bench measures foyer's programs on this machine: how fast
// mockidp starts, how many complete sign-ins per second rp and mockidp
// manage, what a signed-in request costs through rp (with one session, and
// spread over 10,000), whether forward auth re-writes cookies, and how much
// memory sessions take; beside oauth2-proxy when -peer-oauth2-proxy (or
// $PEER_OAUTH2_PROXY) names its binary. It prints a table ending with a
// verdict per goal of issue 18, or JSON with -json.
//
// Usage:
//
//	foyer-bench [flags] [all | start | signin | verify | proxy | sessions | idle | memory ...]
//
// With no scenario it runs them all, in about five minutes with the default
// flags. Binaries come from -mockidp and -rp, else $FOYER_BIN_DIR, else an
// up-to-date bin/, else a fresh build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/foyer-oidc/foyer/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "foyer-bench:", err)
		os.Exit(1)
	}
}

// run parses args, runs the benchmark and writes the report to stdout and
// progress to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("foyer-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: foyer-bench [flags] [all | %s ...]\n", strings.Join(bench.Scenarios, " | "))
		fs.PrintDefaults()
	}
	var cfg bench.Config
	var jsonOut, mdOut, quiet bool
	var algs, saveTo, loadFrom string
	fs.StringVar(&cfg.Binaries.MockIDP, "mockidp", "", "mockidp binary (default: bin/mockidp if newer than the sources, else a fresh build)")
	fs.StringVar(&cfg.Binaries.RP, "rp", "", "rp binary (default: bin/rp if newer than the sources, else a fresh build)")
	fs.IntVar(&cfg.Starts, "starts", 20, "mockidp launches measured by start")
	fs.StringVar(&algs, "algs", "RS256,ES256,EdDSA", "signing algorithms measured by signin, comma-separated")
	fs.IntVar(&cfg.VUs, "vus", 0, "concurrent virtual users signing in (default 4 × GOMAXPROCS)")
	fs.DurationVar(&cfg.Warmup, "warmup", bench.DefaultWarmup, "warm-up before each case's runs")
	fs.DurationVar(&cfg.Duration, "duration", bench.DefaultDuration, "length of each measured run")
	fs.IntVar(&cfg.Runs, "runs", 3, "measured runs per case (figures are medians)")
	fs.Float64Var(&cfg.Rate, "rate", 1000, "open-loop request rate of verify and proxy, per second")
	fs.IntVar(&cfg.Users, "users", 10000, "signed-in users created by memory")
	fs.StringVar(&cfg.Image, "image", "foyer/mockidp:latest", "mockidp container image whose size start reports")
	fs.StringVar(&cfg.RPImage, "rp-image", "foyer/rp:latest", "rp container image whose size start reports")
	fs.IntVar(&cfg.Sessions, "sessions", 10000, "distinct signed-in sessions the sessions scenario spreads its requests over")
	fs.IntVar(&cfg.Conns, "conns", 32, "connections of the sessions scenario's closed loop")
	fs.StringVar(&cfg.OAuth2Proxy, "peer-oauth2-proxy", os.Getenv(bench.PeerEnv), "oauth2-proxy binary measured beside foyer by sessions (default $"+bench.PeerEnv+")")
	fs.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&mdOut, "md", false, "print the report as a Markdown table")
	fs.BoolVar(&quiet, "q", false, "no progress lines on stderr")
	fs.StringVar(&saveTo, "save", "", "also write the report as JSON to this file")
	fs.StringVar(&loadFrom, "load", "", "print a report saved with -save instead of measuring")
	// Flags may come before, between and after the scenario names.
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		cfg.Scenarios = append(cfg.Scenarios, rest[0])
		rest = rest[1:]
	}
	cfg.Algs = strings.Split(algs, ",")
	if !quiet {
		cfg.Log = stderr
	}
	report, err := measureOrLoad(ctx, cfg, loadFrom)
	if report == nil {
		return err
	}
	if saveTo != "" {
		if serr := save(report, saveTo); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	write := report.WriteTable
	switch {
	case jsonOut:
		write = report.WriteJSON
	case mdOut:
		write = report.WriteMarkdown
	}
	return errors.Join(err, write(stdout))
}

// measureOrLoad runs the benchmark, or reads the report saved in loadFrom.
func measureOrLoad(ctx context.Context, cfg bench.Config, loadFrom string) (*bench.Report, error) {
	if loadFrom == "" {
		return bench.Run(ctx, cfg)
	}
	f, err := os.Open(loadFrom)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return bench.ReadJSON(f)
}

// save writes report as JSON to path.
func save(report *bench.Report, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := report.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
