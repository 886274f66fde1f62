package serve

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds one Healthcheck; Docker's own default timeout is 30 s.
const healthcheckTimeout = 3 * time.Second

// Healthcheck asks the server listening on addr (host:port) for GET /healthz
// and returns nil if it answers 200 OK within three seconds (or before ctx
// ends). It is the healthcheck subcommand of images that have no shell or
// curl.
//
// addr is the server's own listen address: an unspecified or empty host
// (0.0.0.0, ::, ":8080") means the server listens everywhere, and Healthcheck
// asks it on 127.0.0.1 — not ::1, which a container may lack. Proxies from the
// environment are not used and redirects are not followed.
func Healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	return nil
}
