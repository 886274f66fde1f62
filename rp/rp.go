package rp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/sessions"
	"golang.org/x/sync/singleflight"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

// RP is a relying party: it signs people in with the configured providers, keeps their
// sessions and signs them out. It is safe for concurrent use; create it with [New].
type RP struct {
	settings  settings // the validated Config, defaults applied
	log       *slog.Logger
	client    *http.Client
	providers map[string]*provider
	order     []string              // provider ids in configuration order
	cookies   cookieCodec           // rp's own cookies: names, attributes, encryption
	logins    *sessions.CookieStore // sign-in attempts (gorilla/sessions)
	store     SessionStore
	mux       *http.ServeMux
	handler   http.Handler // mux, measured when metrics are on
	metrics   *metrics     // nil: no metrics

	refreshes singleflight.Group
	recentMu  sync.Mutex
	recent    map[string]recentRefresh // session id -> latest refresh, for a grace window

	introspections introspections // cached RFC 7662 answers for bearer tokens

	revocations revocation.List
	replay      revocation.ReplayCache
	signedOut   revocation.SessionList // cookie sessions signed out

	gatewayIdentityOnly bool             // see RP.identityOnly
	storeRevocations    RevocationLoader // the store, when it is the revocation list and can check as it loads
}

// New validates cfg (reporting every problem at once) and returns an RP. It does not wait
// for the providers: discovery runs in the background, retried with backoff until it
// succeeds or ctx ends, so a provider that is briefly down does not stop startup.
// Until then [RP.Ready] is false and sign-ins with that provider get a 503 page.
func New(ctx context.Context, cfg Config) (*RP, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, fmt.Errorf("rp: invalid config: %w", err)
	}
	cs, err := codecs(s.CookieSecrets)
	if err != nil {
		return nil, fmt.Errorf("rp: %w", err)
	}
	logins, err := newLoginStore(s.CookieSecrets, s.secure, s.gw.cookieDomain, s.LoginTTL)
	if err != nil {
		return nil, fmt.Errorf("rp: %w", err)
	}
	met, err := newMetrics(s.Registerer)
	if err != nil {
		return nil, fmt.Errorf("rp: metrics: %w", err)
	}
	p := &RP{
		settings:    s,
		log:         s.Logger,
		metrics:     met,
		client:      met.instrumentClient(providerClient(s.HTTPClient, s.MaxResponseBytes)),
		providers:   map[string]*provider{},
		cookies:     cookieCodec{prefix: s.cookiePrefix, secure: s.secure, domain: s.gw.cookieDomain, codecs: cs},
		logins:      logins,
		store:       s.SessionStore,
		recent:      map[string]recentRefresh{},
		revocations: s.Revocations,
		replay:      s.ReplayCache,
	}
	// A shared session store that also keeps revocations and seen logout tokens (the
	// Redis store does) serves as them unless others are given.
	if l, ok := p.store.(revocation.List); ok && p.revocations == nil {
		p.revocations = l
		p.storeRevocations, _ = p.store.(RevocationLoader)
	}
	if c, ok := p.store.(revocation.ReplayCache); ok && p.replay == nil {
		p.replay = c
	}
	// Sign-outs of cookie sessions are kept where revocations are, when that list
	// can keep them (a state file, Redis); else in this process.
	if l, ok := p.revocations.(revocation.SessionList); ok {
		p.signedOut = l
	}
	if p.revocations == nil || p.replay == nil || p.signedOut == nil {
		mem := revocation.NewMemory(s.Now)
		if p.revocations == nil {
			p.revocations = mem
		}
		if p.replay == nil {
			p.replay = mem
		}
		if p.signedOut == nil {
			p.signedOut = mem
		}
	}
	if p.store == nil {
		p.store, err = NewCookieStore(CookieStoreConfig{Secrets: s.CookieSecrets, InsecureHTTP: !s.secure, Domain: s.gw.cookieDomain, Now: s.Now, IdleTimeout: s.IdleTimeout})
		if err != nil {
			return nil, err
		}
	}
	for _, pc := range s.Providers {
		prov := &provider{cfg: pc, client: p.client, ready: make(chan struct{}), metrics: met, social: newOAuth2Profile(pc)}
		if prov.apple, err = newAppleSecret(pc, s.Now); err != nil {
			return nil, fmt.Errorf("rp: provider %q: %w", pc.ID, err)
		}
		if prov.assert, err = newClientAssertion(pc, s.Now); err != nil {
			return nil, fmt.Errorf("rp: provider %q: %w", pc.ID, err)
		}
		prov.withClientAssertion(p.client)
		p.providers[pc.ID] = prov
		p.order = append(p.order, pc.ID)
		if prov.social != nil {
			// OAuth 2.0: the endpoints are known, nothing to discover. Its users' issuer
			// lives in the profile; cfg.Issuer stays empty so that no logout token matches it.
			prov.cfg.Issuer = ""
			met.registerEndpoint(pc.ID, endpointToken, prov.social.endpoint.TokenURL)
			met.registerEndpoint(pc.ID, endpointUserinfo, prov.social.userinfoURL)
			prov.meta.Store(prov.oauth2Metadata(&p.settings))
			prov.readyOnce.Do(func() { close(prov.ready) })
			continue
		}
		prov.cfg.Issuer = pc.issuerURL()
		met.registerEndpoint(pc.ID, endpointDiscovery, strings.TrimSuffix(prov.cfg.Issuer, "/")+"/.well-known/openid-configuration")
		go prov.discoverLoop(ctx, &p.settings)
	}
	p.gatewayIdentityOnly = p.identityOnly()
	p.mux = p.routes()
	p.handler = met.instrumentMux(p.mux)
	return p, nil
}

