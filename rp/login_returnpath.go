package rp

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxReturnPathLen bounds the length of an accepted return path.
const maxReturnPathLen = 2048

// SafeReturnPath returns rd when it is a path on this site, and "/" otherwise.
// Accepted: an absolute path ("/a/b?c=d#e") with no scheme or host, whose decoded form
// does not begin with "//" or "/\", with no backslash, control character or whitespace,
// raw or percent-encoded. Everything else — absolute URLs, scheme-relative "//host",
// "/\host", "javascript:", encoded variants such as "/%2F%2Fhost" and "/%5Chost" — lands on "/".
func SafeReturnPath(rd string) string {
	if isSafeReturnPath(rd) {
		return rd
	}
	return "/"
}

func isSafeReturnPath(rd string) bool {
	// Invalid UTF-8 would not survive the login state's JSON (each bad byte becomes
	// U+FFFD), so the browser would land somewhere else than asked.
	if rd == "" || len(rd) > maxReturnPathLen || rd[0] != '/' || !utf8.ValidString(rd) {
		return false
	}
	// Check the raw form and every decoding level (up to a few), so that double-encoded
	// payloads cannot hide "//", "\" or control characters.
	s := rd
	for i := range 4 {
		if !safeForm(s, i == 0) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			break
		}
		s = d
	}
	if strings.Contains(s, "%") {
		// Still encoded after several rounds: refuse rather than guess.
		return false
	}
	u, err := url.Parse(rd)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
}

// safeForm rejects forms a browser could read as another origin. Whitespace is refused
// only in the raw form (an encoded space in a query is fine).
func safeForm(s string, raw bool) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return false
		}
		if raw && (r == ' ' || r == '\u3000' || r == '\u00a0') {
			return false
		}
		if r == '\uff0f' || r == '\uff3c' || r == '\u2215' || r == '\u29f8' || r == '\u2044' {
			// Fullwidth and look-alike slashes some parsers normalise to '/' or '\'.
			return false
		}
	}
	return true
}

// safeReturn is [SafeReturnPath], extended to absolute https (or loopback http) URLs
// whose host is in Config.Gateway.AllowedRedirectHosts.
func (p *RP) safeReturn(rd string) string {
	if isSafeReturnPath(rd) {
		return rd
	}
	if len(p.settings.gw.redirectHosts) == 0 || len(rd) > maxReturnPathLen || strings.ContainsAny(rd, " \t\\") {
		return "/"
	}
	u, err := url.Parse(rd)
	if err != nil || u.User != nil || u.Opaque != "" || !p.settings.gw.redirectHostAllowed(u.Host) {
		return "/"
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		return "/"
	}
	if rest := u.RequestURI(); !isSafeReturnPath(rest) {
		return "/"
	}
	return rd
}
