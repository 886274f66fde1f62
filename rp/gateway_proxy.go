package rp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ProxyOptions tunes [RP.Proxy]. The zero value is ready to use.
type ProxyOptions struct {
	// Transport makes the requests to the upstream. Nil: a clone of
	// http.DefaultTransport that keeps up to 256 idle connections to the upstream.
	Transport http.RoundTripper
	// FlushInterval is how often a response body is flushed to the client while it is
	// copied. Zero: only when the upstream flushes — at once for text/event-stream and
	// responses of unknown length (net/http/httputil.ReverseProxy), so streaming works.
	FlushInterval time.Duration
}

// Proxy returns a handler that passes requests of signed-in, allowed users to
// upstream through net/http/httputil.ReverseProxy, websockets (Upgrade) and streamed
// responses included. Mount it at "/" beside [RP.Handler] at "/auth/".
//
// The path goes upstream as [normalizePath] read it for the access rules (repeated
// slashes collapsed); paths that servers read differently never get there (400).
// Before a request goes upstream, identity headers the client sent are removed in
// every spelling (X-Forwarded-User, x_forwarded_user, ...), the user's are set
// (X-Forwarded-User, -Email, -Preferred-Username, -Groups, plus the signed assertion
// and "Authorization: Bearer" where configured), and rp's own cookies are taken out of
// the Cookie header. X-Forwarded-For/-Host/-Proto describe the client's request; from a
// trusted proxy, its X-Forwarded-For chain and original host and scheme are kept.
// X-Real-IP is the client address rp knows ([RP.clientIP]). Routing headers
// (X-Original-URL, X-Rewrite-URL, X-Forwarded-Prefix, method overrides, ...) are
// removed whoever sent them, and client-IP headers (True-Client-IP, CF-Connecting-IP,
// ...) unless a trusted proxy did (gateway_headers.go).
// Set-Cookie headers from the upstream for rp's cookie names are dropped.
//
// Signed-out navigations are redirected to sign in; API requests (Accept:
// application/json, X-Requested-With: XMLHttpRequest, a Sec-Fetch-Mode other than
// navigate, a method other than GET or HEAD, or a path under
// Config.Gateway.APIPathPrefixes) get 401 JSON. Users an access rule denies get 403.
// When the upstream cannot be reached the client gets a 502 page (or JSON) in plain
// words, and the log one line with the reason.
func (p *RP) Proxy(upstream *url.URL, opts ProxyOptions) http.Handler {
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// DefaultTransport keeps only 2 idle connections per host: under load most
		// proxied requests would open a new one.
		t.MaxIdleConns = 512
		t.MaxIdleConnsPerHost = 256
		tr = t
	}
	rev := &httputil.ReverseProxy{
		Transport:     tr,
		FlushInterval: opts.FlushInterval,
		ErrorLog:      slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		Rewrite: func(pr *httputil.ProxyRequest) {
			trusted := p.trustedPeer(pr.In)
			if trusted {
				// Keep the chain a trusted proxy reported; SetXForwarded appends to it.
				if v := pr.In.Header.Values("X-Forwarded-For"); len(v) > 0 {
					pr.Out.Header["X-Forwarded-For"] = v
				}
			}
			// The upstream gets the path exactly as the rules read it (RequireLogin
			// refused every path that normalizePath does not accept).
			if np, err := pathOf(pr.In); err == nil {
				pr.Out.URL.Path, pr.Out.URL.RawPath = np.decoded, np.escaped
				if np.escaped == np.decoded {
					pr.Out.URL.RawPath = ""
				}
			}
			pr.SetURL(upstream)
			pr.SetXForwarded()
			if trusted {
				o := p.originOf(pr.In)
				if o.host != "" {
					pr.Out.Header.Set("X-Forwarded-Host", o.host)
				}
				if o.scheme != "" {
					pr.Out.Header.Set("X-Forwarded-Proto", o.scheme)
				}
			}
			sanitizeUpstreamHeaders(pr.Out.Header, trusted, p.clientIP(pr.In))
			stripOwnCookies(pr.Out.Header)
			u, ok := UserFromContext(pr.In.Context())
			if !ok {
				// A public route without a (permitted) user: no identity goes upstream.
				// The client's Authorization header passes on (a webhook's own
				// credentials) unless rp owns that header (PassAccessToken).
				stripSpoofedHeaders(pr.Out.Header, p.settings.Gateway.PassAccessToken)
				return
			}
			p.setUpstreamHeaders(pr.Out.Header, u)
		},
		ModifyResponse: func(resp *http.Response) error {
			dropOwnSetCookies(resp.Header)
			return nil
		},
		ErrorHandler: p.proxyError,
		BufferPool:   &bufferPool{},
	}
	return p.requireLogin(rev, true)
}

