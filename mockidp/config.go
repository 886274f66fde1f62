package mockidp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Login modes for [Config.Login].
const (
	// LoginForm shows a page where a person picks a configured user, signs
	// in as a custom subject with extra claims, or denies the request.
	LoginForm = "form"
	// LoginAuto shows no page: the user named by login_hint signs in, else
	// the first configured user.
	LoginAuto = "auto"
)

// IssuerAuto is the [Config.Issuer] value that derives the issuer from each
// request's Host and X-Forwarded-Proto / X-Forwarded-Host headers.
const IssuerAuto = "auto"

// Default lifetimes used when the corresponding [Config] field is zero.
const (
	DefaultCodeTTL         = time.Minute
	DefaultAccessTokenTTL  = time.Hour
	DefaultIDTokenTTL      = time.Hour
	DefaultRefreshTokenTTL = 24 * time.Hour
	DefaultSessionTTL      = 12 * time.Hour
)

// Config configures a [Provider]. Its zero value, with an Issuer, gives the
// SPEC defaults: the demo clients, the users alice and bob, the form login
// page and RS256 signing with the embedded development key.
type Config struct {
	// Issuer is the exact issuer URL, e.g. "http://127.0.0.1:9400" or
	// "http://127.0.0.1:8080/mockidp". All routes are served under the
	// issuer's path, so a Provider can be mounted with
	// mux.Handle("/mockidp/", p). [IssuerAuto] derives the issuer per
	// request from Host and X-Forwarded-Proto / X-Forwarded-Host, with
	// AutoPathPrefix as its path.
	Issuer string
	// AutoPathPrefix is the issuer path in auto mode, e.g. "/mockidp"; it
	// may be empty. It is ignored for a fixed issuer.
	AutoPathPrefix string
	// Clients are the registered clients; nil means [DefaultClients].
	Clients []Client
	// Users are the users a person can sign in as; nil means [DefaultUsers].
	Users []User
	// Login is [LoginForm] (the default when empty) or [LoginAuto].
	Login string
	// Alg is the signing algorithm: "RS256" (default), "PS256", "ES256"
	// or "EdDSA".
	Alg string
	// SigningKeyPEM is a PEM private key (PKCS #8, PKCS #1 or SEC 1) for
	// Alg. Empty means the embedded development key for Alg, which is
	// public and MUST NOT be trusted outside development and tests.
	SigningKeyPEM []byte
	// CodeTTL, AccessTokenTTL, IDTokenTTL and RefreshTokenTTL are token
	// lifetimes; zero means DefaultCodeTTL etc. SessionTTL is the lifetime
	// of the provider's browser session; zero means DefaultSessionTTL.
	CodeTTL, AccessTokenTTL, IDTokenTTL, RefreshTokenTTL, SessionTTL time.Duration
	// Logger receives one line per request outcome; nil discards. Lines
	// never contain tokens, codes, secrets or email addresses.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. [Provider.Advance] adds an
	// offset on top of it.
	Now func() time.Time
	// HTTPClient delivers back-channel logout tokens; nil means a client
	// with a 5 second timeout.
	HTTPClient *http.Client

	// KeyOverlap is how long, in provider time, a rotated-out signing key
	// stays in the JWKS after [Provider.RotateKey]. Zero (the default)
	// keeps it until the next rotation; a negative value removes it at once.
	KeyOverlap time.Duration
	// JWKSCacheControl is the Cache-Control header of /jwks. Empty means
	// [DefaultJWKSCacheControl] ("no-cache": clients may store the key set
	// but must revalidate it, which the ETag makes cheap), so a rotation is
	// seen at once; set e.g. "max-age=300" to test a relying party's cache.
	JWKSCacheControl string

	// ControlAPI serves the control API under <issuer path>/_mock/ (faults,
	// logins, key rotation, clock, captured requests, minting, reset). It is
	// off by default: anyone who reaches it can make the provider sign
	// anything.
	ControlAPI bool
	// ControlAllow lists networks, besides loopback (always allowed), whose
	// clients may use the control API; others get 403. X-Forwarded-For is
	// never trusted. Whatever the peer, the request's Host must be a
	// loopback name or the host of Issuer, PublicURL or InternalURL, and
	// its Origin (if any) too, so that a web page cannot reach the API
	// through DNS rebinding.
	ControlAllow []netip.Prefix

	// PublicURL and InternalURL split the provider's horizon: the issuer
	// (iss) stays Issuer, but discovery advertises the browser-facing
	// endpoints (authorization_endpoint, end_session_endpoint) on
	// PublicURL and the back-channel ones (token, jwks_uri, userinfo,
	// introspection, revocation) on InternalURL. Each is scheme://host[:port]
	// with no path; the issuer's path is appended. Empty means the issuer's
	// own base. The same handler serves every base, so, in docker compose,
	// a browser reaches http://localhost:9400 while the relying party's
	// backend reaches http://mockidp:9400, and both see one issuer. They
	// cannot be combined with the auto issuer.
	PublicURL, InternalURL string

	// DeviceFlow serves the device authorization grant (RFC 8628):
	// /device_authorization, the /device verification page and the
	// device_code grant, advertised in discovery. DeviceCodeTTL (default
	// [DefaultDeviceCodeTTL]) is a code's lifetime and DeviceInterval
	// (default [DefaultDeviceInterval]) the polling interval.
	DeviceFlow                    bool
	DeviceCodeTTL, DeviceInterval time.Duration
	// PAR serves pushed authorization requests (RFC 9126) at /par, whose
	// request_uri /authorize then takes; RequirePAR refuses authorization
	// requests that were not pushed (and implies PAR).
	PAR, RequirePAR bool

	// TrustedIssuers are other issuers whose JWTs the provider accepts as
	// token exchange subject and actor tokens (RFC 8693) and as JWT bearer
	// assertions (RFC 7523), e.g. a second mockidp or a workload identity
	// issuer. Tokens the provider issued itself are always accepted.
	TrustedIssuers []TrustedIssuer

	// Persona imitates a real provider's discovery and token quirks:
	// "" (none), [PersonaEntra], [PersonaGoogle], [PersonaApple],
	// [PersonaKeycloak] or [PersonaAuth0]. See doc.go.
	Persona string

	// testTLS makes NewTestServer serve HTTPS (WithTLS).
	testTLS bool

	// devKeyIndex picks another development key, so that each issuer of a
	// Multi signs with its own key.
	devKeyIndex int
}

