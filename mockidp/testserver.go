package mockidp

import (
	"cmp"
	"net/http/httptest"
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
}

// NewMultiTestServer starts one loopback server serving a [Multi] with one
// provider per name (issuer: server URL + "/" + name), each built from the
// same options, and stops it when the test ends. The TestServers it
// returns share Server.
func NewMultiTestServer(t testing.TB, names []string, opts ...Option) map[string]*TestServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
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
	srv.Start()
	t.Cleanup(srv.Close)
	out := map[string]*TestServer{}
	for _, n := range names {
		p := m.Provider(n)
		ts := &TestServer{Provider: p, Server: srv, Issuer: p.Issuer()}
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
		cfg.Issuer = "http://" + srv.Listener.Addr().String() + cfg.AutoPathPrefix
	}
	p, err := New(cfg)
	if err != nil {
		srv.Close()
		t.Fatalf("mockidp.NewTestServer: %v", err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	ts := &TestServer{Provider: p, Server: srv, Issuer: cmp.Or(p.Issuer(), cfg.Issuer)} // Auth0 adds a slash
	if c := p.cfg.Clients; len(c) > 0 {
		ts.ClientID, ts.ClientSecret = c[0].ID, c[0].Secret
	}
	return ts
}
