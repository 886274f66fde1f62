package rp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

// Defaults applied to zero values of [Config] and [ProviderConfig].
const (
	DefaultIdleTimeout      = time.Hour
	DefaultAbsoluteLifetime = 12 * time.Hour
	DefaultClockSkew        = time.Minute
	DefaultMaxTokenAge      = time.Hour
	DefaultRefreshBefore    = time.Minute
	DefaultLoginTTL         = 10 * time.Minute
	DefaultMaxLoginAttempts = 5
	DefaultJWKSCooldown     = 30 * time.Second
	// DefaultKeyRefreshInterval is how often key sets are refetched in the background.
	DefaultKeyRefreshInterval = time.Hour
	// DefaultMetadataRefreshInterval is how often discovery runs again.
	DefaultMetadataRefreshInterval = 24 * time.Hour
	DefaultMaxResponseBytes        = 1 << 20
	// MinCookieSecretLen is the shortest cookie secret accepted, in bytes.
	MinCookieSecretLen = 32
	// maxClockSkew bounds Config.ClockSkew: more is no longer "a small skew".
	maxClockSkew = 5 * time.Minute
)

// DefaultScopes are requested when a provider lists none.
var defaultScopes = []string{"openid", "profile", "email"}

// Config configures an [RP]. The zero value of every optional field is the secure default;
// PublicURL, Providers and CookieSecrets are required. [New] checks everything at once.
type Config struct {
	// PublicURL is the URL people reach this service at, e.g. "https://app.example.com".
	// The redirect URI registered at every provider is PublicURL + "/auth/callback".
	// It must be https, or plain http on a loopback host (development); cookies are
	// Secure and "__Host-" prefixed unless it is plain-http loopback.
	PublicURL string

	// Providers lists the OpenID Providers people can sign in with; ids must be unique.
	Providers []ProviderConfig

	// CookieSecrets are the keys protecting cookies, each at least [MinCookieSecretLen] bytes.
	// The first encodes; all decode, so a new secret can be put first and old ones kept
	// until the sessions they protect have expired.
	CookieSecrets [][]byte

	// SessionStore keeps sessions. Nil: encrypted, chunked cookies ([NewCookieStore]).
	SessionStore SessionStore

	// Revocations records logouts of sessions that cannot simply be deleted: cookie
	// sessions ended by a back-channel logout, and — when it also implements
	// [revocation.SessionList] — cookie sessions signed out here, so that a copy of
	// the cookie stops working. Nil: the SessionStore if it implements
	// [revocation.List] (the Redis store does), else kept in this process
	// ([revocation.NewMemory]): forgotten at a restart and unknown to other replicas.
	// [revocation.OpenFile] keeps them in a file that survives restarts and is shared
	// by the processes that open it; a Redis store shares them between hosts.
	Revocations revocation.List
	// ReplayCache refuses replayed back-channel logout tokens. Nil: the SessionStore
	// if it implements [revocation.ReplayCache] (the Redis store does), else kept in
	// this process.
	ReplayCache revocation.ReplayCache

	// IdleTimeout ends a session not used for this long. Zero: [DefaultIdleTimeout].
	IdleTimeout time.Duration
	// AbsoluteLifetime ends a session this long after sign-in, whatever happens;
	// refreshes and activity never extend it. Zero: [DefaultAbsoluteLifetime].
	AbsoluteLifetime time.Duration
	// ClockSkew is the leeway for exp, and how far in the future iat may be.
	// Zero: [DefaultClockSkew]; at most 5 minutes.
	ClockSkew time.Duration
	// MaxTokenAge rejects ID tokens whose iat is older than this. Zero: [DefaultMaxTokenAge].
	MaxTokenAge time.Duration
	// RefreshBefore refreshes the access token this long before it expires.
	// Zero: [DefaultRefreshBefore].
	RefreshBefore time.Duration
	// LoginTTL bounds how long a sign-in at the provider may take. Zero: [DefaultLoginTTL].
	LoginTTL time.Duration
	// MaxLoginAttempts caps sign-ins in flight per browser (one cookie each).
	// Zero: [DefaultMaxLoginAttempts].
	MaxLoginAttempts int
	// JWKSCooldown is the least time between two key-set refetches caused by an unknown key.
	// Zero: [DefaultJWKSCooldown].
	JWKSCooldown time.Duration
	// KeyRefreshInterval refetches every provider's key set this often, so that a key the
	// provider withdrew stops being accepted. Zero: [DefaultKeyRefreshInterval].
	KeyRefreshInterval time.Duration
	// MetadataRefreshInterval runs discovery again this often; a failed run keeps the
	// metadata in use. Zero: [DefaultMetadataRefreshInterval].
	MetadataRefreshInterval time.Duration
	// MaxResponseBytes caps every response body read from a provider. Zero: 1 MiB.
	MaxResponseBytes int64

	// Logger receives one line per failure and sign-in outcome. Nil: discard.
	Logger *slog.Logger
	// HTTPClient is used for every call to a provider; its transport is wrapped to cap
	// response sizes. Nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock. Nil: time.Now.
	Now func() time.Time

	// Registerer receives rp's Prometheus metrics; [New] fails if one of their names is
	// already registered there. Nil: no metrics. They are:
	//   - foyer_rp_sign_ins_total{provider, outcome, reason}: finished sign-ins
	//     (callbacks), outcome "success" or "failure" with a reason from a fixed list;
	//   - foyer_rp_callback_duration_seconds{provider, outcome}: time to answer
	//     /auth/callback, provider calls included;
	//   - foyer_rp_provider_request_duration_seconds{provider, endpoint} and
	//     foyer_rp_provider_request_errors_total{provider, endpoint}: requests to the
	//     providers (endpoint discovery, jwks, token, userinfo, end_session or other;
	//     errors are network failures and 5xx answers);
	//   - foyer_rp_jwks_fetches_total{provider}: key set fetches;
	//   - foyer_rp_token_refreshes_total{provider, outcome}: token refreshes
	//     (success, ended or error);
	//   - foyer_rp_http_requests_total{route, code} and
	//     foyer_rp_http_request_duration_seconds{route}: requests served, by rp's route
	//     pattern ("proxy" for [RP.Proxy], any name for [RP.Instrument]).
	// No label ever holds user data.
	Registerer prometheus.Registerer

	// Pages puts the app's name, logo and colour on rp's pages and points to an
	// operator's overrides ([PagesConfig]). The zero value shows the public URL's host.
	Pages PagesConfig

	// Gateway configures the reverse proxy ([RP.Proxy]), forward auth (/auth/verify),
	// access rules and the signed identity assertion. Its zero value trusts forwarded
	// headers from loopback only, allows every signed-in user and sends neither the
	// access token nor an assertion upstream.
	Gateway GatewayConfig
}

