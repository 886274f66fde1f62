package main

// The settings of mockidp, declared once: flags, MOCKIDP_* variables, YAML
// keys, --help and docs/configuration.md all come from table below.
//
// To add a setting, add ONE row to the section it belongs in:
//
//	{Flag: "my-flag", YAML: "my_flag", Default: "x", Doc: "what it does", Value: settings.String(&c.IdP.MyField)},
//
// Flag is the flag without dashes; the variable is MOCKIDP_ + the flag in
// upper snake case (set Env only to differ); YAML is the key in the --config
// file (dotted for a nested map, "" for none); Default is parsed into the
// field before any source (DefaultDoc shows a computed default instead);
// Value binds the field it feeds (settings.String, Bool, Duration, Int,
// List, Prefixes, OneOf, Bytes, StringMap, AnyMap, Items or Func). Bind a
// field of c.IdP (mockidp.Config) directly when there is one; a
// command-only value gets a field in config. Then:
//
//	go generate ./cmd/mockidp    # rewrites the mockidp part of docs/configuration.md
//
// and add the setting's row to TestEverySettingPrecedence (settings_test.go),
// which fails until every setting has one.

import (
	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/mockidp"
)

//go:generate go test -run TestConfigurationReference -update .

// config is everything the command reads: the provider's configuration
// itself, and what only the command uses.
type config struct {
	IdP mockidp.Config

	Addr           string
	File           string   // --config
	Issuers        []string // --issuers: one provider per name
	SigningKey     string   // PEM, from the YAML file only
	SigningKeyFile string
	Clients        []*mockidp.Client // nil: mockidp.DefaultClients
	Users          []*mockidp.User   // nil: mockidp.DefaultUsers
	TrustedIssuers []*mockidp.TrustedIssuer

	TLS             bool     // --tls: serve HTTPS
	TLSCAOut        string   // --tls-ca-out: write the CA certificate here
	TLSCert, TLSKey string   // --tls-cert/--tls-key: a CA, or the server certificate itself
	TLSHosts        []string // --tls-hosts: more names for the server certificate
}

const defaultAddr = "127.0.0.1:9400"

const usage = `Usage: mockidp [flags]
       mockidp healthcheck [--addr host:port]
       mockidp version

mockidp is an OpenID Provider for development and CI. Every flag can also be
set as MOCKIDP_ + its name in upper snake case (MOCKIDP_ADDR), and most in the
YAML file named by --config; a flag wins over its variable, a variable over
the file. Clients, users and token lifetimes are set in the file; the full
reference is docs/configuration.md.`

