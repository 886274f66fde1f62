// Package uitest checks pages in tests: that a page obeys the
// Content-Security-Policy it is sent with, and has no external assets.
package uitest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// ParseCSP splits a Content-Security-Policy header into its directives, each
// name lowercased with its source list.
func ParseCSP(header string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(header, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := out[name]; !dup { // the first of a repeated directive counts
			out[name] = f[1:]
		}
	}
	return out
}

// sources returns the source list that governs kind ("style-src", ...): its
// own directive, else default-src.
func sources(csp map[string][]string, kind string) []string {
	if s, ok := csp[kind]; ok {
		return s
	}
	return csp["default-src"]
}

// hashAllowed reports whether the inline text is allowed by list: by its
// sha256 hash, or 'unsafe-inline' without any hash or nonce (which would
// disable it).
func hashAllowed(list []string, text string) bool {
	sum := sha256.Sum256([]byte(text))
	if slices.Contains(list, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		return true
	}
	hasHash := slices.ContainsFunc(list, func(s string) bool {
		return strings.HasPrefix(s, "'sha") || strings.HasPrefix(s, "'nonce-")
	})
	return slices.Contains(list, "'unsafe-inline'") && !hasHash
}

// urlAllowed reports whether a resource URL (resolved against page) may load
// under list: 'self', data:, or a source naming its scheme and host (and, when
// the source has a path, that exact path).
func urlAllowed(list []string, page *url.URL, raw string) bool {
	u, err := page.Parse(raw)
	if err != nil {
		return false
	}
	for _, s := range list {
		switch {
		case s == "'none'":
		case s == "'self'":
			if u.Scheme == page.Scheme && u.Host == page.Host {
				return true
			}
		case s == "data:" || s == "https:" || s == "http:":
			if u.Scheme+":" == s {
				return true
			}
		case strings.Contains(s, "://"):
			su, err := url.Parse(s)
			if err == nil && su.Scheme == u.Scheme && su.Host == u.Host && (su.Path == "" || su.Path == u.EscapedPath()) {
				return true
			}
		}
	}
	return false
}

// CheckPage returns every way the HTML page at pageURL breaks the CSP header
// it is served with: an inline <style> or <script> whose hash the policy does
// not list, a style or event-handler attribute, an image, script, stylesheet,
// frame or other resource from a source the policy does not allow, or a
// <base>. An empty result means a browser would apply everything on the page.
func CheckPage(cspHeader, pageURL, page string) []string {
	csp := ParseCSP(cspHeader)
	base, err := url.Parse(pageURL)
	if err != nil {
		return []string{"page URL: " + err.Error()}
	}
	var problems []string
	z := html.NewTokenizer(strings.NewReader(page))
	var inside string // "style" or "script" while in one
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return problems
		case html.TextToken:
			if inside == "" {
				continue
			}
			text := string(z.Text())
			if !hashAllowed(sources(csp, inside+"-src"), text) {
				problems = append(problems, fmt.Sprintf("inline <%s> not allowed by %s-src %v: %.60q", inside, inside, sources(csp, inside+"-src"), text))
			}
		case html.EndTagToken:
			inside = ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			name := tok.Data
			if name == "style" || name == "script" {
				inside = name
				if src := attr(tok, "src"); src != "" && !urlAllowed(sources(csp, "script-src"), base, src) {
					problems = append(problems, "script src "+src+" not allowed")
				}
			}
			if name == "base" {
				problems = append(problems, "<base> element")
			}
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case k == "style":
					problems = append(problems, fmt.Sprintf("style attribute on <%s> (needs 'unsafe-inline' or 'unsafe-hashes')", name))
				case strings.HasPrefix(k, "on"):
					problems = append(problems, fmt.Sprintf("event handler %s on <%s>", k, name))
				}
			}
			checkResource(&problems, csp, base, tok)
		}
	}
}

// checkResource checks the URL a tag loads, by the directive that governs it.
func checkResource(problems *[]string, csp map[string][]string, base *url.URL, tok html.Token) {
	kind, attrName := "", "src"
	switch tok.Data {
	case "img":
		kind = "img-src"
	case "link":
		kind, attrName = "style-src", "href" // stylesheets and icons: refuse any external link
		if rel := attr(tok, "rel"); strings.Contains(rel, "icon") {
			kind = "img-src"
		}
	case "iframe", "frame":
		kind = "frame-src"
	case "audio", "video", "source", "track":
		kind = "media-src"
	case "object", "embed":
		kind = "object-src"
	default:
		return
	}
	if v := attr(tok, attrName); v != "" && !urlAllowed(sources(csp, kind), base, v) {
		*problems = append(*problems, fmt.Sprintf("<%s %s=%.60q> not allowed by %s %v", tok.Data, attrName, v, kind, sources(csp, kind)))
	}
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Key, name) {
			return a.Val
		}
	}
	return ""
}
