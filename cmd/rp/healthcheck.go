package main

import (
	"context"
	"errors"

	"github.com/foyer-oidc/foyer/internal/serve"
)

// healthcheck is `rp healthcheck [--addr host:port]`: it GETs /healthz on rp's own
// listener (RP_ADDR, else the default), for FROM-scratch images with no shell or
// curl, and succeeds when rp answers 200.
func healthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	addr := first(getenv("RP_ADDR"), defaultAddr)
	switch {
	case len(args) == 2 && args[0] == "--addr":
		addr = args[1]
	case len(args) != 0:
		return errors.New("healthcheck: usage: rp healthcheck [--addr host:port]")
	}
	return serve.Healthcheck(ctx, addr)
}