// table declares every setting of mockidp, bound to c.
func table(c *config) *settings.Table {
	idp := &c.IdP
	return &settings.Table{Program: "mockidp", EnvPrefix: "MOCKIDP_", Usage: usage, Root: c, ConfigFile: &c.File,
		Sections: []settings.Section{
			{Title: "Server", Settings: []settings.Setting{
				{Flag: "addr", YAML: "addr", Default: defaultAddr, Doc: "listen address", Value: settings.String(&c.Addr)},
				{Flag: "config", Doc: "YAML file with clients, users, signing key and lifetimes, and any setting below", Value: settings.String(&c.File)},
				{Flag: "issuer", YAML: "issuer", DefaultDoc: "http:// + addr",
					Doc: `issuer URL; "auto" derives it per request from Host and X-Forwarded-Proto/Host`, Value: settings.String(&idp.Issuer)},
				{YAML: "auto_path_prefix", Doc: `with issuer "auto": the issuer's path, e.g. /mockidp`, Value: settings.String(&idp.AutoPathPrefix)},
				{Flag: "issuers", YAML: "issuers", DefaultDoc: "one provider",
					Doc: "names: serve one independent provider per name under /<name>/", Value: settings.List(&c.Issuers)},
				{Flag: "public-url", YAML: "public_url", DefaultDoc: "the issuer's",
					Doc: "base URL (scheme://host:port) advertised for authorize and end_session (split horizon)", Value: settings.String(&idp.PublicURL)},
				{Flag: "internal-url", YAML: "internal_url", DefaultDoc: "the issuer's",
					Doc: "base URL advertised for token, jwks, userinfo, introspect and revoke (split horizon)", Value: settings.String(&idp.InternalURL)},
			}},
			{Title: "TLS", Settings: []settings.Setting{
				{Flag: "tls", YAML: "tls", Doc: "serve HTTPS (the default issuer becomes https://) with a certificate for the issuer's hosts and loopback names, " +
					"issued at start by a new ECDSA CA limited to those names, or by --tls-cert", Value: settings.Bool(&c.TLS)},
				{Flag: "tls-ca-out", YAML: "tls_ca_out", DefaultDoc: "not written",
					Doc: "with --tls: write the CA certificate (PEM) to this file before serving, for clients to trust", Value: settings.String(&c.TLSCAOut)},
				{Flag: "tls-cert", YAML: "tls_cert", DefaultDoc: "a new CA",
					Doc: "with --tls: PEM certificate file: a CA (server certificates are issued from it) or the server certificate itself", Value: settings.String(&c.TLSCert)},
				{Flag: "tls-key", YAML: "tls_key", Doc: "with --tls-cert: its PEM private key file", Value: settings.String(&c.TLSKey)},
				{Flag: "tls-hosts", YAML: "tls_hosts", DefaultDoc: "the issuer's hosts and loopback names",
					Doc: "with --tls: more names or IPs for the server certificate (e.g. the compose service name)", Value: settings.List(&c.TLSHosts)},
			}},
			{Title: "Sign-in and tokens", Settings: []settings.Setting{
				{Flag: "login", YAML: "login", Default: mockidp.LoginForm,
					Doc:   "form: a page to pick a user or enter claims; auto: no page, the login_hint user, else the first",
					Value: settings.OneOf(&idp.Login, mockidp.LoginForm, mockidp.LoginAuto)},
				{Flag: "alg", YAML: "alg", Default: "RS256", Doc: "signing algorithm",
					Value: settings.OneOf(&idp.Alg, "RS256", "PS256", "ES256", "EdDSA")},
				{Flag: "signing-key-file", YAML: "signing_key_file", DefaultDoc: "the embedded development key",
					Doc: "PEM private key for alg (a relative path in the file is relative to the file)", Value: settings.String(&c.SigningKeyFile)},
				{YAML: "signing_key", Doc: "the PEM private key itself, instead of signing_key_file", Value: settings.String(&c.SigningKey), Secret: true},
				{Flag: "persona", YAML: "persona", DefaultDoc: "none",
					Doc: "imitate a provider: entra, google, apple, keycloak, auth0 (OpenID Connect), github, naver, kakao, discord, facebook, x (OAuth 2.0)", Value: settings.String(&idp.Persona)},
				{Flag: "key-overlap", YAML: "key_overlap", DefaultDoc: "until the next rotation",
					Doc: "how long a rotated-out key stays in the JWKS", Value: settings.Duration(&idp.KeyOverlap)},
				{Flag: "jwks-cache-control", YAML: "jwks_cache_control", Default: mockidp.DefaultJWKSCacheControl,
					Doc: "Cache-Control of /jwks", Value: settings.String(&idp.JWKSCacheControl)},
				{Flag: "device-flow", YAML: "device_flow", Doc: "serve the device authorization grant (RFC 8628): /device_authorization, the /device page, polling",
					Value: settings.Bool(&idp.DeviceFlow)},
				{Flag: "par", YAML: "par", Doc: "serve pushed authorization requests (RFC 9126) at /par", Value: settings.Bool(&idp.PAR)},
				{Flag: "require-par", YAML: "require_par", Doc: "refuse authorization requests that were not pushed (implies --par)", Value: settings.Bool(&idp.RequirePAR)},
				{YAML: "device_interval", Default: settings.FormatDuration(mockidp.DefaultDeviceInterval), Doc: "device flow: the polling interval", Value: settings.Duration(&idp.DeviceInterval)},
				{YAML: "lifetimes.device_code", Default: settings.FormatDuration(mockidp.DefaultDeviceCodeTTL), Doc: "device flow: device and user code lifetime", Value: settings.Duration(&idp.DeviceCodeTTL)},
				{YAML: "lifetimes.code", Default: settings.FormatDuration(mockidp.DefaultCodeTTL), Doc: "authorization code lifetime", Value: settings.Duration(&idp.CodeTTL)},
				{YAML: "lifetimes.access_token", Default: settings.FormatDuration(mockidp.DefaultAccessTokenTTL), Doc: "access token lifetime", Value: settings.Duration(&idp.AccessTokenTTL)},
				{YAML: "lifetimes.id_token", Default: settings.FormatDuration(mockidp.DefaultIDTokenTTL), Doc: "ID token lifetime", Value: settings.Duration(&idp.IDTokenTTL)},
				{YAML: "lifetimes.refresh_token", Default: settings.FormatDuration(mockidp.DefaultRefreshTokenTTL), Doc: "refresh token lifetime", Value: settings.Duration(&idp.RefreshTokenTTL)},
				{YAML: "lifetimes.session", Default: settings.FormatDuration(mockidp.DefaultSessionTTL), Doc: "the provider's browser session lifetime", Value: settings.Duration(&idp.SessionTTL)},
			}},
			{Title: "Control API", Settings: []settings.Setting{
				{Flag: "control", YAML: "control", Doc: "serve the control API under <issuer>/_mock/ (loopback clients only)", Value: settings.Bool(&idp.ControlAPI)},
				{Flag: "control-allow", YAML: "control_allow", DefaultDoc: "loopback only",
					Doc: "CIDRs or IPs that may also use the control API", Value: settings.Prefixes(&idp.ControlAllow)},
			}},
			{Title: "Clients and users", Settings: []settings.Setting{
				{YAML: "clients", DefaultDoc: "demo and demo-public", Doc: "the registered clients", Value: settings.Items(&c.Clients, clientSettings)},
				{YAML: "users", DefaultDoc: "alice and bob", Doc: "the users a person can sign in as", Value: settings.Items(&c.Users, userSettings)},
				{YAML: "trusted_issuers", DefaultDoc: "none", Doc: "issuers whose JWTs are accepted as token exchange subject/actor tokens and JWT bearer assertions",
					Value: settings.Items(&c.TrustedIssuers, trustedIssuerSettings)},
			}},
		}}
}

