package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
)

// checkTimeout bounds the discovery of every provider by --check-config.
const checkTimeout = 15 * time.Second

// checkConfig is --check-config: it checks what startup checks, then runs
// discovery once for every provider and checks the client authentication
// against what the provider accepts. It prints warnings and one line per
// provider, and returns the same report startup would.
func checkConfig(ctx context.Context, c *config, res *settings.Result, stdout io.Writer) error {
	a := configure(c, res, defaultPublicURL(c.Addr), slog.New(slog.DiscardHandler))
	for _, w := range res.Warnings() {
		fmt.Fprintln(stdout, "warning:", w.String())
	}
	for _, n := range a.notes {
		fmt.Fprintln(stdout, "warning:", n)
	}
	if err := res.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	checks, err := rp.CheckProviders(ctx, a.cfg)
	if err != nil {
		explain(err, c, a, res)
		return res.Err()
	}
	for i, ch := range checks {
		switch {
		case ch.Err != nil && i < len(a.sources):
			explainProvider(ch.Err.Error(), a.sources[i], a.sources[i] == &c.Flagged, res)
			continue
		case ch.Err != nil:
			res.Errorf("", "provider %q: %v", ch.ID, ch.Err)
			continue
		}
		fmt.Fprintf(stdout, "provider %q (%s): discovered; the client authenticates with %s; the provider accepts %s\n",
			ch.ID, ch.Issuer, ch.ClientAuth, accepted(ch.Accepted))
	}
	if err := res.Err(); err != nil {
		return err
	}
	if a.devMode {
		fmt.Fprintln(stdout, "dev mode: rp signs people in with the built-in mock provider")
	}
	_, err = fmt.Fprintln(stdout, "configuration is valid")
	return err
}

// accepted describes a provider's token_endpoint_auth_methods_supported.
func accepted(methods []string) string {
	if len(methods) == 0 {
		return "client_secret_basic (it advertises nothing)"
	}
	return strings.Join(methods, ", ")
}