// DefaultJWKSCacheControl is the Cache-Control of /jwks when
// [Config.JWKSCacheControl] is empty.
const DefaultJWKSCacheControl = "no-cache"

// Client is a registered OAuth 2.0 client.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client secret. Empty makes a public client: token
	// endpoint authentication "none", PKCE required.
	Secret string
	// RedirectURIs are compared with the request's redirect_uri as exact
	// strings.
	RedirectURIs []string
	// PostLogoutRedirectURIs are compared with post_logout_redirect_uri
	// as exact strings.
	PostLogoutRedirectURIs []string
	// AllowLoopbackRedirects also accepts any http or https URI on a
	// loopback host (localhost, 127.0.0.0/8, [::1]), any port and path, as
	// redirect and post-logout redirect URI. It suits development clients
	// only.
	AllowLoopbackRedirects bool
	// BackchannelLogoutURI receives logout tokens (OpenID Connect
	// Back-Channel Logout 1.0) when a session this client took part in ends.
	BackchannelLogoutURI string
	// SecretJWTKeyPEM, when set, makes the client authenticate the way
	// Sign in with Apple clients do: its client_secret must be an ES256 JWT
	// signed by this key (a PEM public key, or a private key whose public
	// half is used), with sub = the client ID, aud = the issuer, a non-empty
	// iss (the team ID), and iat <= now < exp <= iat + 180 days. Secret is
	// then ignored and the client is confidential.
	SecretJWTKeyPEM []byte

	// AuthMethod is the one token endpoint authentication method the
	// client may use (also at introspection and revocation):
	// "client_secret_basic", "client_secret_post", "private_key_jwt" or
	// "none". Empty accepts whichever its credentials allow.
	AuthMethod string
	// JWKS is a JSON Web Key Set of the client's public keys: they verify
	// its private_key_jwt client assertions (RFC 7523 2.2) and the JWT
	// bearer assertions it issues itself (iss = the client ID). Each key
	// needs a kid when there are several.
	JWKS []byte
	// JWKSURI is where the client publishes that key set instead; it is
	// fetched with Config.HTTPClient when needed, and again when an
	// assertion names an unknown kid (at most every 10 seconds).
	JWKSURI string
	// AuthSigningAlg, when set, is the only alg accepted for the client's
	// assertions (e.g. "ES256"). Whatever it says, "none" and HMAC
	// algorithms are refused, and a key whose alg member is set signs only
	// with that alg.
	AuthSigningAlg string
	// GrantTypes limits the grants the client may use at the token
	// endpoint; others get unauthorized_client. Nil allows every grant the
	// provider serves (public clients never get client_credentials).
	GrantTypes []string
	// Scopes are scopes, besides the provider's, that the client may ask
	// for, e.g. "orders:read" for a service.
	Scopes []string
	// Claims are added to the access tokens the client gets for itself
	// (client_credentials), e.g. {"roles": ["reader"]}. They cannot
	// replace iss, exp, iat, jti or client_id. A claim set queued with
	// [Provider.QueueClientClaims] is laid over them for one token.
	Claims map[string]any
}

