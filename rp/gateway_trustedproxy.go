package rp

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// origin is what rp knows about the request a proxy in front of it is handling:
// forward auth is asked about a request it never sees itself.
type origin struct {
	// trusted is set when the peer is a trusted proxy; nothing else is read otherwise.
	trusted bool
	// method is the original method (X-Forwarded-Method, X-Original-Method); "" if unknown.
	method string
	// scheme and host are the original URL's ("" if unknown); host is lowercase.
	scheme, host string
	// uri is the original request URI (path and query); "" if unknown.
	uri string
	// path is uri's path as [normalizePath] reads it (decoded), for access rules and
	// public routes; "" if unknown.
	path string
	// pathErr is set when the original path is one that servers read differently:
	// forward auth then answers 400.
	pathErr error
	// styled is set when Traefik/Caddy-style headers (X-Forwarded-Method or
	// X-Forwarded-Uri) came from a trusted proxy: they expect a redirect, not a 401.
	styled bool
}

// trustedPeer reports whether the request's direct peer (RemoteAddr, never a header)
// is one of the trusted proxies.
func (p *RP) trustedPeer(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return p.isTrusted(ap.Addr().Unmap())
}

// originOf reads the original request from the headers a trusted proxy sets:
// X-Original-URL (a full URL), else X-Forwarded-Uri or X-Original-URI with
// X-Forwarded-Proto/Host or the Forwarded header (RFC 7239). From an untrusted peer
// every one of these headers is ignored, so that a client cannot forge where it is
// going (oauth2-proxy GHSA-7x63-xv5r-3p2x): the origin is then unknown, and callers
// fail closed (every access rule applies, the return path is "/").
// Where a header holds a list, the last element counts: it is the one the nearest
// proxy (the trusted one) added.
func (p *RP) originOf(r *http.Request) origin {
	if !p.trustedPeer(r) {
		return origin{}
	}
	h := r.Header
	o := origin{trusted: true}
	o.method = strings.ToUpper(lastElem(h.Get("X-Forwarded-Method")))
	if o.method == "" {
		o.method = strings.ToUpper(lastElem(h.Get("X-Original-Method")))
	}
	o.styled = h.Get("X-Forwarded-Method") != "" || h.Get("X-Forwarded-Uri") != ""
	if ambiguousURI(h) {
		// Two sources disagree: one of them came from the client through a proxy that
		// set only the other. Believe neither.
		return origin{trusted: true, method: o.method, styled: o.styled}
	}
	if full := h.Get("X-Original-URL"); full != "" {
		if scheme, host, uri, ok := splitOriginalURL(full); ok {
			o.scheme, o.host = scheme, host
			o.setURI(uri)
			return o.checked()
		}
		return origin{trusted: true, method: o.method, styled: o.styled, pathErr: fmt.Errorf("%w: X-Original-URL is not an absolute URL", errAmbiguousPath)}
	}
	fwd := parseForwarded(lastElem(h.Get("Forwarded")))
	o.scheme = strings.ToLower(firstNonEmpty(lastElem(h.Get("X-Forwarded-Proto")), fwd["proto"]))
	o.host = strings.ToLower(firstNonEmpty(lastElem(h.Get("X-Forwarded-Host")), fwd["host"], r.Host))
	o.setURI(firstNonEmpty(h.Get("X-Forwarded-Uri"), h.Get("X-Original-URI")))
	return o.checked()
}

// ambiguousURI reports whether the headers that may carry the original request URI
// (X-Forwarded-Uri, X-Original-URI, the path of X-Original-URL) disagree, or one of
// them is repeated with different values. A proxy that sets one of them but passes
// the others on from the client would otherwise let the client choose the path that
// access rules see.
func ambiguousURI(h http.Header) bool {
	seen := ""
	for _, name := range []string{"X-Forwarded-Uri", "X-Original-URI", "X-Original-URL"} {
		for _, v := range h.Values(name) {
			if name == "X-Original-URL" {
				_, _, uri, ok := splitOriginalURL(v)
				if !ok {
					continue // refused on its own by originOf
				}
				v = uri
			}
			if seen != "" && v != seen {
				return true
			}
			seen = v
		}
	}
	return false
}

// splitOriginalURL splits an absolute URL from X-Original-URL into its lowercase
// scheme and host and its request URI exactly as written (not re-encoded, so that
// normalizePath sees what the app will). URLs with userinfo or without a plausible
// host are refused.
func splitOriginalURL(full string) (scheme, host, uri string, ok bool) {
	u, err := url.Parse(full)
	if err != nil || !u.IsAbs() || u.User != nil || !validHostPort(u.Host) {
		return "", "", "", false
	}
	prefix := u.Scheme + "://" + u.Host
	if len(full) < len(prefix) || !strings.EqualFold(full[:len(prefix)], prefix) {
		return "", "", "", false
	}
	uri = full[len(prefix):]
	if uri == "" || uri[0] == '?' {
		uri = "/" + uri
	}
	return strings.ToLower(u.Scheme), strings.ToLower(u.Host), uri, true
}

// setURI records a request URI (path and query) and its path as [normalizePath]
// reads it; a path it refuses sets pathErr instead. The URI is kept for the return
// path (with the normalised path) only when it is short enough for one.
func (o *origin) setURI(uri string) {
	if uri == "" {
		return
	}
	rawPath, query, hasQuery := strings.Cut(uri, "?")
	np, err := normalizePath(rawPath)
	if err != nil {
		o.pathErr = err
		return
	}
	o.path = np.decoded
	if hasQuery {
		np.escaped += "?" + query
	}
	if len(np.escaped) <= maxReturnPathLen {
		o.uri = np.escaped
	}
}

// checked drops a scheme or host that is not plausible.
func (o origin) checked() origin {
	if o.scheme != "http" && o.scheme != "https" {
		o.scheme = ""
	}
	if !validHostPort(o.host) {
		o.host = ""
	}
	return o
}

// parseForwarded reads the parameters of one Forwarded element (RFC 7239 §4), such as
// `for=192.0.2.1;proto=https;host="app.example.com"`.
func parseForwarded(elem string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		out[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	return out
}

// lastElem returns the last element of a comma-separated header value, trimmed.
func lastElem(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// firstNonEmpty returns the first non-empty value.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// returnTo is where a sign-in started by forward auth should land afterwards: the
// original path when the original host is this site's (or unknown), the full original
// URL when its host is in Config.Gateway.AllowedRedirectHosts, and "/" otherwise. The result
// passes [RP.safeReturn].
func (p *RP) returnTo(o origin) string {
	if o.uri == "" {
		return "/"
	}
	if o.host == "" || strings.EqualFold(o.host, p.settings.public.Host) {
		return SafeReturnPath(o.uri)
	}
	if p.settings.gw.redirectHostAllowed(o.host) && o.scheme != "" {
		return p.safeReturn(o.scheme + "://" + o.host + o.uri)
	}
	return "/"
}
