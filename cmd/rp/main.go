// Command rp is foyer's relying party server: it signs people in with an OpenID
// Provider and serves its own small pages, or guards an upstream app as a reverse proxy.
// With no provider configured it runs in dev mode, with the mock IdP under /mockidp.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped by the Makefile (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "rp:", err)
		os.Exit(1)
	}
}

// run is the whole program: it returns when ctx ends (after a graceful shutdown) or on error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], getenv)
	}
	o, err := parseOptions(args, getenv, stdout)
	if err != nil {
		return err
	}
	if o.Version {
		fmt.Fprintln(stdout, "rp", version)
		return nil
	}
	return runServer(ctx, o, stdout)
}