// TrustedIssuer is an issuer whose signed JWTs the provider accepts in a
// token exchange or as JWT bearer assertions. Trusting a mockidp that
// signs with its embedded development key trusts anyone: that key is
// public; give such an issuer a key of its own (Config.SigningKeyPEM).
type TrustedIssuer struct {
	// Issuer is the exact iss of its tokens.
	Issuer string
	// JWKS is its public key set (JSON), or JWKSURI where it publishes one.
	JWKS    []byte
	JWKSURI string
}

// Values of [Client.AuthMethod].
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
	AuthNone              = "none"
)

// isPublic reports whether c has no means to authenticate.
func (c *Client) isPublic() bool {
	if c.AuthMethod != "" {
		return c.AuthMethod == AuthNone
	}
	return c.Secret == "" && len(c.SecretJWTKeyPEM) == 0 && len(c.JWKS) == 0 && c.JWKSURI == ""
}

// hasKeys reports whether c can sign assertions.
func (c *Client) hasKeys() bool { return len(c.JWKS) > 0 || c.JWKSURI != "" }

// User is a user a person can sign in as.
type User struct {
	// Subject is the sub claim.
	Subject string
	// Claims are further claims: preferred_username, email,
	// email_verified, name, groups or any other. The email scope releases
	// email and email_verified; the profile scope releases the rest.
	Claims map[string]any
}

// DefaultClients returns the development clients of the SPEC: the
// confidential client "demo" (secret "demo-secret") and the public client
// "demo-public", both accepting any loopback redirect URI.
func DefaultClients() []Client {
	return []Client{
		{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true},
		{ID: "demo-public", AllowLoopbackRedirects: true},
	}
}

// DefaultUsers returns the development users of the SPEC: alice and bob.
func DefaultUsers() []User {
	return []User{
		{Subject: "alice", Claims: map[string]any{
			"preferred_username": "alice", "email": "alice@example.com", "email_verified": true,
			"name": "Alice Example", "groups": []any{"admins", "users"},
		}},
		{Subject: "bob", Claims: map[string]any{
			"preferred_username": "bob", "email": "bob@example.com", "email_verified": true,
			"name": "Bob Example", "groups": []any{"users"},
		}},
	}
}

