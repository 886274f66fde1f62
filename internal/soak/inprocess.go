package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// inprocTarget runs mockidp and rp in this process, each on its own
// loopback listener, wired as cmd/rp wires them.
type inprocTarget struct {
	rpURL   string
	idpLog  *refreshCounter
	servers []*http.Server
	cancel  context.CancelFunc
	// clients are rp's transport to the provider and the provider's to rp
	// (back-channel logout), so that their idle connections can be closed.
	clients []*http.Transport
}

// startInProcess starts the mock provider and rp and waits until rp has
// discovered the provider.
func startInProcess(ctx context.Context, c Config) (_ *inprocTarget, err error) {
	t := &inprocTarget{idpLog: &refreshCounter{}}
	defer func() {
		if err != nil {
			_ = t.stop()
		}
	}()
	idpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		idpLn.Close()
		return nil, err
	}
	issuer, rpURL := "http://"+idpLn.Addr().String(), "http://"+rpLn.Addr().String()
	t.rpURL = rpURL
	users := make([]mockidp.User, c.Users)
	for i := range users {
		s := subject(i)
		users[i] = mockidp.User{Subject: s, Claims: map[string]any{"preferred_username": s, "name": "User " + s,
			"email": s + "@example.com", "email_verified": true, "groups": []any{"users"}}}
	}
	idpTr, rpTr := &http.Transport{}, &http.Transport{}
	t.clients = []*http.Transport{idpTr, rpTr}
	idp, err := mockidp.New(mockidp.Config{
		HTTPClient: &http.Client{Transport: idpTr, Timeout: 10 * time.Second},
		Issuer:     issuer, Login: mockidp.LoginAuto, AccessTokenTTL: c.AccessTokenTTL, Users: users,
		Clients: []mockidp.Client{{ID: clientID, Secret: clientSecret, RedirectURIs: []string{rpURL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{rpURL + "/auth/logout/done"}, BackchannelLogoutURI: rpURL + "/auth/backchannel-logout"}},
		Logger: slog.New(slog.NewTextHandler(t.idpLog, nil)),
	})
	if err != nil {
		idpLn.Close()
		rpLn.Close()
		return nil, err
	}
	t.serve(idpLn, idp)
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel = cancel
	auth, err := rp.New(rctx, rp.Config{
		PublicURL:     rpURL,
		Providers:     []rp.ProviderConfig{{ID: "mock", Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret}},
		CookieSecrets: [][]byte{[]byte(cookieSecret)},
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		HTTPClient:    &http.Client{Transport: rpTr, Timeout: 10 * time.Second},
	})
	if err != nil {
		rpLn.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.HandleFunc("/healthz", auth.Healthz)
	mux.HandleFunc("/readyz", auth.Readyz)
	mux.Handle("/", auth.Home())
	t.serve(rpLn, mux)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := auth.WaitReady(wctx); err != nil {
		return nil, fmt.Errorf("rp did not discover the provider: %w", err)
	}
	return t, nil
}

func (t *inprocTarget) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	t.servers = append(t.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

func (t *inprocTarget) base() string     { return t.rpURL }
func (t *inprocTarget) refreshes() int64 { return t.idpLog.n.Load() }
func (t *inprocTarget) memKind() string  { return "Go heap in use (rp, mockidp and the soak's clients)" }
func (t *inprocTarget) goroutineKind() string {
	return "goroutines of this process (runtime.NumGoroutine)"
}

// sample reads the heap in use and the goroutine count of this process,
// after closing the idle connections between rp and the provider: those are
// kept for reuse, not leaked, and would hide a leak in the count.
func (t *inprocTarget) sample(context.Context) (int64, int, error) {
	for _, tr := range t.clients {
		tr.CloseIdleConnections()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse), runtime.NumGoroutine(), nil
}

// stop shuts the servers down gracefully (rp first).
func (t *inprocTarget) stop() error {
	var errs []error
	for i := len(t.servers) - 1; i >= 0; i-- {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		errs = append(errs, t.servers[i].Shutdown(ctx))
		cancel()
	}
	if t.cancel != nil {
		t.cancel()
	}
	return errors.Join(errs...)
}
