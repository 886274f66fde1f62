package rp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// PublicRoute is a request that passes without a session: a webhook receiver, the
// app's health check, static assets, a landing page. The proxy passes it on and
// /auth/verify answers it with 200, with no identity headers unless someone is signed
// in (and the access rules allow them); identity headers a client sends are removed
// as always.
//
// A route matches a request when its path matches (exactly one of Path, Prefix and
// Regex is set), its method is one of Methods (empty: any; GET includes HEAD), and
// its host matches Host (empty: any). Paths are compared with case, on the path as
// [normalizePath] reads it (decoded; "/public/../admin" and other spellings that
// servers read differently are refused with 400 before any route is looked at), so
// a public prefix never lets another path through. Forward auth knows the original
// method, host and path only from a trusted proxy; when one is unknown, a route that
// needs it does not match.
type PublicRoute struct {
	// Methods are the HTTP methods (upper case) the route covers; empty: every method.
	Methods []string
	// Path matches this exact path, e.g. "/healthz".
	Path string
	// Prefix matches paths that begin with it, e.g. "/static/".
	Prefix string
	// Regex matches paths it matches in full (it is anchored at both ends), e.g.
	// `/hooks/[a-z]+`. Go regexp syntax (RE2).
	Regex string
	// Host limits the route to requests for this host: "host" or "host:port" as in a
	// Host header, or "*.example.com" for every subdomain of example.com (not
	// example.com itself). Empty: every host.
	Host string
}

// ParsePublicRoute reads the string form of a route: "[METHOD ]PATH", where PATH is an
// exact path ("/healthz"), a prefix ending in "/" or "*" ("/static/", "/assets*"), or
// "~" and a regular expression ("~/hooks/[a-z]+"). "GET /healthz" covers GET and HEAD.
func ParsePublicRoute(s string) (PublicRoute, error) {
	var r PublicRoute
	s = strings.TrimSpace(s)
	if m, rest, ok := strings.Cut(s, " "); ok && m != "" && !strings.ContainsAny(m, "/~") {
		r.Methods = []string{m}
		s = strings.TrimSpace(rest)
	}
	switch {
	case strings.HasPrefix(s, "~"):
		r.Regex = s[1:]
	case strings.HasSuffix(s, "*"):
		r.Prefix = strings.TrimSuffix(s, "*")
	case strings.HasSuffix(s, "/"):
		r.Prefix = s
	default:
		r.Path = s
	}
	if _, err := compilePublicRoute(r); err != nil {
		return PublicRoute{}, fmt.Errorf("public route %q: %w", s, err)
	}
	return r, nil
}

// String returns the route in the form ParsePublicRoute reads (host aside).
func (r PublicRoute) String() string {
	var b strings.Builder
	if len(r.Methods) > 0 {
		b.WriteString(strings.Join(r.Methods, "|") + " ")
	}
	switch {
	case r.Regex != "":
		b.WriteString("~" + r.Regex)
	case r.Prefix != "" && strings.HasSuffix(r.Prefix, "/"):
		b.WriteString(r.Prefix)
	case r.Prefix != "":
		b.WriteString(r.Prefix + "*")
	default:
		b.WriteString(r.Path)
	}
	if r.Host != "" {
		b.WriteString(" on " + r.Host)
	}
	return b.String()
}

// publicRoute is a validated PublicRoute.
type publicRoute struct {
	PublicRoute
	methods map[string]bool // nil: any
	re      *regexp.Regexp
	host    *hostPattern
}

// compilePublicRoute validates r.
func compilePublicRoute(r PublicRoute) (publicRoute, error) {
	var errs []error
	cr := publicRoute{PublicRoute: r}
	set := 0
	for _, v := range []string{r.Path, r.Prefix, r.Regex} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		errs = append(errs, errors.New("set exactly one of path, prefix and regex"))
	}
	for _, v := range []string{r.Path, r.Prefix} {
		if v == "" {
			continue
		}
		// A route must be written the one way requests are read, or it would match
		// nothing (or, worse, be read otherwise by the app).
		np, err := normalizePath(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("path %q: %w", v, err))
		} else if np.decoded != v {
			errs = append(errs, fmt.Errorf("path %q: write it decoded and without repeated slashes (%q)", v, np.decoded))
		}
	}
	if r.Regex != "" {
		re, err := regexp.Compile(`^(?:` + r.Regex + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("regex: %w", err))
		}
		cr.re = re
	}
	for _, m := range r.Methods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsFunc(m, func(c rune) bool { return c < 'A' || c > 'Z' }) {
			errs = append(errs, fmt.Errorf("method %q: want an upper-case HTTP method such as GET", m))
			continue
		}
		if cr.methods == nil {
			cr.methods = map[string]bool{}
		}
		cr.methods[m] = true
		if m == http.MethodGet {
			cr.methods[http.MethodHead] = true
		}
	}
	if r.Host != "" {
		hp, err := parseHostPattern(r.Host)
		if err != nil {
			errs = append(errs, fmt.Errorf("host: %w", err))
		}
		cr.host = hp
	}
	return cr, errors.Join(errs...)
}

