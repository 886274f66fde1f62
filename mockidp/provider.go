package mockidp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes caps every request body the provider reads.
const maxBodyBytes = 64 << 10

// Provider is an OpenID Provider. It is an [http.Handler] serving every
// endpoint under the issuer's path. All its state (keys, clock, sessions,
// codes, tokens, faults) belongs to the value, so any number of Providers
// can run in one process, and its methods are safe for concurrent use.
type Provider struct {
	cfg        Config
	issuerPath string // path of a fixed issuer, or AutoPathPrefix
	log        *slog.Logger
	keys       atomic.Pointer[keySet]
	rotateMu   sync.Mutex               // serialises RotateKey
	reg        atomic.Pointer[registry] // clients and users; see registry.go
	regMu      sync.Mutex               // serialises registry changes
	initReg    *registry                // the registry New built, for Reset
	scopes     []string                 // supported scopes
	appleSeen  map[string]bool          // apple persona: client+sub that got the user field; guarded by mu
	initKeys   *keySet                  // the keys New loaded, for Reset
	ctlHosts   []string                 // host names the control API answers besides loopback ones
	trusted    map[string]keySource     // Config.TrustedIssuers, by issuer

	clockMu sync.Mutex // guards clock
	clock   clockState

	spareMu sync.Mutex    // guards rogue and decoys
	rogue   *signingKey   // never published: the unknown-key fault
	decoys  []*signingKey // published by the JWKSExtraKeys fault only

	mu            sync.Mutex // guards the maps below and the mutable fields they point to
	codes         map[string]*authCode
	access        map[tokenKey]*accessToken // by SHA-256 of the JWT, to keep the map small
	refresh       map[string]*refreshToken
	sessions      map[string]*browserSession  // by cookie value
	bySID         map[string]*browserSession  // by sid claim
	pending       map[string]*pendingAuth     // authorization requests waiting for the login form
	queued        map[string][]User           // QueueLogin, by client ID ("" = any)
	queuedHint    map[string][]User           // QueueLoginHint, by login_hint
	queuedClaims  map[string][]map[string]any // QueueClientClaims, by client ID
	logouts       []BackchannelLogout
	lastLogoutJTI map[string]string // jti of the last logout token sent, by client ID
	inserts       int               // counts insertions to trigger sweeps
	nextSweep     time.Time         // no sweep before this

	seenJTI map[string]time.Time // assertion jtis, until their exp; guarded by mu

	jwksMu    sync.Mutex // guards jwksCache
	jwksCache map[string]*remoteKeySet

	devices   map[string]*deviceAuth // by device_code; guarded by mu
	userCodes map[string]string      // user code -> device_code; guarded by mu
	pushed    map[string]*pushedAuth // PAR, by request_uri; guarded by mu

	faults faultQueue

	capMu    sync.Mutex // guards captured and capSeq
	captured map[string][]CapturedRequest
	capSeq   uint64
}

// New validates cfg (reporting every problem at once) and returns a
// Provider ready to serve.
func New(cfg Config) (*Provider, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("mockidp: invalid config: %w", err)
	}
	key, err := loadSigningKey(cfg.Alg, cfg.SigningKeyPEM, cfg.devKeyIndex)
	if err != nil {
		return nil, fmt.Errorf("mockidp: %w", err)
	}
	p := &Provider{
		cfg:           cfg,
		log:           cfg.Logger,
		codes:         map[string]*authCode{},
		access:        map[tokenKey]*accessToken{},
		refresh:       map[string]*refreshToken{},
		sessions:      map[string]*browserSession{},
		bySID:         map[string]*browserSession{},
		pending:       map[string]*pendingAuth{},
		queued:        map[string][]User{},
		queuedHint:    map[string][]User{},
		lastLogoutJTI: map[string]string{},
		queuedClaims:  map[string][]map[string]any{},
		captured:      map[string][]CapturedRequest{},
		seenJTI:       map[string]time.Time{},
		devices:       map[string]*deviceAuth{},
		userCodes:     map[string]string{},
		pushed:        map[string]*pushedAuth{},
		jwksCache:     map[string]*remoteKeySet{},
		scopes:        supportedScopes,
		appleSeen:     map[string]bool{},
		ctlHosts:      controlHosts(&cfg),
		trusted:       map[string]keySource{},
	}
	p.scopes = personaScopes(cfg.Persona)
	set, err := newKeySet(key)
	if err != nil {
		return nil, fmt.Errorf("mockidp: %w", err)
	}
	p.keys.Store(set)
	p.initKeys = set
	clients := make([]Client, len(cfg.Clients))
	for i, c := range cfg.Clients {
		clients[i] = cloneClient(c)
	}
	for _, ti := range cfg.TrustedIssuers {
		src := keySource{uri: ti.JWKSURI}
		if len(ti.JWKS) > 0 {
			src.static, _ = parsePublicJWKS(ti.JWKS) // validated
		}
		p.trusted[ti.Issuer] = src
	}
	p.initReg = newRegistry(clients, cfg.Users)
	p.reg.Store(p.initReg)
	if cfg.Issuer == IssuerAuto {
		p.issuerPath = cfg.AutoPathPrefix
	} else {
		u, _ := url.Parse(cfg.Issuer) // validated
		p.issuerPath = strings.TrimSuffix(u.Path, "/")
	}
	return p, nil
}

