package rp

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// One sign-in across subdomains: with GatewayConfig.CookieDomain, rp's cookies (the
// session's and the sign-in attempts') carry Domain=<it>, so that every host under it
// sends them to rp (through forward auth, or the proxy), and a sign-out clears them
// for every host at once. The "__Host-" prefix forbids a Domain attribute, so those
// cookies are named with "__Secure-" instead (RFC 6265bis §4.1.3) when Secure.

// cookiePrefix is the name prefix of rp's cookies: "__Host-" when Secure and
// host-only, "__Secure-" when Secure with a Domain, none on plain http.
func cookiePrefix(secure bool, domain string) string {
	switch {
	case !secure:
		return ""
	case domain != "":
		return "__Secure-"
	default:
		return "__Host-"
	}
}

// cookieDomain validates GatewayConfig.CookieDomain against the public URL: an ASCII
// domain name (a leading dot is dropped; xn-- form for IDNs) with at least two labels
// ("localhost" aside, for development), that the public URL's host is, or is under —
// otherwise browsers would refuse the cookies.
func cookieDomain(domain string, public *url.URL) (string, error) {
	if domain == "" {
		return "", nil
	}
	d, ok := normalDomain(strings.TrimPrefix(domain, "."))
	if !ok || (!strings.Contains(d, ".") && d != "localhost") || net.ParseIP(d) != nil {
		return "", fmt.Errorf("cookie domain %q: want a domain name such as example.com (ASCII, xn-- form for IDNs)", domain)
	}
	if public != nil {
		host := strings.ToLower(public.Hostname())
		if host != d && !strings.HasSuffix(host, "."+d) {
			return "", fmt.Errorf("cookie domain %q: the public URL's host %q is not under it, so browsers would refuse the cookies", domain, host)
		}
	}
	return d, nil
}

// redirectHostAllowed reports whether a return URL's host (host or host:port) is one
// of GatewayConfig.AllowedRedirectHosts (exact, or a "*.domain" wildcard matching
// real subdomains only; see [hostPattern.matches]).
func (g *gateway) redirectHostAllowed(hostport string) bool {
	for _, hp := range g.redirectHosts {
		if hp.matches(hostport) {
			return true
		}
	}
	return false
}