// bufferPool lends ReverseProxy its 32 KiB copy buffers, which it would otherwise
// allocate for every response.
type bufferPool struct{ p sync.Pool }

// Get returns a buffer from the pool, or a new one.
func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

// Put returns buf to the pool.
func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// proxyError answers a request the upstream did not: 502, or 504 on a timeout.
func (p *RP) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	status, msg := http.StatusBadGateway, "The application behind this sign-in cannot be reached right now. Please try again in a moment."
	if errors.Is(err, context.DeadlineExceeded) {
		status, msg = http.StatusGatewayTimeout, "The application behind this sign-in took too long to answer. Please try again in a moment."
	}
	p.writeError(w, r, newError(status, "upstream_unavailable", msg, fmt.Errorf("proxy: %w", err)))
}

// spoofable are identity header names, lowercased with '_' as '-', that only rp may
// set: a client's copies are removed in any spelling, because some servers and
// frameworks read X_Forwarded_User (CGI-style) as X-Forwarded-User.
var spoofable = map[string]bool{
	"x-forwarded-user":                  true,
	"x-forwarded-email":                 true,
	"x-forwarded-preferred-username":    true,
	"x-forwarded-groups":                true,
	"x-foyer-assertion":                 true,
	"x-auth-request-user":               true,
	"x-auth-request-email":              true,
	"x-auth-request-preferred-username": true,
	"x-auth-request-groups":             true,
	"x-auth-request-access-token":       true,
	"x-forwarded-access-token":          true,
}

// stripSpoofedHeaders removes every identity header from h whatever its spelling
// (case, '_' for '-'), and Authorization too when withAuthorization is set (rp then
// owns that header).
func stripSpoofedHeaders(h http.Header, withAuthorization bool) {
	for k := range h {
		n := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if spoofable[n] || (withAuthorization && n == "authorization") {
			delete(h, k)
		}
	}
}

// ownCookie reports whether a cookie name is one of rp's (foyer_*, with or without the
// __Host- or __Secure- prefix).
func ownCookie(name string) bool {
	name = strings.TrimSpace(name)
	name = strings.TrimPrefix(strings.TrimPrefix(name, "__Host-"), "__Secure-")
	return strings.HasPrefix(name, "foyer_")
}

// stripOwnCookies removes rp's cookies from the Cookie header(s) of a request going
// upstream, keeping the app's own cookies byte for byte.
func stripOwnCookies(h http.Header) {
	lines := h.Values("Cookie")
	if len(lines) == 0 {
		return
	}
	var kept []string
	for _, line := range lines {
		for _, c := range strings.Split(line, ";") {
			name, _, _ := strings.Cut(c, "=")
			if c = strings.TrimSpace(c); c != "" && !ownCookie(name) {
				kept = append(kept, c)
			}
		}
	}
	h.Del("Cookie")
	if len(kept) > 0 {
		h.Set("Cookie", strings.Join(kept, "; "))
	}
}

// dropOwnSetCookies removes Set-Cookie headers for rp's cookie names from an upstream
// response, so that an app cannot overwrite or clear rp's session.
func dropOwnSetCookies(h http.Header) {
	vals := h.Values("Set-Cookie")
	if len(vals) == 0 {
		return
	}
	h.Del("Set-Cookie")
	for _, v := range vals {
		name, _, _ := strings.Cut(v, "=")
		if !ownCookie(name) {
			h.Add("Set-Cookie", v)
		}
	}
}
