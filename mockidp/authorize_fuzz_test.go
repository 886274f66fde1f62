package mockidp

import (
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// fuzzIssuer is the issuer of the providers the fuzz targets build in memory.
const fuzzIssuer = "http://127.0.0.1:9400"

// newFuzzProvider returns a provider with auto login (so that a valid request
// is answered with a redirect), the demo clients (any loopback redirect URI)
// and a client "app" with one registered redirect URI that carries a query.
func newFuzzProvider(f *testing.F) *Provider {
	f.Helper()
	p, err := New(Config{Issuer: fuzzIssuer, Login: LoginAuto, Clients: append(DefaultClients(), Client{
		ID: "app", Secret: "app-secret", RedirectURIs: []string{"http://127.0.0.1:8080/cb?x=1"},
	})})
	if err != nil {
		f.Fatal(err)
	}
	return p
}

// fuzzFormAction finds the target of a form_post page.
var fuzzFormAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)

// fuzzLoopback is an independent, simple check that target is an http(s) URL
// on a loopback host: localhost, 127.0.0.0/8 or [::1].
func fuzzLoopback(target string) bool {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// FuzzAuthorize sends /authorize every shape of query (GET) or form body
// (POST). Properties, for every answer that sends the browser somewhere (a
// 3xx Location or a form_post page):
//   - the request named exactly one client_id and one redirect_uri, and the
//     target is that redirect_uri followed by the response parameters;
//   - that redirect_uri is the registered one for client "app", and an http(s)
//     URI on a loopback host for the demo clients (checked independently of the
//     mock's own matching);
//   - never a 5xx.
func FuzzAuthorize(f *testing.F) {
	const ch = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	for _, s := range []string{
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code&scope=openid&code_challenge=" + ch + "&code_challenge_method=S256",
		"client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb%3Fx%3D1&response_type=code&scope=openid&state=s",
		"client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1.evil.com%2Fcb&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%40evil.com%2Fcb&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&redirect_uri=http%3A%2F%2Fevil.com%2F&response_type=code&scope=openid",
		"client_id=demo&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%2Fcb&response_type=token&scope=openid",
		"client_id=demo-public&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&response_type=code&scope=openid&response_mode=form_post&code_challenge=" + ch + "&code_challenge_method=S256",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%5C%40evil.com%2Fcb&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=javascript%3Aalert(1)&response_type=code&scope=openid",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code&scope=openid&prompt=none",
		"client_id=demo&redirect_uri=http%3A%2F%2F127.1%2Fcb&response_type=code&scope=openid&max_age=-1",
		"client_id=demo;redirect_uri=http://evil.com/",
	} {
		f.Add(false, s)
		f.Add(true, s)
	}
	p := newFuzzProvider(f)
	f.Fuzz(func(t *testing.T, post bool, raw string) {
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, fuzzIssuer+"/authorize", strings.NewReader(raw))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(http.MethodGet, fuzzIssuer+"/authorize", nil)
			req.URL.RawQuery = raw
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, raw, rec.Body)
		}
		target := ""
		switch {
		case rec.Code >= 300 && rec.Code < 400:
			target = rec.Header().Get("Location")
		case rec.Code == http.StatusOK:
			if m := fuzzFormAction.FindStringSubmatch(rec.Body.String()); m != nil {
				target = html.UnescapeString(m[1])
			}
		}
		if target == "" {
			return
		}
		vals, _ := url.ParseQuery(raw)
		if len(vals["client_id"]) != 1 || len(vals["redirect_uri"]) != 1 {
			t.Fatalf("sent to %q though the request %q has client_id %q and redirect_uri %q",
				target, raw, vals["client_id"], vals["redirect_uri"])
		}
		uri := vals["redirect_uri"][0]
		// The target must be redirect_uri plus parameters; its bytes may be
		// escaped on the way (http.Redirect escapes non-ASCII), so compare the
		// parsed origin and path.
		tu, terr := url.Parse(target)
		uu, uerr := url.Parse(uri)
		if terr != nil || uerr != nil || tu.Scheme != uu.Scheme || tu.Host != uu.Host || tu.User != nil || tu.Path != uu.Path {
			t.Fatalf("sent to %q, which is not redirect_uri %q plus parameters", target, uri)
		}
		switch client := vals["client_id"][0]; client {
		case "app":
			if uri != "http://127.0.0.1:8080/cb?x=1" {
				t.Fatalf("client app sent to unregistered %q", uri)
			}
		case "demo", "demo-public":
			if !fuzzLoopback(uri) {
				t.Fatalf("client %s sent to non-loopback %q", client, uri)
			}
		default:
			t.Fatalf("unknown client %q got a redirect to %q", client, target)
		}
	})
}
