package rp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProviderResponseSizeIsCapped(t *testing.T) {
	t.Parallel()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"keys":[`))
		w.Write([]byte(strings.Repeat(" ", 2<<20)))
		w.Write([]byte(`]}`))
	}))
	t.Cleanup(big.Close)
	client := providerClient(big.Client(), 1<<20)
	ks := newKeySet(big.URL, client, time.Now, time.Minute, []string{"RS256"})
	if _, err := ks.refresh(t.Context()); !errors.Is(err, errResponseTooLarge) {
		t.Errorf("2 MiB key set: err = %v, want errResponseTooLarge", err)
	}
}

// The configured client's Timeout still bounds every provider call, the answer's body
// included, now that the transport enforces it.
func TestProviderClientTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Write([]byte(`{"keys":[`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	c := slow.Client()
	c.Timeout = 200 * time.Millisecond
	client := providerClient(c, 1<<20)
	for _, path := range []string{"/headers", "/body"} {
		start := time.Now()
		resp, err := client.Get(slow.URL + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want a deadline exceeded", path, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v with a 200ms timeout", path, d)
		}
	}
}
