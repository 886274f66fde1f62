package rp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// asymmetricAlgs are the only ID token signing algorithms rp accepts.
var asymmetricAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// provider is one configured OpenID Provider. Its metadata arrives once discovery succeeds.
type provider struct {
	cfg    ProviderConfig
	client *http.Client
	meta   atomic.Pointer[metadata]
	ready  chan struct{} // closed once meta is set
	// readyOnce closes ready at the first discovery; later ones refresh the metadata.
	readyOnce sync.Once
	// apple mints the client secret of a Sign in with Apple client; nil otherwise.
	apple *appleSecret
	// assert signs private_key_jwt client assertions (provider_clientkey.go); nil
	// otherwise. client then adds them to token and introspection requests.
	assert *clientAssertion
	// social is how to sign in with an OAuth 2.0 provider without OpenID Connect
	// (provider_oauth2.go); nil for OpenID Providers.
	social  *oauth2Profile
	metrics *metrics
}

// metadata is what rp uses from a provider's discovery document.
type metadata struct {
	oauth        oauth2.Config
	verifier     *oidc.IDTokenVerifier
	keys         *keySet
	algs         []string
	userinfoURL  string
	endSession   string
	issParameter bool // authorization_response_iss_parameter_supported
	// tenantIssuer is the Entra multi-tenant issuer template. When set, go-oidc's
	// issuer check is skipped and [provider.checkTenant] checks iss against it instead.
	tenantIssuer *issuerTemplate
	// clientAuth is the token endpoint authentication in use; authMethods what the
	// provider advertised (token_endpoint_auth_methods_supported).
	clientAuth  string
	authMethods []string
	// social is set for an OAuth 2.0 provider: no verifier, no keys, no discovery.
	social *oauth2Profile
	// introspection is the RFC 7662 endpoint, for opaque bearer tokens ("" if none).
	introspection string
}

// discoveryDoc holds the discovery fields go-oidc does not expose.
type discoveryDoc struct {
	EndSession       string   `json:"end_session_endpoint"`
	IssParameter     bool     `json:"authorization_response_iss_parameter_supported"`
	AuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	Algorithms       []string `json:"id_token_signing_alg_values_supported"`
	JWKSURI          string   `json:"jwks_uri"`
	CodeChallenge    []string `json:"code_challenge_methods_supported"`
	ResponseModes    []string `json:"response_modes_supported"`
	UserinfoEndpoint string   `json:"userinfo_endpoint"`
	Introspection    string   `json:"introspection_endpoint"` // RFC 8414 / RFC 7662
}

// metadata returns the discovered metadata, or ErrProviderUnavailable.
func (p *provider) metadata() (*metadata, error) {
	m := p.meta.Load()
	if m == nil {
		return nil, newError(http.StatusServiceUnavailable, "provider_unavailable",
			fmt.Sprintf("%s cannot be reached right now, so signing in is not possible. Please try again in a minute.", p.displayName()),
			fmt.Errorf("%w: %s: discovery has not succeeded yet", ErrProviderUnavailable, p.cfg.ID))
	}
	if p.apple != nil {
		return p.freshAppleSecret(m)
	}
	return m, nil
}

// freshAppleSecret returns m with a client secret that is not about to expire,
// publishing a copy with a newly minted one when needed.
func (p *provider) freshAppleSecret(m *metadata) (*metadata, error) {
	secret, err := p.apple.get()
	if err != nil {
		return nil, newError(http.StatusInternalServerError, "client_secret_unavailable",
			"Signing in is not possible right now because of a configuration problem.", err)
	}
	for m.oauth.ClientSecret != secret {
		c := *m
		c.oauth.ClientSecret = secret
		if p.meta.CompareAndSwap(m, &c) {
			return &c, nil
		}
		m = p.meta.Load()
	}
	return m, nil
}

// displayName is how pages name the provider: its Name, else its issuer's host
// (people know "accounts.google.com", not an internal id).
func (p *provider) displayName() string {
	if p.cfg.Name != "" {
		return p.cfg.Name
	}
	if pr, ok := presets[p.cfg.Kind]; ok {
		return pr.name
	}
	if u, err := url.Parse(p.cfg.Issuer); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return p.cfg.ID
}

