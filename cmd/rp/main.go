// Command rp is foyer's relying party server: it signs people in with an OpenID
// Provider and serves its own small pages, or guards an upstream app as a reverse proxy.
// With --dev, or with no provider and a plain-http loopback public URL, it runs in dev
// mode, with the mock IdP under /mockidp.
package main

import (
	"context"
	"errors"
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
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rp:", err)
		os.Exit(1)
	}
}

// run is the whole program: it returns when ctx ends (after a graceful shutdown) or on
// error. environ holds the environment as "KEY=value" entries.
func run(ctx context.Context, args, environ []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			return healthcheck(ctx, args[1:], environ)
		case "secret":
			if len(args) > 1 {
				return errors.New(`"rp secret" takes no arguments; it prints a new random cookie secret`)
			}
			_, err := fmt.Fprintln(stdout, newSecret())
			return err
		case "version":
			_, err := fmt.Fprintln(stdout, "rp", version)
			return err
		}
	}
	c := &config{}
	t := table(c)
	res := t.Load(args, environ, nil)
	if res.Help {
		t.Help(stdout)
		return nil
	}
	if c.Version {
		_, err := fmt.Fprintln(stdout, "rp", version)
		return err
	}
	log := newLogger(c.LogFormat, stdout) // after the file: log_format counts too
	if c.CheckConfig {
		return checkConfig(ctx, c, res, stdout)
	}
	return runServer(ctx, c, res, log, stdout)
}
