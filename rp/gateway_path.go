package rp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Path normalisation: the one reading of a request path that access rules, public
// routes, API path prefixes and forward auth (X-Forwarded-Uri, X-Original-URI,
// X-Original-URL) all use, and that the reverse proxy passes upstream.
//
// The danger is path confusion: rp decides on one reading of a path while the app
// behind it serves another. Java servlet containers (Tomcat, Jetty, Spring) drop
// ";params" from each segment and then resolve "..", so "/public/..;/admin" is served
// as "/admin"; IIS and some frameworks read "\" and "%5c" as "/"; some decode twice;
// Windows drops trailing dots and spaces from names. Rather than imitate every server,
// [normalizePath] refuses (400) every spelling whose reading differs between servers,
// and normalises only what all of them read alike:
//
//   - refused: path parameters (";" raw or encoded), backslashes (raw or %5c), encoded
//     slashes (%2f), percent-encodings that are invalid or still decode after one
//     round (%252f), dot-segments in any spelling (".", "..", "%2e", ".%2E", "...",
//     "..;"), segments ending in a dot or a space (Windows drops them), NTFS stream
//     names (":$DATA"), control characters (NUL included) and spaces, bytes that are
//     not UTF-8 (so overlong forms such as %c0%ae), C1 controls, line separators, and
//     characters that Unicode compatibility mapping or "best fit" code pages turn into
//     '.', '/', '\', ';' or '%' (fullwidth and small forms, one-dot leader, division
//     and fraction slashes);
//   - normalised: repeated slashes collapse into one (as nginx, Go's ServeMux and
//     Spring read them) and percent-encodings are decoded once for matching.
//
// Browsers resolve dot-segments before sending a request and never send the other
// refused forms from a link, so only hand-made requests meet the 400.

// maxPathLen bounds the length of a request path rp accepts (in its escaped form).
const maxPathLen = 8192

// errAmbiguousPath is wrapped by every refusal of [normalizePath].
var errAmbiguousPath = errors.New("ambiguous request path")

// normalPath is a request path read the one way rp reads it.
type normalPath struct {
	// decoded is the path with its percent-encodings decoded: what access rules, public
	// routes and API prefixes are matched against.
	decoded string
	// escaped is the same path in its escaped form (the request's own escapes kept,
	// repeated slashes collapsed): what the reverse proxy sends upstream.
	escaped string
}

// normalizePath reads an escaped request path (no query) or refuses it. A refusal
// wraps errAmbiguousPath and says why, without echoing the path.
func normalizePath(escaped string) (normalPath, error) {
	refuse := func(why string) (normalPath, error) {
		return normalPath{}, fmt.Errorf("%w: %s", errAmbiguousPath, why)
	}
	switch {
	case escaped == "":
		return refuse("empty path")
	case escaped[0] != '/':
		return refuse("does not begin with /")
	case len(escaped) > maxPathLen:
		return refuse("longer than 8192 bytes")
	}
	// One pass over the escaped form: refuse what is ambiguous before any decoding,
	// decode each escape, and note whether any decoding or slash collapsing is needed.
	var dec []byte // nil until the decoded form differs from escaped
	collapse := false
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return refuse("control character or space")
		case c == '\\':
			return refuse("backslash")
		case c == ';':
			return refuse("path parameter (;)")
		case c == '?' || c == '#':
			return refuse("query or fragment inside the path")
		case c == '/' && i > 0 && escaped[i-1] == '/':
			collapse = true
		case c == '%':
			if i+2 >= len(escaped) || !isHex(escaped[i+1]) || !isHex(escaped[i+2]) {
				return refuse("invalid percent-encoding")
			}
			b := unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
			switch {
			case b == '/' || b == '\\':
				return refuse("encoded slash or backslash")
			case b == ';':
				return refuse("encoded path parameter (%3b)")
			case b < 0x20 || b == 0x7f:
				return refuse("encoded control character")
			}
			if dec == nil {
				dec = make([]byte, 0, len(escaped))
				dec = append(dec, escaped[:i]...)
			}
			dec = append(dec, b)
			i += 2
			continue
		}
		if dec != nil {
			dec = append(dec, c)
		}
	}
	decoded := escaped
	if dec != nil {
		decoded = string(dec)
		if hasEscape(decoded) {
			return refuse("encoded twice (%25 followed by an escape)")
		}
	}
	if !utf8.ValidString(decoded) {
		return refuse("not UTF-8 (overlong or Latin-1 bytes)")
	}
	for _, r := range decoded {
		if r >= 0x80 && (r <= 0x9f || confusable[r]) {
			return refuse(fmt.Sprintf("character U+%04X", r))
		}
	}
	// Segments: the escaped and decoded forms have the same slashes (encoded slashes
	// are refused above), so they split alike.
	rest := decoded[1:]
	for rest != "" {
		seg, after, _ := strings.Cut(rest, "/")
		rest = after
		if seg == "" {
			continue
		}
		// Dot-segments (".", "..", "...") end in a dot too.
		if last := seg[len(seg)-1]; last == '.' || last == ' ' {
			if strings.Trim(seg, ".") == "" {
				return refuse("dot-segment")
			}
			return refuse("segment ending in a dot or a space")
		}
		if strings.Contains(seg, ":$") {
			return refuse("NTFS stream name")
		}
	}
	np := normalPath{decoded: decoded, escaped: escaped}
	if collapse {
		np.decoded, np.escaped = collapseSlashes(decoded), collapseSlashes(escaped)
	}
	return np, nil
}

