package mockidp

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const testRedirect = "http://127.0.0.1:5555/callback"

// newBrowser returns an HTTP client with a cookie jar that does not follow
// redirects, so that tests can read the authorization response.
func newBrowser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches u with c and returns the response and its body.
func get(t testing.TB, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// authorizeRedirect GETs an authorization URL and returns the query of the
// redirect it answers with, failing the test if it is not a redirect.
func authorizeRedirect(t testing.TB, c *http.Client, u string) url.Values {
	t.Helper()
	resp, body := get(t, c, u)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: status %d, want 302; body: %.300s", u, resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// postForm POSTs form to u and returns the response and its body.
func postForm(t testing.TB, c *http.Client, u string, form url.Values, basicUser, basicPass string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// rpClient is a go-oidc + x/oauth2 relying party for the demo client.
type rpClient struct {
	ts       *TestServer
	provider *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newRP(t testing.TB, ts *TestServer) *rpClient {
	t.Helper()
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, ts.Issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	ep := prov.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	return &rpClient{
		ts: ts, provider: prov,
		conf: oauth2.Config{ClientID: ts.ClientID, ClientSecret: ts.ClientSecret, Endpoint: ep,
			RedirectURL: testRedirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: prov.Verifier(&oidc.Config{ClientID: ts.ClientID}),
	}
}

// login runs the authorization request in browser c and returns the code
// and the PKCE verifier.
func (rp *rpClient) login(t testing.TB, c *http.Client, state, nonce string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	q := authorizeRedirect(t, c, rp.conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	if q.Get("error") != "" {
		t.Fatalf("authorization error %q: %s", q.Get("error"), q.Get("error_description"))
	}
	if got := q.Get("state"); got != state {
		t.Fatalf("state = %q, want %q", got, state)
	}
	if got := q.Get("iss"); got != rp.ts.Issuer {
		t.Fatalf("iss = %q, want %q", got, rp.ts.Issuer)
	}
	return q.Get("code"), verifier
}
