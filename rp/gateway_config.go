package rp

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// GatewayConfig configures what rp does as a gateway in front of an app: the reverse
// proxy ([RP.Proxy]), forward auth (GET /auth/verify, for nginx auth_request, Traefik
// ForwardAuth and Caddy forward_auth), the access rules and the signed identity
// assertion. These settings also apply to [RP.RequireLogin]. The zero value of each
// field is the secure default.
type GatewayConfig struct {
	// TrustedProxies are the direct peers (by connection address, never by header)
	// whose X-Forwarded-*, X-Original-* and Forwarded headers are believed: the
	// original method, scheme, host and path of a forward-auth or proxied request.
	// From any other peer those headers are ignored, so the original URL is unknown:
	// every access rule applies and sign-in returns to "/".
	// Empty: loopback only (127.0.0.0/8 and ::1).
	TrustedProxies []netip.Prefix
	// AllowedRedirectHosts are other hosts ("host" or "host:port", no scheme or path)
	// a sign-in may return to, for forward auth in front of apps on other hosts of the
	// same site; "*.example.com" allows every subdomain of example.com (not
	// example.com itself, nor look-alikes such as example.com.evil.io). A return URL
	// on any other host falls back to "/". Empty: this service's own host only.
	AllowedRedirectHosts []string
	// CookieDomain shares the sign-in with every host under this domain
	// ("example.com"): rp's cookies get Domain=example.com and the "__Secure-" prefix
	// instead of "__Host-", so app1.example.com and app2.example.com behind forward auth
	// (or the proxy) see the same session, and a sign-out ends it for all of them. The
	// public URL's host must be under it. Every host under it can then read and set
	// rp's cookies (HttpOnly keeps them from scripts, not from the hosts' servers): use
	// it only where all those hosts are yours. Changing it signs everyone out. Empty:
	// host-only cookies.
	CookieDomain string
	// ForwardAuthRedirect makes /auth/verify answer a signed-out page navigation with
	// a 302 to sign in (which comes back to the original URL) instead of 401, as
	// Traefik and Caddy expect. A forward-auth request may choose for itself with
	// ?redirect=1 or ?redirect=0. False: 401, unless the request has Traefik/Caddy-style
	// headers (X-Forwarded-Method, X-Forwarded-Uri) from a trusted proxy.
	ForwardAuthRedirect bool
	// APIPathPrefixes are path prefixes (each beginning with "/") whose signed-out
	// requests always get 401 with a JSON error, never a redirect to sign in.
	// Empty: 401 only for requests that ask for JSON (Accept: application/json, or
	// X-Requested-With: XMLHttpRequest), are not navigations (a Sec-Fetch-Mode other
	// than navigate) or are not GET or HEAD.
	APIPathPrefixes []string
	// PassAccessToken sends the user's access token upstream as
	// "Authorization: Bearer", replacing the client's Authorization header.
	// False: the access token never leaves rp, and the client's header is passed on.
	PassAccessToken bool
	// Rules are access rules ([Rule]): every rule that covers a request must allow
	// it, and a denied user gets 403 naming the rule. Empty: every signed-in user is
	// allowed everywhere.
	Rules []Rule
	// PublicRoutes are requests that pass without a session ([PublicRoute]): the
	// proxy passes them on and /auth/verify answers 200, with identity headers only
	// when someone is signed in. Empty: every request needs a session.
	PublicRoutes []PublicRoute
	// PublicCORSPreflight lets CORS preflight requests (OPTIONS with Origin and
	// Access-Control-Request-Method, which browsers send without cookies) pass without
	// a session, so the app can answer them. Forward auth recognises them only when the
	// proxy tells the original method (X-Forwarded-Method or X-Original-Method).
	PublicCORSPreflight bool
	// Assertion configures the signed identity assertion ([AssertionConfig]), a
	// short-lived JWT sent upstream in [HeaderAssertion] and verifiable with the keys
	// at /auth/jwks.json. Zero: off.
	Assertion AssertionConfig
}

// gateway holds the validated settings of the gateway features: trusted proxies,
// forward auth, access rules and the signed identity assertion. It is built once by
// [Config.validate] and never changes.
type gateway struct {
	trusted       []netip.Prefix
	redirectHosts []*hostPattern
	cookieDomain  string // validated GatewayConfig.CookieDomain; "" host-only
	apiPrefixes   []string
	rules         []rule
	public        []publicRoute
	corsPreflight bool
	bearer        bool               // some provider accepts bearer tokens
	introspecting string             // the provider id that introspects opaque tokens, if any
	assertion     *assertionSettings // nil: no assertion
}

// defaultTrustedProxies is where forwarded headers are believed when
// GatewayConfig.TrustedProxies is empty: this machine only.
var defaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// validateGateway checks c.Gateway and compiles it.
func (c Config) validateGateway() (*gateway, []error) {
	var errs []error
	gc := c.Gateway
	g := &gateway{trusted: slices.Clone(gc.TrustedProxies)}
	if len(g.trusted) == 0 {
		g.trusted = slices.Clone(defaultTrustedProxies)
	}
	for i, pfx := range g.trusted {
		if !pfx.IsValid() {
			errs = append(errs, fmt.Errorf("trusted proxy %d: invalid prefix", i))
		}
		g.trusted[i] = pfx.Masked()
	}
	for _, h := range gc.AllowedRedirectHosts {
		hp, err := parseHostPattern(h)
		if err != nil {
			errs = append(errs, fmt.Errorf("allowed redirect host %q: want host, host:port or *.domain, no scheme or path", h))
			continue
		}
		g.redirectHosts = append(g.redirectHosts, hp)
	}
	var public *url.URL
	if u, err := url.Parse(c.PublicURL); err == nil && u.Host != "" {
		public = u
	}
	d, err := cookieDomain(gc.CookieDomain, public)
	if err != nil {
		errs = append(errs, err)
	}
	g.cookieDomain = d
	for _, pfx := range gc.APIPathPrefixes {
		if !strings.HasPrefix(pfx, "/") {
			errs = append(errs, fmt.Errorf("API path prefix %q: must begin with /", pfx))
			continue
		}
		g.apiPrefixes = append(g.apiPrefixes, pfx)
	}
	providers := map[string]bool{}
	for _, pc := range c.Providers {
		providers[pc.ID] = true
	}
	for i, r := range gc.Rules {
		cr, err := compileRule(r, providers)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d: %w", i+1, err))
			continue
		}
		cr.index = i + 1
		g.rules = append(g.rules, cr)
	}
	for i, r := range gc.PublicRoutes {
		cr, err := compilePublicRoute(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("public route %d (%s): %w", i+1, r, err))
			continue
		}
		g.public = append(g.public, cr)
	}
	g.corsPreflight = gc.PublicCORSPreflight
	for _, pc := range c.Providers {
		if !pc.Bearer.Enabled {
			continue
		}
		g.bearer = true
		if pc.Bearer.Introspection != "" {
			if g.introspecting != "" {
				errs = append(errs, fmt.Errorf("bearer introspection: providers %q and %q both introspect; an opaque token does not say whose it is, so at most one may", g.introspecting, pc.ID))
			}
			g.introspecting = pc.ID
		}
	}
	a, err := gc.Assertion.settings(c.PublicURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("assertion: %w", err))
	}
	g.assertion = a
	return g, errs
}

// validHostPort reports whether s is a bare host or host:port of letters, digits,
// '.', '-' and ':' (IPv6 in brackets), as found in a Host header.
func validHostPort(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '-', r == ':', r == '[', r == ']':
		default:
			return false
		}
	}
	return true
}
