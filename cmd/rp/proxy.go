package main

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/foyer-oidc/foyer/rp"
)

// u2proxy returns a reverse proxy to upstream that passes the signed-in user's identity
// headers (client-sent ones removed) and strips rp's own cookies.
func u2proxy(upstream *url.URL) http.Handler {
	// http.DefaultTransport keeps only 2 idle connections per host: under load most
	// proxied requests would open a new connection.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 256
	return &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			h := pr.Out.Header
			rp.StripIdentityHeaders(h)
			if u, ok := rp.UserFromContext(pr.In.Context()); ok {
				u.SetIdentityHeaders(h, false)
			}
			stripOwnCookies(pr.Out)
		},
	}
}

// stripOwnCookies removes foyer's cookies from the request going upstream.
func stripOwnCookies(r *http.Request) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		name := strings.TrimPrefix(c.Name, "__Host-")
		if strings.HasPrefix(name, "foyer_") {
			continue
		}
		r.AddCookie(c)
	}
}
