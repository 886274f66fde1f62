package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheck GETs /healthz on the local listener (for FROM-scratch images with no
// shell or curl): exit status 0 when it answers 200.
func healthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	addr := getenv("RP_ADDR")
	if len(args) == 2 && args[0] == "--addr" {
		addr = args[1]
	} else if len(args) != 0 {
		return fmt.Errorf("healthcheck: usage: rp healthcheck [--addr host:port]")
	}
	if addr == "" {
		addr = defaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