// confusable are characters that compatibility normalisation (NFKC) or Windows "best
// fit" mapping turns into '.', '/', '\', ';' or '%', or that end a line.
var confusable = map[rune]bool{
	'\u2024': true, // ONE DOT LEADER -> .
	'\u2025': true, // TWO DOT LEADER -> ..
	'\u2026': true, // HORIZONTAL ELLIPSIS -> ...
	'\uFE52': true, // SMALL FULL STOP -> .
	'\uFF0E': true, // FULLWIDTH FULL STOP -> .
	'\u3002': true, // IDEOGRAPHIC FULL STOP (read as . by some URL parsers)
	'\uFF61': true, // HALFWIDTH IDEOGRAPHIC FULL STOP
	'\uFF0F': true, // FULLWIDTH SOLIDUS -> /
	'\u2215': true, // DIVISION SLASH
	'\u2044': true, // FRACTION SLASH
	'\u29F8': true, // BIG SOLIDUS
	'\uFF3C': true, // FULLWIDTH REVERSE SOLIDUS -> \
	'\uFE68': true, // SMALL REVERSE SOLIDUS -> \
	'\u2216': true, // SET MINUS (best fit \)
	'\u29F5': true, // REVERSE SOLIDUS OPERATOR
	'\u29F9': true, // BIG REVERSE SOLIDUS
	'\u037E': true, // GREEK QUESTION MARK -> ; (even under NFC)
	'\uFE54': true, // SMALL SEMICOLON -> ;
	'\uFF1B': true, // FULLWIDTH SEMICOLON -> ;
	'\uFE6A': true, // SMALL PERCENT SIGN -> %
	'\uFF05': true, // FULLWIDTH PERCENT SIGN -> %
	'\u2028': true, // LINE SEPARATOR
	'\u2029': true, // PARAGRAPH SEPARATOR
}

// hasEscape reports whether s holds a valid percent-encoding.
func hasEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return true
		}
	}
	return false
}

// collapseSlashes replaces each run of slashes with one.
func collapseSlashes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i > 0 && s[i-1] == '/' {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// pathOf reads the path of a request rp handles itself (RequireLogin, Proxy) with
// [normalizePath], from its escaped form: mounted without http.ServeMux (which
// redirects unclean paths), this is the only check. A refusal is a 400 *Error.
func pathOf(r *http.Request) (normalPath, error) {
	raw := r.URL.EscapedPath()
	if raw == "" {
		raw = "/"
	}
	np, err := normalizePath(raw)
	if err != nil {
		return normalPath{}, ambiguousPathError(err)
	}
	return np, nil
}

// ambiguousPathError is the 400 answer to a refused path.
func ambiguousPathError(err error) *Error {
	return newError(http.StatusBadRequest, "ambiguous_path",
		"This address is written in a way that servers read differently, so it is refused. Remove dot-segments, backslashes, semicolons and encoded slashes from it.",
		err)
}
