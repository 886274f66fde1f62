package serve

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	ok := httptest.NewServer(mux)
	t.Cleanup(ok.Close)
	_, port, _ := net.SplitHostPort(ok.Listener.Addr().String())

	missing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(missing.Close)
	redirect := httptest.NewServer(http.RedirectHandler(ok.URL+"/healthz", http.StatusFound))
	t.Cleanup(redirect.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	for _, tc := range []struct {
		name, addr string
		ctx        context.Context
		wantErr    string // "" means success
	}{
		{"listen address", ok.Listener.Addr().String(), nil, ""},
		{"0.0.0.0 means loopback", "0.0.0.0:" + port, nil, ""},
		{":: means loopback", "[::]:" + port, nil, ""},
		{"no host means loopback", ":" + port, nil, ""},
		{"404", missing.Listener.Addr().String(), nil, "404"},
		{"redirect not followed", redirect.Listener.Addr().String(), nil, "302"},
		{"nothing listening", closedAddr, nil, "refused"},
		{"no port", "localhost", nil, "missing port"},
		{"context ended", ok.Listener.Addr().String(), cancelled, "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			err := Healthcheck(ctx, tc.addr)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Healthcheck(%q): got %v, want nil", tc.addr, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Healthcheck(%q): got %v, want an error mentioning %q", tc.addr, err, tc.wantErr)
			}
		})
	}
}
