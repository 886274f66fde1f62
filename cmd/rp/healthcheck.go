package main

import (
	"context"
	"errors"
	"strings"

	"github.com/foyer-oidc/foyer/internal/serve"
)

// healthcheck is `rp healthcheck [--addr host:port]`: it GETs /healthz on rp's own
// listener (RP_ADDR, else the default), for FROM-scratch images with no shell or
// curl, and succeeds when rp answers 200.
func healthcheck(ctx context.Context, args, environ []string) error {
	addr := defaultAddr
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "RP_ADDR="); ok && v != "" {
			addr = v
		}
	}
	switch {
	case len(args) == 2 && args[0] == "--addr":
		addr = args[1]
	case len(args) != 0:
		return errors.New("healthcheck: usage: rp healthcheck [--addr host:port]")
	}
	return serve.Healthcheck(ctx, addr)
}
