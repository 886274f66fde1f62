package rp

import (
	"net/http"
	"net/netip"
	"strings"
)

// Headers the reverse proxy does not pass on as the client sent them. Names are
// lowercase with '-'; a client's copy is recognised in any spelling (case, '_' for
// '-'), because CGI-style servers and some frameworks read X_Original_URL as
// X-Original-URL.

// routingHeaders tell an app which path, prefix or method a request is "really" for:
// IIS URL Rewrite, Symfony, Laravel, Zend and Spring read X-Original-URL or
// X-Rewrite-URL instead of the request line; Spring, ASP.NET Core and Traefik-aware
// apps build links from X-Forwarded-Prefix; method overrides turn a GET that a public
// route lets through into a DELETE. rp checked the request line, so the app must not
// read another path or method: these are removed from every proxied request,
// whoever sent them.
var routingHeaders = map[string]bool{
	"x-original-url":         true,
	"x-rewrite-url":          true,
	"x-original-uri":         true,
	"x-forwarded-uri":        true,
	"x-forwarded-url":        true,
	"x-forwarded-prefix":     true,
	"x-forwarded-path":       true,
	"x-forwarded-port":       true,
	"x-forwarded-server":     true,
	"x-forwarded-scheme":     true,
	"x-forwarded-ssl":        true,
	"x-forwarded-protocol":   true,
	"x-url-scheme":           true,
	"front-end-https":        true,
	"x-original-host":        true,
	"x-host":                 true,
	"x-original-method":      true,
	"x-forwarded-method":     true,
	"x-http-method-override": true,
	"x-http-method":          true,
	"x-method-override":      true,
	"x-envoy-original-path":  true,
}

// clientIPHeaders claim to name the client's address. From a peer that is not a
// trusted proxy they are forged by definition and removed; a trusted proxy's are kept
// (it is trusted to set or clear them). X-Real-IP is always rp's own (see
// [RP.clientIP]); X-Forwarded-For and Forwarded are handled by [RP.Proxy].
var clientIPHeaders = map[string]bool{
	"x-real-ip":                true,
	"true-client-ip":           true,
	"x-client-ip":              true,
	"client-ip":                true,
	"cf-connecting-ip":         true,
	"cf-connecting-ipv6":       true,
	"fastly-client-ip":         true,
	"x-cluster-client-ip":      true,
	"x-forwarded":              true,
	"forwarded-for":            true,
	"x-originating-ip":         true,
	"x-remote-ip":              true,
	"x-remote-addr":            true,
	"x-proxyuser-ip":           true,
	"x-azure-clientip":         true,
	"x-azure-socketip":         true,
	"x-appengine-user-ip":      true,
	"x-envoy-external-address": true,
	"x-forwarded-client-cert":  true,
	"x-client-cert":            true,
	"x-ssl-client-cert":        true,
}

// sanitizeUpstreamHeaders removes routing headers from a request going upstream,
// client-IP headers too unless the peer is a trusted proxy, and sets X-Real-IP to the
// client address rp knows.
func sanitizeUpstreamHeaders(h http.Header, trusted bool, client netip.Addr) {
	for k := range h {
		n := headerKey(k)
		if routingHeaders[n] || ((!trusted || n == "x-real-ip") && clientIPHeaders[n]) {
			delete(h, k)
		}
	}
	if client.IsValid() {
		h.Set("X-Real-IP", client.String())
	}
}

// headerKey is a header name in the form the lists above use.
func headerKey(k string) string { return strings.ToLower(strings.ReplaceAll(k, "_", "-")) }

// clientIP is the client's address as rp knows it: the direct peer, or — when the
// peer is a trusted proxy — the rightmost address of X-Forwarded-For that is not a
// trusted proxy itself (the leftmost ones are whatever the client wrote). Invalid
// when nothing plausible is known.
func (p *RP) clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	peer := ap.Addr().Unmap()
	if !p.isTrusted(peer) {
		return peer
	}
	vals := r.Header.Values("X-Forwarded-For")
	for i := len(vals) - 1; i >= 0; i-- {
		elems := strings.Split(vals[i], ",")
		for j := len(elems) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(elems[j]))
			if err != nil {
				return peer // a garbled chain: believe only the peer
			}
			if a = a.Unmap(); !p.isTrusted(a) {
				return a
			}
		}
	}
	return peer
}

// isTrusted reports whether addr is in one of the trusted proxy prefixes.
func (p *RP) isTrusted(addr netip.Addr) bool {
	for _, pfx := range p.settings.gw.trusted {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

// Identity header values. A claim copied into a header is provider- or user-
// controlled: a group named "staff,admins" must not arrive as two groups, and control
// characters or non-ASCII bytes must not reach a header at all. So every identity
// header value, and every element of a list header (X-Forwarded-Groups), is written
// as printable ASCII with these bytes percent-encoded (uppercase hex, as in RFC 3986):
// '%' itself, ',', '"', controls, DEL, every byte of a non-ASCII character (UTF-8),
// and spaces at the start or end. Names of plain ASCII letters, digits, spaces inside,
// and punctuation other than those pass unchanged, so "admins,users" still reads
// as before; a consumer that needs the exact value splits on ',' and percent-decodes
// each element. The signed assertion (X-Foyer-Assertion) carries the raw values.

// headerValue encodes one identity value (or list element) as described above.
func headerValue(s string) string {
	n := len(s)
	clean := true
	for i := 0; i < n; i++ {
		if needsEncoding(s[i], i == 0 || i == n-1) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(n + 8)
	for i := 0; i < n; i++ {
		c := s[i]
		if needsEncoding(c, i == 0 || i == n-1) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needsEncoding reports whether byte c of an identity value is percent-encoded; edge
// is set for the first and last byte (where a space would be trimmed by readers).
func needsEncoding(c byte, edge bool) bool {
	switch {
	case c < 0x20 || c >= 0x7f:
		return true
	case c == '%' || c == ',' || c == '"':
		return true
	case c == ' ':
		return edge
	}
	return false
}

// headerList encodes a list header: each non-empty element with [headerValue],
// joined with ",".
func headerList(vals []string) string {
	var b strings.Builder
	for _, v := range vals {
		if v == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(headerValue(v))
	}
	return b.String()
}