// matches reports whether the route covers a request; method, host or path "" mean
// unknown (no match where the route needs it).
func (cr *publicRoute) matches(method, host, cleanPath string) bool {
	if cleanPath == "" {
		return false
	}
	if cr.methods != nil && !cr.methods[method] {
		return false
	}
	if cr.host != nil && !cr.host.matches(host) {
		return false
	}
	switch {
	case cr.re != nil:
		return cr.re.MatchString(cleanPath)
	case cr.Prefix != "":
		return strings.HasPrefix(cleanPath, cr.Prefix)
	default:
		return cleanPath == cr.Path
	}
}

// isPublic reports whether a request (its method, host and normalised path, "" when
// unknown, and its headers) needs no session: a public route covers it, or it is a
// CORS preflight and GatewayConfig.PublicCORSPreflight is set.
func (p *RP) isPublic(method, host, cleanPath string, h http.Header) bool {
	g := p.settings.gw
	if g.corsPreflight && method == http.MethodOptions && h.Get("Origin") != "" && h.Get("Access-Control-Request-Method") != "" {
		return true
	}
	for i := range g.public {
		if g.public[i].matches(method, host, cleanPath) {
			return true
		}
	}
	return false
}

// requestHost is the host a request rp handles itself is for: the original host from
// a trusted proxy, else the Host header; lowercase, "" when neither is plausible.
func (p *RP) requestHost(r *http.Request) string {
	if o := p.originOf(r); o.host != "" {
		return o.host
	}
	if h := strings.ToLower(r.Host); validHostPort(h) {
		return h
	}
	return ""
}

// needsHost reports whether any public route looks at the host.
func (g *gateway) needsHost() bool {
	return slices.ContainsFunc(g.public, func(r publicRoute) bool { return r.host != nil })
}

// hostPattern is an allowed host: exact ("app.example.com", "app.example.com:8443") or
// every subdomain of a domain ("*.example.com"), with or without a port.
type hostPattern struct {
	wildcard bool
	host     string // lowercase; for a wildcard the parent domain ("example.com")
	port     string // "" : the Host carries no port
}

// parseHostPattern reads "host", "host:port", "*.domain" or "*.domain:port". Hosts are
// ASCII (internationalized names in their xn-- form), compared in lowercase.
func parseHostPattern(s string) (*hostPattern, error) {
	host, port := splitHostPort(strings.ToLower(s))
	hp := &hostPattern{port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		hp.wildcard = true
		host = rest
	}
	if port != "" && !allDigits(port) {
		return nil, fmt.Errorf("%q: port must be digits", s)
	}
	if strings.HasPrefix(host, "[") {
		if hp.wildcard || !validHostPort(host) {
			return nil, fmt.Errorf("%q: want host, host:port or *.domain", s)
		}
		hp.host = host
		return hp, nil
	}
	d, ok := normalDomain(host)
	if !ok || (hp.wildcard && !strings.Contains(d, ".") && d != "localhost") {
		return nil, fmt.Errorf("%q: want host, host:port or *.domain (ASCII, xn-- form for IDNs; a wildcard needs a parent domain such as *.example.com)", s)
	}
	hp.host = d
	return hp, nil
}

// matches reports whether a Host-header value (host or host:port) is allowed: the
// same port (or none on both sides), and the same host or, for a wildcard, a real
// subdomain: one or more non-empty labels of letters, digits and '-' before
// ".domain". "example.com.evil.io", "evil-example.com", "xexample.com",
// ".example.com", "a..example.com", "example.com." and userinfo tricks do not match.
func (hp *hostPattern) matches(hostport string) bool {
	host, port := splitHostPort(strings.ToLower(hostport))
	if port != hp.port || host == "" || strings.HasSuffix(hostport, ":") {
		return false
	}
	if !hp.wildcard {
		return host == hp.host
	}
	sub, ok := strings.CutSuffix(host, "."+hp.host)
	if !ok {
		return false
	}
	_, valid := normalDomain(sub) // refuses "", "a.", "a..b", "x@y", "x\y"
	return valid
}

// splitHostPort splits "host:port" or "[v6]:port"; port is "" when there is none.
func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		return h, p
	}
	return s, ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
