package mockidp

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// The control API signs anything for anyone who reaches it, so besides the
// peer address (loopback or Config.ControlAllow) it checks who the request
// was meant for. A page in the developer's browser can reach a loopback
// port through DNS rebinding (evil.example first resolves to the attacker,
// then to 127.0.0.1), but the browser then sends Host: evil.example, and
// any cross-site request carries the page's Origin. So the Host must name
// this provider (the issuer's host, the split-horizon hosts) or loopback,
// and an Origin, when present, must name one of those too.

// controlHosts returns the lower-case host names (without port) a control
// request may be addressed to besides the loopback names: those of the
// fixed issuer, PublicURL and InternalURL. The auto issuer adds none: it
// takes its host from the request, which is what an attacker controls.
func controlHosts(cfg *Config) []string {
	var hosts []string
	for _, s := range []string{cfg.Issuer, cfg.PublicURL, cfg.InternalURL} {
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || u.Hostname() == "" {
			continue
		}
		h := strings.ToLower(u.Hostname())
		if ip, err := netip.ParseAddr(h); err == nil {
			h = ip.String()
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// controlHostOK reports whether hostport (a Host header, or the host of an
// Origin) names this provider or loopback: localhost, a name under
// .localhost, 127.0.0.0/8 or ::1 (also IPv4-mapped), or one of hosts. The
// port, if any, must be 1 to 5 digits and is otherwise ignored. Names are
// compared without case; a trailing dot, an IPv6 zone, an unbracketed IPv6
// address, a shorthand or numeric IPv4 spelling (127.1, 2130706433) and
// anything else unusual is refused.
func controlHostOK(hostport string, hosts []string) bool {
	host, ok := splitControlHost(hostport)
	if !ok {
		return false
	}
	if strings.HasPrefix(host, "[") {
		ip, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || ip.Zone() != "" || !ip.Is6() {
			return false
		}
		return ip.Unmap().IsLoopback() || slices.Contains(hosts, ip.String())
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Is4() && (ip.IsLoopback() || slices.Contains(hosts, ip.String()))
	}
	if !validDNSName(host) {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return slices.Contains(hosts, host)
}

// splitControlHost splits host[:port] and lower-cases the host. An IPv6
// host keeps its brackets.
func splitControlHost(hostport string) (string, bool) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", false
		}
		host, port = hostport[:end+1], hostport[end+1:]
		if port != "" {
			p, ok := strings.CutPrefix(port, ":")
			if !ok {
				return "", false
			}
			port = p
		}
		if port != "" || strings.HasSuffix(hostport, ":") {
			if !validPort(port) {
				return "", false
			}
		}
		return asciiLower(host)
	}
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
		if !validPort(port) || strings.Contains(host, ":") {
			return "", false
		}
	}
	if host == "" {
		return "", false
	}
	return asciiLower(host)
}

// asciiLower lower-cases s, refusing any byte outside printable ASCII (a
// Unicode case fold such as the Kelvin sign K to k must not turn a foreign
// name into an allowed one).
func asciiLower(s string) (string, bool) {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c <= ' ' || c >= 0x7f:
			return "", false
		case c >= 'A' && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), true
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validDNSName accepts lower-case labels of letters, digits, '-' and '_'
// separated by single dots, with no leading or trailing dot.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// controlFetchOK reports whether the browser's own Fetch Metadata
// (Sec-Fetch-Site) allows the request: anything but "cross-site".
func controlFetchOK(site string) bool {
	return !strings.EqualFold(strings.TrimSpace(site), "cross-site")
}

// controlOriginOK reports whether a request's Origin header may drive the
// control API: absent (curl, test code, same-origin GETs), or an http(s)
// origin whose host passes controlHostOK. "null" and anything else are
// refused.
func controlOriginOK(origin string, hosts []string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return false
	}
	return controlHostOK(u.Host, hosts)
}