// withDefaults returns a copy of cfg with defaults filled in.
func (cfg Config) withDefaults() Config {
	if cfg.Clients == nil {
		cfg.Clients = DefaultClients()
	}
	if cfg.Users == nil {
		cfg.Users = DefaultUsers()
	}
	if cfg.Login == "" {
		cfg.Login = LoginForm
	}
	if cfg.Persona == PersonaAuth0 && cfg.Issuer != IssuerAuto && cfg.Issuer != "" && !strings.HasSuffix(cfg.Issuer, "/") {
		cfg.Issuer += "/" // Auth0's issuer ends with a slash
	}
	if cfg.Alg == "" {
		cfg.Alg = "RS256"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.CodeTTL, DefaultCodeTTL)
	def(&cfg.AccessTokenTTL, DefaultAccessTokenTTL)
	def(&cfg.IDTokenTTL, DefaultIDTokenTTL)
	def(&cfg.RefreshTokenTTL, DefaultRefreshTokenTTL)
	def(&cfg.SessionTTL, DefaultSessionTTL)
	def(&cfg.DeviceCodeTTL, DefaultDeviceCodeTTL)
	def(&cfg.DeviceInterval, DefaultDeviceInterval)
	cfg.PAR = cfg.PAR || cfg.RequirePAR
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JWKSCacheControl == "" {
		cfg.JWKSCacheControl = DefaultJWKSCacheControl
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	return cfg
}

// validate reports every problem of a defaulted cfg at once.
func (cfg *Config) validate() error {
	var errs []error
	if cfg.Issuer == IssuerAuto {
		if p := cfg.AutoPathPrefix; p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/")) {
			errs = append(errs, fmt.Errorf("AutoPathPrefix %q: must start and must not end with /", p))
		} else if why := pathProblem(p); why != "" {
			errs = append(errs, fmt.Errorf("AutoPathPrefix %q: %s", p, why))
		}
	} else if err := validateIssuer(cfg.Issuer, cfg.Persona == PersonaAuth0); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains(personas, cfg.Persona) {
		errs = append(errs, fmt.Errorf("Persona %q: want one of %q", cfg.Persona, personas[1:]))
	}
	for _, b := range []struct{ name, v string }{{"PublicURL", cfg.PublicURL}, {"InternalURL", cfg.InternalURL}} {
		switch err := validateBase(b.v); {
		case b.v == "":
		case cfg.Issuer == IssuerAuto:
			errs = append(errs, fmt.Errorf("%s: cannot be combined with the auto issuer", b.name))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %q: %w", b.name, b.v, err))
		}
	}
	if strings.ContainsFunc(cfg.JWKSCacheControl, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		errs = append(errs, errors.New("JWKSCacheControl: control characters are not allowed"))
	}
	if cfg.Login != LoginForm && cfg.Login != LoginAuto {
		errs = append(errs, fmt.Errorf("Login %q: want %q or %q", cfg.Login, LoginForm, LoginAuto))
	}
	if !slices.Contains(supportedAlgs, cfg.Alg) {
		errs = append(errs, fmt.Errorf("Alg %q: want one of %v", cfg.Alg, supportedAlgs))
	}
	for _, ttl := range []struct {
		name string
		d    time.Duration
	}{{"CodeTTL", cfg.CodeTTL}, {"AccessTokenTTL", cfg.AccessTokenTTL}, {"IDTokenTTL", cfg.IDTokenTTL},
		{"RefreshTokenTTL", cfg.RefreshTokenTTL}, {"SessionTTL", cfg.SessionTTL}, {"DeviceCodeTTL", cfg.DeviceCodeTTL},
		{"DeviceInterval", cfg.DeviceInterval}} {
		if ttl.d < time.Second {
			errs = append(errs, fmt.Errorf("%s %v: must be at least 1s", ttl.name, ttl.d))
		}
	}
	if len(cfg.Clients) == 0 {
		errs = append(errs, errors.New("Clients: at least one client is required"))
	}
	seen := map[string]bool{}
	for i, c := range cfg.Clients {
		if c.ID != "" && seen[c.ID] {
			errs = append(errs, fmt.Errorf("Clients[%d]: duplicate ID %q", i, c.ID))
		}
		seen[c.ID] = true
		errs = append(errs, validateClient(c, i)...)
	}
	seenIss := map[string]bool{}
	for i, ti := range cfg.TrustedIssuers {
		errs = append(errs, validateTrustedIssuer(ti, i)...)
		if seenIss[ti.Issuer] {
			errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: duplicate issuer %q", i, ti.Issuer))
		}
		seenIss[ti.Issuer] = true
	}
	if len(cfg.Users) == 0 {
		errs = append(errs, errors.New("Users: at least one user is required"))
	}
	seenUser := map[string]bool{}
	for i, u := range cfg.Users {
		if u.Subject == "" {
			errs = append(errs, fmt.Errorf("Users[%d]: empty Subject", i))
		} else if seenUser[u.Subject] {
			errs = append(errs, fmt.Errorf("Users[%d]: duplicate Subject %q", i, u.Subject))
		}
		seenUser[u.Subject] = true
	}
	return errors.Join(errs...)
}

