package rp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// gateway holds the validated settings of the gateway features: trusted proxies,
// forward auth, access rules and the signed identity assertion. It is built once by
// [Config.validate] and never changes.
type gateway struct {
	trusted       []netip.Prefix
	redirectHosts map[string]bool // lowercase host[:port]
	apiPrefixes   []string
	rules         []rule
	assertion     *assertionSettings // nil: no assertion
}

// defaultTrustedProxies is where forwarded headers are believed when
// Config.TrustedProxies is empty: this machine only.
var defaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// validateGateway checks the gateway fields of c and compiles them.
func (c Config) validateGateway() (*gateway, []error) {
	var errs []error
	g := &gateway{trusted: slices.Clone(c.TrustedProxies), redirectHosts: map[string]bool{}}
	if len(g.trusted) == 0 {
		g.trusted = slices.Clone(defaultTrustedProxies)
	}
	for i, pfx := range g.trusted {
		if !pfx.IsValid() {
			errs = append(errs, fmt.Errorf("trusted proxy %d: invalid prefix", i))
		}
		g.trusted[i] = pfx.Masked()
	}
	for _, h := range c.AllowedRedirectHosts {
		if !validHostPort(h) {
			errs = append(errs, fmt.Errorf("allowed redirect host %q: want host or host:port, no scheme or path", h))
			continue
		}
		g.redirectHosts[strings.ToLower(h)] = true
	}
	for _, pfx := range c.APIPathPrefixes {
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
	for i, r := range c.Rules {
		cr, err := compileRule(r, providers)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d: %w", i+1, err))
			continue
		}
		cr.index = i + 1
		g.rules = append(g.rules, cr)
	}
	a, err := c.Assertion.settings(c.PublicURL)
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