// Issuer returns the fixed issuer URL, or "" in auto mode.
func (p *Provider) Issuer() string {
	if p.cfg.Issuer == IssuerAuto {
		return ""
	}
	return p.cfg.Issuer
}

// ServeHTTP serves the provider's endpoints under the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	iss, err := p.issuerFor(r)
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	rel, ok := strings.CutPrefix(r.URL.Path, p.issuerPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	}
	if p.servePersona(w, r, iss, rel) { // endpoints of a persona's own (persona_*.go)
		return
	}
	if p.cfg.Persona == PersonaEntra && !strings.HasPrefix(rel, "/_mock/") && rel != "/healthz" {
		tenant, rest, ok := entraRoute(rel)
		if !ok {
			http.NotFound(w, r)
			return
		}
		iss, rel = strings.TrimSuffix(iss, "/")+"/"+tenant+"/v2.0", rest
	}
	if strings.HasPrefix(rel, "/_mock/") {
		p.serveControl(w, r, rel)
		return
	}
	endpoint := strings.TrimPrefix(rel, "/")
	switch rel {
	case "/healthz", "/login", "/authorize", "/token", "/userinfo", "/revoke", "/introspect", "/end_session", "/jwks":
	case "/device_authorization", "/device":
		if !p.cfg.DeviceFlow {
			endpoint = ""
		}
	case "/par":
		if !p.cfg.PAR {
			endpoint = ""
		}
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
		endpoint = "discovery"
	default:
		endpoint = ""
	}
	if endpoint != "" && endpoint != "healthz" {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() { p.capture(endpoint, r, rec.status) }()
		w = rec
	}
	switch rel {
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
		p.serveDiscovery(w, r, iss)
	case "/jwks":
		p.serveJWKS(w, r)
	case "/authorize":
		p.serveAuthorize(w, r, iss)
	case "/login":
		p.serveLogin(w, r, iss)
	case "/token":
		p.serveToken(w, r, iss)
	case "/userinfo":
		p.serveUserinfo(w, r)
	case "/revoke":
		p.serveRevoke(w, r, iss)
	case "/introspect":
		p.serveIntrospect(w, r, iss)
	case "/end_session":
		p.serveEndSession(w, r, iss)
	case "/device_authorization", "/device", "/par":
		switch {
		case endpoint == "":
			http.NotFound(w, r)
		case rel == "/par":
			p.servePAR(w, r, iss)
		case rel == "/device":
			p.serveDevice(w, r, iss)
		default:
			p.serveDeviceAuthorization(w, r, iss)
		}
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	default:
		http.NotFound(w, r)
	}
}

// issuerFor returns the issuer for r: the fixed one, or in auto mode one
// built from X-Forwarded-Proto / X-Forwarded-Host or the Host header.
func (p *Provider) issuerFor(r *http.Request) (string, error) {
	if p.cfg.Issuer != IssuerAuto {
		return p.cfg.Issuer, nil
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if v := firstHeaderValue(r, "X-Forwarded-Proto"); v != "" {
		if v != "http" && v != "https" {
			return "", errors.New("X-Forwarded-Proto must be http or https")
		}
		scheme = v
	}
	host := r.Host
	if v := firstHeaderValue(r, "X-Forwarded-Host"); v != "" {
		host = v
	}
	if !validHost(host) {
		return "", errors.New("invalid Host")
	}
	if p.cfg.Persona == PersonaAuth0 {
		return scheme + "://" + host + p.issuerPath + "/", nil
	}
	return scheme + "://" + host + p.issuerPath, nil
}

func firstHeaderValue(r *http.Request, name string) string {
	v, _, _ := strings.Cut(r.Header.Get(name), ",")
	return strings.TrimSpace(v)
}

// validHost accepts host[:port] made of letters, digits, '.', '-', ':' and
// brackets (IPv6 literals).
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
		if !ok {
			return false
		}
	}
	return true
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand.Read docs)
	return base64.RawURLEncoding.EncodeToString(b)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// singleValues returns the single value of each parameter in v, or an
// error naming the first parameter given more than once (RFC 6749 3.1).
func singleValues(v url.Values) (map[string]string, error) {
	m := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 1 {
			return nil, newError(errInvalidRequest, "parameter %s is repeated", k)
		}
		m[k] = vs[0]
	}
	return m, nil
}
