package mockidp

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// Option changes the [Config] of a [NewTestServer].
type Option func(*Config)

// WithLogin sets [Config.Login] ([LoginAuto] is the test server's default).
func WithLogin(mode string) Option { return func(c *Config) { c.Login = mode } }

// WithAlg sets the signing algorithm ([Config.Alg]).
func WithAlg(alg string) Option { return func(c *Config) { c.Alg = alg } }

// WithClients sets the registered clients ([Config.Clients]).
func WithClients(clients ...Client) Option { return func(c *Config) { c.Clients = clients } }

// WithUsers sets the users ([Config.Users]).
func WithUsers(users ...User) Option { return func(c *Config) { c.Users = users } }

// WithIssuerPath serves the provider under path (e.g. "/mockidp"), so the
// issuer is the server URL plus path.
func WithIssuerPath(path string) Option { return func(c *Config) { c.AutoPathPrefix = path } }

// WithPersona sets [Config.Persona], e.g. [PersonaEntra].
func WithPersona(name string) Option { return func(c *Config) { c.Persona = name } }

// WithControlAPI turns on the HTTP control API under <issuer>/_mock/
// ([Config.ControlAPI]).
func WithControlAPI() Option { return func(c *Config) { c.ControlAPI = true } }

// WithTLS serves the provider over HTTPS with a certificate for 127.0.0.1
// issued by a fresh [CA] (the issuer becomes https://127.0.0.1:port); use
// [TestServer.Client], or TestServer.CA, to trust it, as with
// httptest.NewTLSServer.
func WithTLS() Option { return func(c *Config) { c.testTLS = true } }

// WithConfig lets f change any field of the Config.
func WithConfig(f func(*Config)) Option { return f }

// TestServer is a Provider running on a loopback port for the duration of
// a test, in the style of net/http/httptest.
type TestServer struct {
	*Provider
	// Server is the running HTTP server.
	Server *httptest.Server
	// Issuer is the exact issuer: Server.URL plus the issuer path, if any.
	Issuer string
	// ClientID and ClientSecret are those of the first configured client
	// ("demo" and "demo-secret" by default).
	ClientID     string
	ClientSecret string
	// CA issued the server certificate with [WithTLS]; nil without TLS.
	CA *CA
}

// Client returns an HTTP client for the server: with [WithTLS], one that
// trusts exactly the server's CA.
func (ts *TestServer) Client() *http.Client {
	if ts.CA != nil {
		return ts.CA.Client()
	}
	return ts.Server.Client()
}

// startTestServer starts srv, over TLS with a certificate from a new CA
// when tlsOn, and returns the CA (nil without TLS).
func startTestServer(t testing.TB, srv *httptest.Server, tlsOn bool) *CA {
	t.Helper()
	if !tlsOn {
		srv.Start()
		return nil
	}
	hosts := []string{"127.0.0.1", "localhost"}
	ca, err := NewCA(hosts)
	if err == nil {
		var cert tls.Certificate
		if cert, err = ca.Issue(hosts); err == nil {
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			srv.Config.ErrorLog = log.New(handshakeFilter{os.Stderr}, "", log.LstdFlags)
			srv.StartTLS()
			return ca
		}
	}
	srv.Close()
	t.Fatalf("mockidp: TLS: %v", err)
	return nil
}

// handshakeFilter drops the server's "TLS handshake error" lines, which
// tests that check a client refuses the server cause on purpose.
type handshakeFilter struct{ w io.Writer }

func (f handshakeFilter) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("TLS handshake error")) {
		return len(b), nil
	}
	return f.w.Write(b)
}

// scheme is the issuer scheme of a test server.
func scheme(tlsOn bool) string {
	if tlsOn {
		return "https://"
	}
	return "http://"
}

// NewMultiTestServer starts one loopback server serving a [Multi] with one
// provider per name (issuer: server URL + "/" + name), each built from the
// same options, and stops it when the test ends. The TestServers it
// returns share Server.
func NewMultiTestServer(t testing.TB, names []string, opts ...Option) map[string]*TestServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	probe := Config{}
	for _, o := range opts {
		o(&probe)
	}
	base := scheme(probe.testTLS) + srv.Listener.Addr().String()
	cfgs := map[string]Config{}
	for _, n := range names {
		cfg := Config{Login: LoginAuto}
		for _, o := range opts {
			o(&cfg)
		}
		cfgs[n] = cfg
	}
	m, err := NewMulti(base, cfgs)
	if err != nil {
		srv.Close()
		t.Fatalf("mockidp.NewMultiTestServer: %v", err)
	}
	srv.Config.Handler = m
	ca := startTestServer(t, srv, probe.testTLS)
	t.Cleanup(srv.Close)
	out := map[string]*TestServer{}
	for _, n := range names {
		p := m.Provider(n)
		ts := &TestServer{Provider: p, Server: srv, Issuer: p.Issuer(), CA: ca}
		if c := p.cfg.Clients; len(c) > 0 {
			ts.ClientID, ts.ClientSecret = c[0].ID, c[0].Secret
		}
		out[n] = ts
	}
	return out
}

// NewTestServer starts a Provider on a loopback port with the exact issuer
// of that port and stops it when the test ends. Its defaults are those of
// [Config] except the login mode, which is [LoginAuto] so that an HTTP
// client signs in with no form; use [Provider.QueueLogin] to choose the
// user. It fails the test if the options make an invalid Config.
func NewTestServer(t testing.TB, opts ...Option) *TestServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg := Config{Login: LoginAuto}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = scheme(cfg.testTLS) + srv.Listener.Addr().String() + cfg.AutoPathPrefix
	}
	p, err := New(cfg)
	if err != nil {
		srv.Close()
		t.Fatalf("mockidp.NewTestServer: %v", err)
	}
	srv.Config.Handler = p
	ca := startTestServer(t, srv, cfg.testTLS)
	t.Cleanup(srv.Close)
	ts := &TestServer{Provider: p, Server: srv, Issuer: cmp.Or(p.Issuer(), cfg.Issuer), CA: ca} // Auth0 adds a slash
	if c := p.cfg.Clients; len(c) > 0 {
		ts.ClientID, ts.ClientSecret = c[0].ID, c[0].Secret
	}
	return ts
}