// discoverLoop runs discovery until it succeeds or ctx ends, with capped exponential
// backoff and jitter.
func (p *provider) discoverLoop(ctx context.Context, s *settings) {
	backoff := 200 * time.Millisecond
	const maxBackoff = 15 * time.Second
	for {
		err := p.discover(ctx, s)
		if err == nil {
			m := p.meta.Load()
			s.Logger.Info("provider discovered", "provider", p.cfg.ID, "issuer", p.cfg.Issuer,
				"client_auth", m.clientAuth, "provider_accepts", acceptedAuth(m.authMethods))
			p.maintain(ctx, s)
			return
		}
		s.Logger.Warn("provider discovery failed; retrying", "provider", p.cfg.ID, "issuer", p.cfg.Issuer,
			"retry_in", backoff.String(), "reason", err.Error())
		jitter := time.Duration(rand.Int64N(int64(backoff) / 4))
		t := time.NewTimer(backoff + jitter)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// discover fetches the discovery document and the key set, and publishes the metadata.
func (p *provider) discover(ctx context.Context, s *settings) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	op, tmpl, err := p.newOIDCProvider(oidc.ClientContext(ctx, p.client))
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	var doc discoveryDoc
	if err := op.Claims(&doc); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	if doc.JWKSURI == "" {
		return errors.New("discovery: no jwks_uri")
	}
	algs := allowedAlgs(doc.Algorithms)
	if len(algs) == 0 {
		return fmt.Errorf("discovery: no supported asymmetric ID token algorithm in %q", doc.Algorithms)
	}
	if len(doc.CodeChallenge) > 0 && !slices.Contains(doc.CodeChallenge, "S256") {
		return fmt.Errorf("discovery: PKCE S256 not supported (advertised %q)", doc.CodeChallenge)
	}
	p.metrics.registerEndpoint(p.cfg.ID, endpointJWKS, doc.JWKSURI)
	p.metrics.registerEndpoint(p.cfg.ID, endpointToken, op.Endpoint().TokenURL)
	p.metrics.registerEndpoint(p.cfg.ID, endpointUserinfo, doc.UserinfoEndpoint)
	p.metrics.registerEndpoint(p.cfg.ID, endpointEndSession, doc.EndSession)
	keys := newKeySet(doc.JWKSURI, p.client, s.Now, s.JWKSCooldown, algs)
	if err := keys.load(ctx); err != nil {
		return err
	}
	ep := op.Endpoint()
	style, method, err := p.authStyle(doc.AuthMethods)
	if err != nil {
		return err
	}
	ep.AuthStyle = style
	now, skew := s.Now, s.ClockSkew
	secret := p.cfg.ClientSecret
	if p.apple != nil {
		if secret, err = p.apple.get(); err != nil {
			return err
		}
	}
	m := &metadata{
		oauth: oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: secret,
			Endpoint:     ep,
			RedirectURL:  s.public.String() + callbackPath,
			Scopes:       p.scopes(),
		},
		verifier: oidc.NewVerifier(p.cfg.Issuer, keys, &oidc.Config{
			ClientID:             p.cfg.ClientID,
			SupportedSigningAlgs: algs,
			// go-oidc checks exp with no leeway; shifting its clock back by the skew
			// gives exp that leeway (and nbf its 5 minutes plus the skew).
			Now: func() time.Time { return now().Add(-skew) },
			// Only with a tenant issuer template, or for Google (iss with or without
			// its scheme), which checkClaims enforces instead.
			SkipIssuerCheck: tmpl != nil || p.cfg.Kind == KindGoogle,
		}),
		tenantIssuer:  tmpl,
		keys:          keys,
		algs:          algs,
		endSession:    doc.EndSession,
		issParameter:  doc.IssParameter,
		clientAuth:    method,
		authMethods:   doc.AuthMethods,
		introspection: doc.Introspection,
	}
	if !p.cfg.SkipUserInfo {
		m.userinfoURL = doc.UserinfoEndpoint
	}
	p.meta.Store(m)
	p.readyOnce.Do(func() { close(p.ready) })
	return nil
}