// clientSettings are the keys of each item of clients.
func clientSettings(cl *mockidp.Client) []settings.Setting {
	return []settings.Setting{
		{YAML: "id", Doc: "client_id", Value: settings.String(&cl.ID)},
		{YAML: "secret", DefaultDoc: "none: a public client (PKCE)", Doc: "client secret", Value: settings.String(&cl.Secret), Secret: true},
		{YAML: "redirect_uris", Doc: "redirect URIs, compared exactly", Value: settings.List(&cl.RedirectURIs)},
		{YAML: "post_logout_redirect_uris", Doc: "post-logout redirect URIs, compared exactly", Value: settings.List(&cl.PostLogoutRedirectURIs)},
		{YAML: "allow_loopback_redirects", Doc: "also accept any http(s) redirect URI on a loopback host", Value: settings.Bool(&cl.AllowLoopbackRedirects)},
		{YAML: "backchannel_logout_uri", Doc: "receives logout tokens (Back-Channel Logout 1.0)", Value: settings.String(&cl.BackchannelLogoutURI)},
		{YAML: "secret_jwt_key", Doc: "PEM key: the client secret is an ES256 JWT signed by it (Sign in with Apple style)", Value: settings.Bytes(&cl.SecretJWTKeyPEM)},
		{YAML: "auth_method", DefaultDoc: "any its credentials allow", Doc: "the one client authentication method accepted",
			Value: settings.OneOf(&cl.AuthMethod, mockidp.AuthClientSecretBasic, mockidp.AuthClientSecretPost, mockidp.AuthPrivateKeyJWT, mockidp.AuthNone)},
		{YAML: "jwks", Doc: "the client's public keys as JWKS JSON text: private_key_jwt and its own JWT bearer assertions", Value: settings.Bytes(&cl.JWKS)},
		{YAML: "jwks_uri", Doc: "where the client publishes its JWKS (instead of jwks)", Value: settings.String(&cl.JWKSURI)},
		{YAML: "auth_signing_alg", DefaultDoc: "any asymmetric alg", Doc: "the only alg accepted on the client's assertions", Value: settings.String(&cl.AuthSigningAlg)},
		{YAML: "grant_types", DefaultDoc: "every grant served", Doc: "the grant types the client may use", Value: settings.List(&cl.GrantTypes)},
		{YAML: "scopes", Doc: "scopes the client may ask for besides the provider's (e.g. orders:read)", Value: settings.List(&cl.Scopes)},
		{YAML: "claims", Doc: "claims added to the client's own (client_credentials) access tokens", Value: settings.AnyMap(&cl.Claims)},
	}
}

// trustedIssuerSettings are the keys of each item of trusted_issuers.
func trustedIssuerSettings(ti *mockidp.TrustedIssuer) []settings.Setting {
	return []settings.Setting{
		{YAML: "issuer", Doc: "the exact iss of its tokens", Value: settings.String(&ti.Issuer)},
		{YAML: "jwks", Doc: "its public keys as JWKS JSON text", Value: settings.Bytes(&ti.JWKS)},
		{YAML: "jwks_uri", Doc: "where it publishes its JWKS (instead of jwks)", Value: settings.String(&ti.JWKSURI)},
	}
}

// userSettings are the keys of each item of users.
func userSettings(u *mockidp.User) []settings.Setting {
	return []settings.Setting{
		{YAML: "sub", Doc: "subject (sub claim)", Value: settings.String(&u.Subject)},
		{YAML: "claims", Doc: "further claims: preferred_username, email, email_verified, name, groups, ...", Value: settings.AnyMap(&u.Claims)},
	}
}
