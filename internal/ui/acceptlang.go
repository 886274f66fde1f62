package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Accept-Language is matched here rather than with golang.org/x/text/language:
// its matcher and tables add 172 KB to the rp binary (measured with
// `go build -ldflags='-s -w'`), about a third of what is left under the 15 MB
// image goal, for what the few languages of a catalogue need: RFC 9110 §12.5.4
// weights and RFC 4647 §3.4 "Lookup".

// langRange is one entry of an Accept-Language header.
type langRange struct {
	tag string // lowercased, e.g. "ko-kr", or "*"
	q   int    // weight in thousandths, 0..1000
	pos int    // position in the header, to keep equal weights in order
}

// parseAcceptLanguage returns the ranges of an Accept-Language header with a
// weight above zero, best first (equal weights in header order). Malformed
// entries are skipped, not fatal: a browser's odd header still finds a language.
func parseAcceptLanguage(h string) []langRange {
	var out []langRange
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if !validRange(tag) {
			continue
		}
		q := 1000
		if params = strings.TrimSpace(params); params != "" {
			name, val, ok := strings.Cut(params, "=")
			if !ok || strings.TrimSpace(strings.ToLower(name)) != "q" {
				continue
			}
			if q, ok = parseQ(strings.TrimSpace(val)); !ok {
				continue
			}
		}
		if q > 0 {
			out = append(out, langRange{tag: tag, q: q, pos: i})
		}
	}
	slices.SortStableFunc(out, func(a, b langRange) int { return cmp.Compare(b.q, a.q) })
	return out
}

// validRange reports whether s is "*" or alphanumeric subtags of 1 to 8
// characters joined by '-', the first made of letters (RFC 4647 §2.1).
func validRange(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" || len(s) > 64 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range sub {
			letter := c >= 'a' && c <= 'z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// parseQ reads a weight, "0" to "1" with up to three decimals (RFC 9110 §12.4.2).
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole != "0" && whole != "1" || dot && len(frac) > 3 {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	f, _ := strconv.Atoi((frac + "000")[:3])
	q := f
	if whole == "1" {
		if f != 0 {
			return 0, false
		}
		q = 1000
	}
	return q, true
}

// lookup returns the index in tags (lowercase) of the language for the header:
// for each range, best first, the tag equal to it or, dropping subtags from
// the end, to a prefix of it ("ko-kr" finds "ko"); "*" takes the first tag.
// -1 when no range finds one.
func lookup(tags []string, header string) int {
	for _, r := range parseAcceptLanguage(header) {
		if r.tag == "*" {
			return 0
		}
		for t := r.tag; t != ""; {
			if i := slices.Index(tags, t); i >= 0 {
				return i
			}
			cut := strings.LastIndexByte(t, '-')
			if cut < 0 {
				break
			}
			t = t[:cut]
			if j := strings.LastIndexByte(t, '-'); j >= 0 && len(t)-j == 2 {
				t = t[:j] // a singleton ("x", "u") goes with the subtag after it
			}
		}
	}
	return -1
}