// authStyle picks the token endpoint authentication explicitly: x/oauth2's auto-detect
// retries a failed exchange with the other style, redeeming the code twice. It also
// returns the method's name, and refuses one the provider does not advertise.
func (p *provider) authStyle(advertised []string) (oauth2.AuthStyle, string, error) {
	method := p.cfg.TokenAuth
	if p.apple != nil {
		method = "client_secret_post" // the minted secret is posted; Apple takes nothing else
	}
	if p.assert != nil {
		method = "private_key_jwt" // client_id in the body; the transport adds the assertion
	}
	if method == "" {
		switch {
		case p.cfg.ClientSecret == "":
			method = "none"
		case len(advertised) > 0 && !slices.Contains(advertised, "client_secret_basic") &&
			slices.Contains(advertised, "client_secret_post"):
			method = "client_secret_post"
		default:
			method = "client_secret_basic"
		}
	}
	if len(advertised) > 0 && !slices.Contains(advertised, method) {
		why := ""
		if method == "none" {
			why = " (a public client: no client secret)"
		}
		return 0, method, fmt.Errorf("discovery: the client authenticates with %s%s, but the provider's token endpoint accepts only %s "+
			"(token_endpoint_auth_methods_supported); set a client secret or the token auth method", method, why, strings.Join(advertised, ", "))
	}
	if method == "client_secret_basic" {
		return oauth2.AuthStyleInHeader, method, nil
	}
	// client_secret_post, and "none" (client_id in the body, no secret).
	return oauth2.AuthStyleInParams, method, nil
}

// acceptedAuth describes a provider's token_endpoint_auth_methods_supported.
func acceptedAuth(advertised []string) string {
	if len(advertised) == 0 {
		return "not advertised (client_secret_basic by default)"
	}
	return strings.Join(advertised, " ")
}

// allowedAlgs keeps the advertised asymmetric algorithms; none and HS* never pass.
// With nothing advertised, RS256 is the OpenID Connect default.
func allowedAlgs(advertised []string) []string {
	if len(advertised) == 0 {
		return []string{oidc.RS256}
	}
	var out []string
	for _, a := range advertised {
		if slices.Contains(asymmetricAlgs, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func scopes(configured []string) []string {
	if len(configured) == 0 {
		return slices.Clone(defaultScopes)
	}
	out := slices.Clone(configured)
	if !slices.Contains(out, oidc.ScopeOpenID) {
		out = append([]string{oidc.ScopeOpenID}, out...)
	}
	return out
}

// newOIDCProvider runs go-oidc discovery. For [KindEntra] a discovery document that
// advertises an issuer template ("https://login.microsoftonline.com/{tenantid}/v2.0")
// is accepted only when the template fits the configured multi-tenant issuer; the
// template is returned and every ID token's iss is then checked against it with the
// token's own tid. Any other issuer mismatch fails, as go-oidc decides.
func (p *provider) newOIDCProvider(ctx context.Context) (*oidc.Provider, *issuerTemplate, error) {
	op, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	var mismatch *oidc.IssuerMismatchError
	if err == nil || p.cfg.Kind != KindEntra || !errors.As(err, &mismatch) ||
		!strings.Contains(mismatch.Discovered, tenantPlaceholder) {
		return op, nil, err
	}
	tmpl, terr := newIssuerTemplate(mismatch.Discovered, p.cfg.Issuer)
	if terr != nil {
		return nil, nil, errors.Join(err, terr)
	}
	// With this context go-oidc checks no issuer at all: check the second document's.
	op, err = oidc.NewProvider(oidc.InsecureIssuerURLContext(ctx, mismatch.Discovered), p.cfg.Issuer)
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := op.Claims(&doc); err != nil || doc.Issuer != mismatch.Discovered {
		return nil, nil, fmt.Errorf("issuer template changed during discovery (%q)", doc.Issuer)
	}
	return op, tmpl, nil
}