// validateClient reports the problems of one client; i is its index in
// Config.Clients, or -1 for a client added at run time.
func validateClient(c Client, i int) []error {
	var errs []error
	if c.ID == "" {
		if i < 0 {
			return []error{errors.New("empty ID")}
		}
		return []error{fmt.Errorf("Clients[%d]: empty ID", i)}
	}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("client %q: "+format, append([]any{c.ID}, args...)...))
	}
	for _, u := range slices.Concat(c.RedirectURIs, c.PostLogoutRedirectURIs) {
		if err := validateRegisteredURI(u); err != nil {
			bad("%w", err)
		}
	}
	if len(c.SecretJWTKeyPEM) > 0 {
		if _, err := parseES256PublicKey(c.SecretJWTKeyPEM); err != nil {
			bad("SecretJWTKeyPEM: %w", err)
		}
	}
	if c.BackchannelLogoutURI != "" {
		if err := validateRegisteredURI(c.BackchannelLogoutURI); err != nil {
			bad("BackchannelLogoutURI: %w", err)
		}
	}
	if len(c.JWKS) > 0 {
		if _, err := parsePublicJWKS(c.JWKS); err != nil {
			bad("JWKS: %w", err)
		}
	}
	if c.JWKSURI != "" {
		if err := validateRegisteredURI(c.JWKSURI); err != nil {
			bad("JWKSURI: %w", err)
		} else if len(c.JWKS) > 0 {
			bad("set JWKS or JWKSURI, not both")
		}
	}
	if c.AuthSigningAlg != "" && !slices.Contains(assertionAlgs, c.AuthSigningAlg) {
		bad("AuthSigningAlg %q: want one of %q", c.AuthSigningAlg, assertionAlgs)
	}
	secret := c.Secret != "" || len(c.SecretJWTKeyPEM) > 0
	switch c.AuthMethod {
	case "":
	case AuthClientSecretBasic, AuthClientSecretPost:
		if !secret {
			bad("AuthMethod %s needs a Secret or SecretJWTKeyPEM", c.AuthMethod)
		}
	case AuthPrivateKeyJWT:
		if !c.hasKeys() {
			bad("AuthMethod private_key_jwt needs JWKS or JWKSURI")
		}
	case AuthNone:
		if secret {
			bad("AuthMethod none: a public client has no Secret")
		}
	default:
		bad("AuthMethod %q: want %s, %s, %s or %s", c.AuthMethod, AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT, AuthNone)
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(allGrantTypes, g) {
			bad("GrantTypes: unknown grant type %q", g)
		}
	}
	for _, sc := range c.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n\"\\") {
			bad("Scopes: %q is not a scope token", sc)
		}
	}
	return errs
}

// validateTrustedIssuer reports the problems of TrustedIssuers[i].
func validateTrustedIssuer(ti TrustedIssuer, i int) []error {
	var errs []error
	if ti.Issuer == "" {
		errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: empty Issuer", i))
	}
	switch {
	case len(ti.JWKS) > 0 && ti.JWKSURI != "":
		errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: set JWKS or JWKSURI, not both", i))
	case len(ti.JWKS) > 0:
		if _, err := parsePublicJWKS(ti.JWKS); err != nil {
			errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: JWKS: %w", i, err))
		}
	case ti.JWKSURI != "":
		if err := validateRegisteredURI(ti.JWKSURI); err != nil {
			errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: JWKSURI: %w", i, err))
		}
	default:
		errs = append(errs, fmt.Errorf("TrustedIssuers[%d]: JWKS or JWKSURI is required", i))
	}
	return errs
}

// validateIssuer checks a fixed issuer; slash allows (Auth0) a trailing slash.
func validateIssuer(iss string, slash bool) error {
	if iss == "" {
		return errors.New("Issuer: required (an http(s) URL or \"auto\")")
	}
	u, err := url.Parse(iss)
	switch {
	case err != nil:
		return fmt.Errorf("Issuer %q: %w", iss, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("Issuer %q: scheme must be http or https", iss)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(iss, "#") || strings.HasSuffix(iss, "?"):
		return fmt.Errorf("Issuer %q: want scheme://host[:port][/path] with no user, query or fragment", iss)
	case strings.HasSuffix(u.Path, "/") && !(slash && strings.HasSuffix(iss, "/") && !strings.HasSuffix(iss, "//")):
		return fmt.Errorf("Issuer %q: must not end with /", iss)
	}
	// No query, fragment or user (above): the rest of iss after the host is its path,
	// as written.
	rawPath := strings.TrimSuffix(iss[len(u.Scheme+"://"+u.Host):], "/")
	if why := pathProblem(rawPath); why != "" {
		return fmt.Errorf("Issuer %q: %s", iss, why)
	}
	return nil
}

// pathProblem says why p ("" or "/a/b") cannot be an issuer's path, or returns "":
// every byte must be one a URL path carries as is, unescaped (RFC 3986 pchar without
// '%', or '/'), and no segment may be empty, "." or "..", so that the issuer a client
// compares is exactly the path it requests and the path mockidp routes.
func pathProblem(p string) string {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		default:
			return fmt.Sprintf("the path may only hold letters, digits and -._~!$&'()*+,;=:@/, not %q", c)
		}
	}
	if p == "" {
		return ""
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "the path may not have empty, \".\" or \"..\" segments"
		}
	}
	return ""
}

// validateBase checks a PublicURL or InternalURL: scheme://host[:port].
func validateBase(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsAny(s, "?#"):
		return errors.New("want scheme://host[:port] with no path, user, query or fragment")
	}
	return nil
}

func validateRegisteredURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("URI %q: want an absolute URI without fragment", s)
	}
	return nil
}