// ProviderConfig describes one OpenID Provider and this service's client there.
type ProviderConfig struct {
	// ID names the provider in URLs (?provider=ID) and sessions: lowercase letters,
	// digits, '-' and '_'.
	ID string
	// Name is how rp's pages call the provider ("Sign in with Name"). Empty: the
	// issuer's host name.
	Name string
	// Issuer is the exact issuer URL; discovery is at Issuer + "/.well-known/openid-configuration".
	// It must be https, or plain http on a loopback host. The OAuth 2.0 kinds have none
	// (set, it only names their users' namespace, [Session.Issuer]); [KindKakao] with the
	// openid scope defaults it to BaseURL, else https://kauth.kakao.com.
	Issuer string
	// ClientID is this service's client id at the provider.
	ClientID string
	// ClientSecret is the client secret; empty for a public client (PKCE only).
	ClientSecret string
	// Scopes requested; nil: openid, profile, email. "openid" is added when missing.
	Scopes []string
	// AuthParams are extra authorization request parameters (e.g. "hd", "prompt").
	// They cannot override state, nonce, PKCE, redirect_uri, client_id or response_type.
	AuthParams map[string]string
	// FormPost asks for response_mode=form_post; the login cookie is then SameSite=None.
	FormPost bool
	// TokenAuth is how the client authenticates at the token endpoint:
	// "client_secret_basic", "client_secret_post", "private_key_jwt" or "none". Empty:
	// private_key_jwt with a ClientKeyFile, "none" without a secret, else
	// client_secret_basic unless the provider only advertises client_secret_post.
	TokenAuth string
	// ClientKeyFile, ClientKeyID and ClientKeyAlg are for private_key_jwt (RFC 7523
	// 2.2): the PEM private key (PKCS #8, PKCS #1 or SEC 1) that signs rp's client
	// assertions, the kid of its public key at the provider (empty: no kid), and the
	// alg (empty: RS256 for RSA, ES256/384/512 by curve, EdDSA). ClientSecret must then
	// be empty. See provider_clientkey.go.
	ClientKeyFile, ClientKeyID, ClientKeyAlg string
	// SkipUserInfo skips the userinfo request after sign-in.
	SkipUserInfo bool
	// InsecureAllowHTTP accepts a plain-http issuer on a non-loopback host (a mock provider
	// reached by its service name in a container network). It MUST NOT be used in
	// production: tokens and codes would cross the network unencrypted.
	InsecureAllowHTTP bool
	// TrustedAudiences are audiences besides ClientID an ID token may also name
	// (OpenID Connect Core §3.1.3.7(3)); the token's azp must then be ClientID.
	TrustedAudiences []string

	// Kind switches on one provider's quirks: "" (a conformant provider), [KindEntra],
	// [KindGoogle], [KindApple] or [KindKeycloak]; or names an OAuth 2.0 provider without
	// OpenID Connect: [KindGitHub], [KindNaver], [KindKakao], [KindDiscord],
	// [KindFacebook], [KindX] or [KindOAuth2] (see provider_oauth2.go).
	Kind string
	// Tenants, for [KindEntra], are the tenant ids (tid) allowed to sign in. Empty:
	// every tenant the issuer accepts — with a multi-tenant issuer that is any
	// Microsoft account or organization, so set it unless that is meant.
	Tenants []string
	// HostedDomain, for [KindGoogle], is the Google Workspace domain people must belong
	// to: sent as the hd parameter and checked against the ID token's hd claim.
	HostedDomain string
	// GroupsClaim names where [User.Groups] come from: one or more dotted claim paths,
	// comma-separated, whose string values are merged (e.g. "realm_access.roles,
	// resource_access.app.roles"). Empty: "groups" ([KindKeycloak]: "realm_access.roles").
	GroupsClaim string
	// AppleTeamID, AppleKeyID and AppleKeyFile, for [KindApple], mint the client secret:
	// an ES256 JWT signed with the PEM (.p8) key in AppleKeyFile, with the key id in its
	// header and the team id as iss; ClientSecret must then be empty.
	AppleTeamID, AppleKeyID, AppleKeyFile string
	// GraphURL, for [KindEntra], resolves the groups overage (a user in more than 200
	// groups gets an ID token that points at Microsoft Graph instead of listing them):
	// the groups are then read with the access token from GraphURL +
	// "/v1.0/me/transitiveMemberOf" (e.g. "https://graph.microsoft.com"; the token needs
	// GroupMember.Read.All). The token's own pointer is never followed. Empty: such a
	// user has no groups, so group rules refuse them.
	GraphURL string

	// The OAuth 2.0 kinds (see provider_oauth2.go and docs/providers.md).

	// BaseURL points a preset at another host: GitHub Enterprise Server
	// ("https://github.example.com"), or a mock. Empty: the provider's own hosts.
	BaseURL string
	// AuthorizationURL, TokenURL and UserInfoURL are [KindOAuth2]'s endpoints (required);
	// set for a preset, they replace the preset's.
	AuthorizationURL, TokenURL, UserInfoURL string
	// ClaimMapping says where the user-info answer holds the user's claims: required for
	// [KindOAuth2] (its Subject at least); for a preset, the paths set replace the preset's.
	ClaimMapping ClaimMapping
	// TrustEmail, for [KindNaver], [KindFacebook] and [KindOAuth2] without
	// ClaimMapping.EmailVerified, counts the provider's email as verified. Unset, such
	// an email is dropped. It MUST only be set when the provider verifies every address
	// it hands out: anyone able to put someone else's address on an account would
	// otherwise pass email rules as them.
	TrustEmail bool
	// DisablePKCE, for [KindOAuth2], leaves PKCE out (for a provider that refuses it).
	DisablePKCE bool
	// Orgs and Teams ("org/team-slug"), for [KindGitHub], let only their members sign in;
	// the read:org scope is then requested and its grant checked at sign-in.
	Orgs, Teams []string

	// Bearer lets API clients call with "Authorization: Bearer" and a token of this
	// provider ([BearerConfig]). Zero: off.
	Bearer BearerConfig
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// reservedAuthParams cannot be set through ProviderConfig.AuthParams.
var reservedAuthParams = map[string]bool{
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true,
	"redirect_uri": true, "client_id": true, "response_type": true, "response_mode": true, "scope": true,
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	public       *url.URL
	secure       bool // cookies Secure; https public URL
	cookiePrefix string
	gw           *gateway // compiled gateway settings
	pages        *pageKit // theme, message catalogues and overrides of the pages
}

// Validate reports every problem of c at once (joined with [errors.Join]), as [New] does,
// without contacting any provider.
func (c Config) Validate() error {
	_, err := c.validate()
	return err
}

// validate checks every field, returning all problems joined.
func (c Config) validate() (settings, error) {
	var errs []error
	s := settings{Config: c}
	u, err := parseServiceURL("public URL", c.PublicURL)
	if err != nil {
		errs = append(errs, err)
	} else {
		if u.Path != "" && u.Path != "/" {
			errs = append(errs, fmt.Errorf("public URL %q: must not have a path", c.PublicURL))
		}
		u.Path = ""
		s.public = u
		s.secure = u.Scheme == "https"
	}
	if len(c.Providers) == 0 {
		errs = append(errs, errors.New("no provider configured"))
	}
	seen := map[string]bool{}
	for i, pc := range c.Providers {
		if seen[pc.ID] {
			errs = append(errs, fmt.Errorf("provider %d: duplicate id %q", i, pc.ID))
		}
		seen[pc.ID] = true
		if err := pc.validate(); err != nil {
			errs = append(errs, fmt.Errorf("provider %d (%q): %w", i, pc.ID, err))
		}
	}
	if s.public != nil {
		if s.pages, err = buildPages(c.Pages, s.public.Host); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.CookieSecrets) == 0 {
		errs = append(errs, errors.New("no cookie secret configured"))
	}
	for i, k := range c.CookieSecrets {
		if len(k) < MinCookieSecretLen {
			errs = append(errs, fmt.Errorf("cookie secret %d: %d bytes, need at least %d", i, len(k), MinCookieSecretLen))
		}
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"idle timeout", &s.IdleTimeout, DefaultIdleTimeout},
		{"absolute lifetime", &s.AbsoluteLifetime, DefaultAbsoluteLifetime},
		{"clock skew", &s.ClockSkew, DefaultClockSkew},
		{"max token age", &s.MaxTokenAge, DefaultMaxTokenAge},
		{"refresh before", &s.RefreshBefore, DefaultRefreshBefore},
		{"login TTL", &s.LoginTTL, DefaultLoginTTL},
		{"JWKS cooldown", &s.JWKSCooldown, DefaultJWKSCooldown},
		{"key refresh interval", &s.KeyRefreshInterval, DefaultKeyRefreshInterval},
		{"metadata refresh interval", &s.MetadataRefreshInterval, DefaultMetadataRefreshInterval},
	}
	for _, d := range durations {
		switch {
		case *d.v < 0:
			errs = append(errs, fmt.Errorf("%s: %v is negative", d.name, *d.v))
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if s.ClockSkew > maxClockSkew {
		errs = append(errs, fmt.Errorf("clock skew: %v is more than %v", s.ClockSkew, maxClockSkew))
	}
	if s.IdleTimeout > s.AbsoluteLifetime {
		s.IdleTimeout = s.AbsoluteLifetime
	}
	switch {
	case s.MaxLoginAttempts < 0:
		errs = append(errs, fmt.Errorf("max login attempts: %d is negative", s.MaxLoginAttempts))
	case s.MaxLoginAttempts == 0:
		s.MaxLoginAttempts = DefaultMaxLoginAttempts
	}
	switch {
	case s.MaxResponseBytes < 0:
		errs = append(errs, fmt.Errorf("max response bytes: %d is negative", s.MaxResponseBytes))
	case s.MaxResponseBytes == 0:
		s.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	var gwErrs []error
	s.gw, gwErrs = c.validateGateway()
	s.cookiePrefix = cookiePrefix(s.secure, s.gw.cookieDomain)
	errs = append(errs, gwErrs...)
	return s, errors.Join(errs...)
}

func (pc ProviderConfig) validate() error {
	var errs []error
	if !providerIDPattern.MatchString(pc.ID) {
		errs = append(errs, fmt.Errorf("id %q: use 1-32 lowercase letters, digits, '-' or '_'", pc.ID))
	}
	if issuer := pc.issuerURL(); pc.usesOIDC() || issuer != "" {
		if _, err := parseServiceURL("issuer", issuer); err != nil {
			u, perr := url.Parse(issuer)
			if !pc.InsecureAllowHTTP || perr != nil || u.Scheme != "http" || u.Host == "" {
				errs = append(errs, err)
			}
		}
	}
	if pc.ClientID == "" {
		errs = append(errs, errors.New("client id is empty"))
	}
	switch pc.TokenAuth {
	case "", "client_secret_basic", "client_secret_post":
		if pc.TokenAuth != "" && pc.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("token auth %q needs a client secret", pc.TokenAuth))
		}
	case "none":
		if pc.ClientSecret != "" {
			errs = append(errs, errors.New(`token auth "none" with a client secret`))
		}
	case "private_key_jwt":
	default:
		errs = append(errs, fmt.Errorf("token auth %q: want client_secret_basic, client_secret_post, private_key_jwt or none", pc.TokenAuth))
	}
	errs = append(errs, validateClientKey(pc)...)
	errs = append(errs, pc.validateQuirks()...)
	errs = append(errs, pc.validateOAuth2()...)
	errs = append(errs, pc.validateBearer()...)
	for k := range pc.AuthParams {
		if reservedAuthParams[k] {
			errs = append(errs, fmt.Errorf("auth param %q is set by rp itself", k))
		}
	}
	return errors.Join(errs...)
}

// parseServiceURL accepts https URLs, and http URLs on a loopback host.
func parseServiceURL(what, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, raw, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q: want scheme://host[:port][/path], no user, query or fragment", what, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s %q: plain http is only allowed on a loopback host", what, raw)
		}
	default:
		return nil, fmt.Errorf("%s %q: scheme must be https (or http on loopback)", what, raw)
	}
	return u, nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	// RFC 6761 §6.3: localhost and every name under .localhost are loopback.
	if h := strings.ToLower(host); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