// routes registers the /auth/ endpoints.
func (p *RP) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/login", p.handleLogin)
	mux.HandleFunc("GET /auth/callback", p.handleCallback)
	mux.HandleFunc("POST /auth/callback", p.handleCallback)
	mux.HandleFunc("GET /auth/logout", p.handleLogoutPage)
	mux.HandleFunc("POST /auth/logout", p.handleLogout)
	mux.HandleFunc("GET /auth/logout/done", p.handleLoggedOut)
	mux.HandleFunc("POST /auth/backchannel-logout", p.handleBackchannelLogout)
	mux.HandleFunc("GET /auth/frontchannel-logout", p.handleFrontchannelLogout)
	mux.HandleFunc("GET /auth/verify", p.handleVerify)
	mux.HandleFunc("GET /auth/jwks.json", p.handleJWKS)
	mux.HandleFunc("GET /auth/userinfo", p.handleUserInfo)
	mux.HandleFunc("/auth/", func(w http.ResponseWriter, r *http.Request) {
		p.writeError(w, r, newError(http.StatusNotFound, "not_found", "There is nothing here.", fmt.Errorf("no route %s %s", r.Method, truncate(r.URL.Path, 100))))
	})
	return mux
}

// Handler returns the handler for the /auth/ routes: login, callback, logout,
// backchannel-logout, frontchannel-logout, verify and userinfo. Mount it at "/auth/".
func (p *RP) Handler() http.Handler { return p.handler }

// Ready reports whether every provider has been discovered.
func (p *RP) Ready() bool {
	for _, prov := range p.providers {
		if prov.meta.Load() == nil {
			return false
		}
	}
	return true
}

// WaitReady blocks until every provider has been discovered or ctx ends.
func (p *RP) WaitReady(ctx context.Context) error {
	for _, prov := range p.providers {
		select {
		case <-prov.ready:
		case <-ctx.Done():
			return fmt.Errorf("rp: waiting for provider %q: %w", prov.cfg.ID, context.Cause(ctx))
		}
	}
	return nil
}

// Healthz answers 200 while the process is alive.
func (p *RP) Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz answers 200 when every provider has been discovered and the session store,
// if it has a Ping(context.Context) error method (a shared store such as Redis),
// answers; 503 otherwise. The JSON body names what is not ready.
func (p *RP) Readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	status := map[string]string{}
	ready := true
	for _, id := range p.order {
		if p.providers[id].meta.Load() == nil {
			status[id] = "discovering"
			ready = false
		} else {
			status[id] = "ready"
		}
	}
	body := map[string]any{"providers": status}
	if pinger, ok := p.store.(interface{ Ping(context.Context) error }); ok {
		body["session_store"] = "ready"
		if err := pinger.Ping(r.Context()); err != nil {
			p.log.Warn("not ready: session store unavailable", "reason", err.Error())
			body["session_store"] = "unavailable"
			ready = false
		}
	}
	body["ready"] = ready
	code := http.StatusOK
	if !ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}
