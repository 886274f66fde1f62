package rp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
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
}

// metadata returns the discovered metadata, or ErrProviderUnavailable.
func (p *provider) metadata() (*metadata, error) {
	m := p.meta.Load()
	if m == nil {
		return nil, newError(http.StatusServiceUnavailable, "provider_unavailable",
			fmt.Sprintf("%s cannot be reached right now, so signing in is not possible. Please try again in a minute.", p.displayName()),
			fmt.Errorf("%w: %s: discovery has not succeeded yet", ErrProviderUnavailable, p.cfg.ID))
	}
	return m, nil
}

func (p *provider) displayName() string {
	if p.cfg.Name != "" {
		return p.cfg.Name
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
			s.Logger.Info("provider discovered", "provider", p.cfg.ID, "issuer", p.cfg.Issuer)
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
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.cfg.Issuer)
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
	keys := newKeySet(doc.JWKSURI, p.client, s.Now, s.JWKSCooldown, algs)
	if _, err := keys.refresh(ctx); err != nil {
		return err
	}
	ep := op.Endpoint()
	ep.AuthStyle, err = p.authStyle(doc.AuthMethods)
	if err != nil {
		return err
	}
	now, skew := s.Now, s.ClockSkew
	m := &metadata{
		oauth: oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: p.cfg.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  s.public.String() + callbackPath,
			Scopes:       scopes(p.cfg.Scopes),
		},
		verifier: oidc.NewVerifier(p.cfg.Issuer, keys, &oidc.Config{
			ClientID:             p.cfg.ClientID,
			SupportedSigningAlgs: algs,
			// go-oidc checks exp with no leeway; shifting its clock back by the skew
			// gives exp that leeway (and nbf its 5 minutes plus the skew).
			Now: func() time.Time { return now().Add(-skew) },
		}),
		keys:         keys,
		algs:         algs,
		endSession:   doc.EndSession,
		issParameter: doc.IssParameter,
	}
	if !p.cfg.SkipUserInfo {
		m.userinfoURL = doc.UserinfoEndpoint
	}
	p.meta.Store(m)
	close(p.ready)
	return nil
}

// authStyle picks the token endpoint authentication explicitly: x/oauth2's auto-detect
// retries a failed exchange with the other style, redeeming the code twice.
func (p *provider) authStyle(advertised []string) (oauth2.AuthStyle, error) {
	method := p.cfg.TokenAuth
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
		return 0, fmt.Errorf("discovery: token endpoint auth %q not advertised (%q)", method, advertised)
	}
	if method == "client_secret_basic" {
		return oauth2.AuthStyleInHeader, nil
	}
	// client_secret_post, and "none" (client_id in the body, no secret).
	return oauth2.AuthStyleInParams, nil
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
