package mockidp

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// allowsRedirect reports whether uri may receive this client's
// authorization responses.
func (c *Client) allowsRedirect(uri string) bool {
	return matchRedirect(c.RedirectURIs, c.AllowLoopbackRedirects, uri)
}

// allowsPostLogout reports whether uri may receive this client's
// post-logout redirect.
func (c *Client) allowsPostLogout(uri string) bool {
	return matchRedirect(c.PostLogoutRedirectURIs, c.AllowLoopbackRedirects, uri)
}

// matchRedirect compares uri with the registered URIs as exact strings
// (RFC 9700 section 2.1) and, when loopback is set, also accepts any http or
// https URI on a loopback host (see isLoopbackURI).
func matchRedirect(registered []string, loopback bool, uri string) bool {
	if uri == "" {
		return false
	}
	if slices.Contains(registered, uri) {
		return true
	}
	return loopback && isLoopbackURI(uri)
}

// isLoopbackURI reports whether s is an http or https URI (scheme in lower
// case) whose host is localhost, in 127.0.0.0/8 or [::1], with no user
// information, no fragment and no control characters or spaces. Port, path
// and query may be anything.
func isLoopbackURI(s string) bool {
	if len(s) > 2048 || !(strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' || r == '\\' }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	if strings.Contains(u.Host, "[") != strings.Contains(host, ":") {
		return false // an IPv6 literal must be bracketed, nothing else may be
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
