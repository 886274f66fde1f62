package rp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// errResponseTooLarge is returned when a provider response exceeds Config.MaxResponseBytes.
var errResponseTooLarge = errors.New("rp: provider response too large")

// providerClient returns the client used for every call to a provider: the configured
// one (or one with timeouts) whose transport caps response bodies at max bytes.
func providerClient(c *http.Client, max int64) *http.Client {
	if c == nil {
		c = &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   5 * time.Second,
				ResponseHeaderTimeout: 10 * time.Second,
				IdleConnTimeout:       90 * time.Second,
				MaxIdleConnsPerHost:   8,
				ForceAttemptHTTP2:     true,
			},
		}
	}
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// Client.Timeout is kept as a deadline on each request's context, set by the
	// transport: an http.Client with a Timeout over a RoundTripper that is not net/http's
	// own starts a goroutine and a timer for every request to enforce it. There are no
	// redirects to follow (below), so one round trip is the whole request, and the
	// deadline also bounds reading the body, as Client.Timeout does.
	cc.Transport = &limitTransport{base: base, max: max, timeout: cc.Timeout}
	cc.Timeout = 0
	// Never follow redirects to other places on behalf of token or key requests.
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// limitTransport caps response bodies and bounds each request, body included, by
// timeout (0: no bound of its own).
type limitTransport struct {
	base    http.RoundTripper
	max     int64
	timeout time.Duration
}

// RoundTrip performs the request and wraps the body in a size-capped reader.
func (t *limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	cancel := context.CancelFunc(func() {})
	if t.timeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(r.Context(), t.timeout)
		r = r.WithContext(ctx)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%w: %d bytes from %s", errResponseTooLarge, resp.ContentLength, r.URL.Redacted())
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max, cancel: cancel}
	return resp, nil
}

// limitedBody fails once more than its allowance has been read.
type limitedBody struct {
	rc     io.ReadCloser
	left   int64
	cancel context.CancelFunc // ends the request's deadline
}

// Read reads up to the allowance, then fails with errResponseTooLarge if more follows.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Probe for one more byte: exactly at the limit is fine.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

// Close closes the underlying body and ends the request's deadline.
func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// withTimeout bounds provider calls made during a request.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 15*time.Second)
}
