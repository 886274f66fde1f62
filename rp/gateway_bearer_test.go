package rp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/foyer-oidc/foyer/mockidp"
)

// bearerKit is a gateway harness whose mock provider signs with a key the test holds
// too, so that the test can mint any token the provider could have issued, with
// Proxy mounted directly in front of seenBy.
type bearerKit struct {
	h     *harness
	key   *ecdsa.PrivateKey
	kid   string
	proxy *httptest.Server
}

func newBearerKit(t *testing.T, b BearerConfig, cfg func(*Config)) *bearerKit {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Providers[0].Bearer = b
		if cfg != nil {
			cfg(c)
		}
	}, mockidp.WithAlg("ES256"), mockidp.WithConfig(func(c *mockidp.Config) { c.SigningKeyPEM = pemKey }))
	jwk := jose.JSONWebKey{Key: &key.PublicKey}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	up := httptest.NewServer(seenBy())
	t.Cleanup(up.Close)
	upURL, _ := url.Parse(up.URL)
	proxy := httptest.NewServer(h.rp.Proxy(upURL, ProxyOptions{}))
	t.Cleanup(proxy.Close)
	return &bearerKit{h: h, key: key, kid: base64.RawURLEncoding.EncodeToString(tp), proxy: proxy}
}

// claims are a valid access token's claims at the harness clock, changed by over (a
// nil value deletes a claim).
func (k *bearerKit) claims(over map[string]any) map[string]any {
	now := k.h.clock.Now()
	c := map[string]any{
		"iss": k.h.idp.Issuer, "sub": "svc-1", "aud": k.h.idp.ClientID, "client_id": "cli",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "scope": "read write",
		"groups": []any{"admins"}, "email": "svc@example.com", "email_verified": true,
	}
	for name, v := range over {
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
	}
	return c
}

// mint signs claims with the provider's key (kid set) and the given typ ("" for none).
func (k *bearerKit) mint(t *testing.T, typ string, claims map[string]any) string {
	t.Helper()
	return signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}}, typ, claims)
}

func signWith(t *testing.T, key jose.SigningKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hs256 signs claims with HMAC-SHA256 under secret, with the given header (go-jose
// refuses keys this short, an attacker does not).
func hs256(header, secret string, claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// publicPEM is the PEM of key's public half (what an algorithm-confusion attack
// uses as an HMAC key).
func publicPEM(key *ecdsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// answer is a response as a client sees it.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	seen   upstreamSeen // when the upstream answered
}

// call sends a request with the given headers (Authorization as given) to base+path.
func call(t *testing.T, method, u string, header ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode == http.StatusOK {
		json.Unmarshal(b, &a.seen)
	} else {
		json.Unmarshal(b, &a.body)
	}
	return a
}

// checkRefusal checks an RFC 6750 refusal: status, the error code in
// WWW-Authenticate (for 400/401/403 bearer errors) and the JSON body, and no cookie
// or redirect.
func checkRefusal(t *testing.T, name string, a answer, status int, code string) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d (%v)", name, a.status, status, a.body)
		return
	}
	if got := a.body["error"]; got != code {
		t.Errorf("%s: JSON error %v, want %q", name, got, code)
	}
	if code == "invalid_token" || code == "insufficient_scope" || code == "invalid_request" {
		if w := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(w, "Bearer ") || !strings.Contains(w, `error="`+code+`"`) {
			t.Errorf("%s: WWW-Authenticate %q, want Bearer error=%q", name, w, code)
		}
	}
	if a.header.Get("Set-Cookie") != "" || a.header.Get("Location") != "" {
		t.Errorf("%s: a refusal set a cookie or redirected: %v", name, a.header)
	}
}

// TestBearerJWTChecks sends every bad JWT an attacker or a misconfigured client could
// present, through the proxy and through /auth/verify, and a good one.
func TestBearerJWTChecks(t *testing.T) {
	t.Parallel()
	k := newBearerKit(t, BearerConfig{Enabled: true, Scopes: []string{"read"}}, nil)
	now := k.h.clock.Now()
	skew := DefaultClockSkew
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := k.claims(nil)
	goodPayload, _ := json.Marshal(good)
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + base64.RawURLEncoding.EncodeToString(goodPayload) + "."
	tampered := func() string {
		parts := strings.Split(k.mint(t, "at+jwt", good), ".")
		evil, _ := json.Marshal(k.claims(map[string]any{"sub": "admin"}))
		parts[1] = base64.RawURLEncoding.EncodeToString(evil)
		return strings.Join(parts, ".")
	}()
	tests := []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"valid", k.mint(t, "at+jwt", good), 200, ""},
		{"typ application/at+jwt", k.mint(t, "application/at+jwt", good), 200, ""},
		{"typ in capitals", k.mint(t, "AT+JWT", good), 200, ""},
		{"aud among several", k.mint(t, "at+jwt", k.claims(map[string]any{"aud": []any{"other", k.h.idp.ClientID}})), 200, ""},
		{"scope in scp list", k.mint(t, "at+jwt", k.claims(map[string]any{"scope": nil, "scp": []any{"read"}})), 200, ""},
		{"scope in scp string", k.mint(t, "at+jwt", k.claims(map[string]any{"scope": nil, "scp": "write read"})), 200, ""},
		{"wrong iss", k.mint(t, "at+jwt", k.claims(map[string]any{"iss": "https://evil.example"})), 401, "invalid_token"},
		{"iss with a trailing slash", k.mint(t, "at+jwt", k.claims(map[string]any{"iss": k.h.idp.Issuer + "/"})), 401, "invalid_token"},
		{"no iss", k.mint(t, "at+jwt", k.claims(map[string]any{"iss": nil})), 401, "invalid_token"},
		{"wrong aud", k.mint(t, "at+jwt", k.claims(map[string]any{"aud": "other-api"})), 401, "invalid_token"},
		{"no aud", k.mint(t, "at+jwt", k.claims(map[string]any{"aud": nil})), 401, "invalid_token"},
		{"no sub", k.mint(t, "at+jwt", k.claims(map[string]any{"sub": nil})), 401, "invalid_token"},
		{"no exp", k.mint(t, "at+jwt", k.claims(map[string]any{"exp": nil})), 401, "invalid_token"},
		{"exp: 1 s before the skew runs out", k.mint(t, "at+jwt", k.claims(map[string]any{"exp": now.Add(-skew + time.Second).Unix()})), 200, ""},
		{"exp: skew ran out", k.mint(t, "at+jwt", k.claims(map[string]any{"exp": now.Add(-skew).Unix()})), 401, "invalid_token"},
		{"exp: 1 s after the skew", k.mint(t, "at+jwt", k.claims(map[string]any{"exp": now.Add(-skew - time.Second).Unix()})), 401, "invalid_token"},
		{"nbf: 1 s inside the skew", k.mint(t, "at+jwt", k.claims(map[string]any{"nbf": now.Add(skew - time.Second).Unix()})), 200, ""},
		{"nbf: 1 s past the skew", k.mint(t, "at+jwt", k.claims(map[string]any{"nbf": now.Add(skew + time.Second).Unix()})), 401, "invalid_token"},
		{"iat: 1 s inside the skew", k.mint(t, "at+jwt", k.claims(map[string]any{"iat": now.Add(skew - time.Second).Unix()})), 200, ""},
		{"iat: 1 s past the skew", k.mint(t, "at+jwt", k.claims(map[string]any{"iat": now.Add(skew + time.Second).Unix()})), 401, "invalid_token"},
		{"no iat", k.mint(t, "at+jwt", k.claims(map[string]any{"iat": nil})), 401, "invalid_token"},
		{"typ JWT (an ID token)", k.mint(t, "JWT", good), 401, "invalid_token"},
		{"no typ", k.mint(t, "", good), 401, "invalid_token"},
		{"typ logout+jwt", k.mint(t, "logout+jwt", good), 401, "invalid_token"},
		{"events claim", k.mint(t, "at+jwt", k.claims(map[string]any{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}})), 401, "invalid_token"},
		{"alg none", unsigned, 401, "invalid_token"},
		{"HS256 with the client secret", hs256(`{"alg":"HS256","typ":"at+jwt"}`, k.h.idp.ClientSecret, good), 401, "invalid_token"},
		{"HS256 with the provider's kid", hs256(`{"alg":"HS256","typ":"at+jwt","kid":"`+k.kid+`"}`, k.h.idp.ClientSecret, good), 401, "invalid_token"},
		{"HS256 keyed with the public key PEM", hs256(`{"alg":"HS256","typ":"at+jwt","kid":"`+k.kid+`"}`, publicPEM(k.key), good), 401, "invalid_token"},
		{"unknown kid", signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: other, KeyID: "not-published"}}, "at+jwt", good), 401, "invalid_token"},
		{"the provider's kid, another key", signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: other, KeyID: k.kid}}, "at+jwt", good), 401, "invalid_token"},
		{"another key, no kid", signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: other}, "at+jwt", good), 401, "invalid_token"},
		{"payload changed after signing", tampered, 401, "invalid_token"},
		{"missing scope", k.mint(t, "at+jwt", k.claims(map[string]any{"scope": "write"})), 403, "insufficient_scope"},
		{"no scope at all", k.mint(t, "at+jwt", k.claims(map[string]any{"scope": nil})), 403, "insufficient_scope"},
		{"garbage", "abc.def.ghi", 401, "invalid_token"},
		{"opaque, nobody introspects", "opaque-token-123", 401, "invalid_token"},
	}
	for _, tt := range tests {
		for _, via := range []string{"proxy", "verify"} {
			var a answer
			if via == "proxy" {
				a = call(t, "GET", k.proxy.URL+"/api/items", "Authorization", "Bearer "+tt.token, "X-Forwarded-User", "forged")
			} else {
				a = call(t, "GET", k.h.srv.URL+"/auth/verify", "Authorization", "Bearer "+tt.token, "X-Forwarded-Uri", "/api/items")
			}
			name := via + ": " + tt.name
			if tt.status != 200 {
				checkRefusal(t, name, a, tt.status, tt.code)
				continue
			}
			if a.status != 200 {
				t.Errorf("%s: status %d (%v), want 200", name, a.status, a.body)
				continue
			}
			hdr := a.header
			if via == "proxy" {
				hdr = a.seen.Header
			}
			if got := hdr.Values(HeaderUser); len(got) != 1 || got[0] != "svc-1" {
				t.Errorf("%s: %s = %q, want [svc-1]", name, HeaderUser, got)
			}
			if hdr.Get(HeaderGroups) != "admins" || hdr.Get(HeaderEmail) != "svc@example.com" {
				t.Errorf("%s: groups %q, email %q", name, hdr.Get(HeaderGroups), hdr.Get(HeaderEmail))
			}
			if a.header.Get("Set-Cookie") != "" {
				t.Errorf("%s: a bearer request got a cookie", name)
			}
		}
	}
	if n := k.h.rp.introspections.len(); n != 0 {
		t.Errorf("introspection cache holds %d answers, want none (introspection off)", n)
	}
}

// TestBearerRequests: malformed Authorization headers, the token deciding over a
// session cookie, access rules, public routes, email only when verified, and that
// bearer tokens stay off by default.
func TestBearerRequests(t *testing.T) {
	t.Parallel()
	k := newBearerKit(t, BearerConfig{Enabled: true}, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}}
		c.Gateway.PublicRoutes = []PublicRoute{{Prefix: "/public/"}}
	})
	good := k.mint(t, "at+jwt", k.claims(nil))
	expired := k.mint(t, "at+jwt", k.claims(map[string]any{"exp": k.h.clock.Now().Add(-time.Hour).Unix()}))
	p := k.proxy.URL
	checkRefusal(t, "Bearer without a token", call(t, "GET", p+"/x", "Authorization", "Bearer"), 400, "invalid_request")
	checkRefusal(t, "Bearer and a space", call(t, "GET", p+"/x", "Authorization", "Bearer "), 400, "invalid_request")
	checkRefusal(t, "token with a space", call(t, "GET", p+"/x", "Authorization", "Bearer a b"), 400, "invalid_request")
	checkRefusal(t, "token with a quote", call(t, "GET", p+"/x", "Authorization", `Bearer a"b`), 400, "invalid_request")
	checkRefusal(t, "two Authorization headers, good first", call(t, "GET", p+"/x", "Authorization", "Bearer "+good, "Authorization", "Bearer "+expired), 400, "invalid_request")
	checkRefusal(t, "two Authorization headers, good last", call(t, "GET", p+"/x", "Authorization", "Bearer "+expired, "Authorization", "Bearer "+good), 400, "invalid_request")
	if a := call(t, "GET", p+"/x", "Authorization", "bearer "+good); a.status != 200 {
		t.Errorf("scheme in lower case: %d, want 200 (RFC 7235: case-insensitive)", a.status)
	}
	if a := call(t, "GET", p+"/x", "Authorization", "Basic YTpi"); a.status != http.StatusFound {
		t.Errorf("Basic auth: %d, want 302 to sign in (not a bearer request)", a.status)
	}
	checkRefusal(t, "an access rule denies", call(t, "GET", p+"/admin/x", "Authorization", "Bearer "+good), 403, "access_denied")
	// The token decides: a session cookie beside a bad token does not let it in.
	k.h.signIn(k.h.client)
	cookie := cookieHeader(k.h, k.h.client)
	checkRefusal(t, "expired token beside a session cookie", call(t, "GET", p+"/x", "Cookie", cookie, "Authorization", "Bearer "+expired), 401, "invalid_token")
	if a := call(t, "GET", p+"/x", "Cookie", cookie, "Authorization", "Bearer "+good); a.status != 200 || a.seen.Header.Get(HeaderUser) != "svc-1" {
		t.Errorf("good token beside alice's session: %d user %q, want the token's svc-1", a.status, a.seen.Header.Get(HeaderUser))
	}
	// Public routes: a bad token passes as anonymous; a good one brings its identity.
	if a := call(t, "GET", p+"/public/x", "Authorization", "Bearer "+expired, "X-Forwarded-User", "forged"); a.status != 200 || len(seenAny(a.seen, HeaderUser)) != 0 {
		t.Errorf("expired token on a public route: %d user %q, want 200 without identity", a.status, seenAny(a.seen, HeaderUser))
	}
	if a := call(t, "GET", p+"/public/x", "Authorization", "Bearer "+good); a.status != 200 || a.seen.Header.Get(HeaderUser) != "svc-1" {
		t.Errorf("good token on a public route: %d user %q", a.status, a.seen.Header.Get(HeaderUser))
	}
	v := k.h.srv.URL + "/auth/verify"
	if a := call(t, "GET", v, "Authorization", "Bearer "+expired, "X-Forwarded-Uri", "/public/x"); a.status != 200 || a.header.Get(HeaderUser) != "" {
		t.Errorf("verify, expired token on a public route: %d user %q, want 200 without identity", a.status, a.header.Get(HeaderUser))
	}
	checkRefusal(t, "verify, expired token elsewhere", call(t, "GET", v, "Authorization", "Bearer "+expired, "X-Forwarded-Uri", "/x"), 401, "invalid_token")
	if a := call(t, "GET", v, "Authorization", "Bearer "+good, "X-Forwarded-Uri", "/public/x"); a.status != 200 || a.header.Get(HeaderUser) != "svc-1" {
		t.Errorf("verify, good token on a public route: %d user %q", a.status, a.header.Get(HeaderUser))
	}
	// Email only when verified; groups from the claim; the client's Authorization is
	// passed on (PassAccessToken off).
	unverified := k.mint(t, "at+jwt", k.claims(map[string]any{"email_verified": nil}))
	a := call(t, "GET", p+"/x", "Authorization", "Bearer "+unverified)
	if a.status != 200 || a.seen.Header.Get(HeaderEmail) != "" || a.seen.Header.Get("Authorization") != "Bearer "+unverified {
		t.Errorf("unverified email: %d, email %q, Authorization passed on: %v", a.status, a.seen.Header.Get(HeaderEmail), a.seen.Header.Get("Authorization") != "")
	}
	// RequireLogin in a Go app.
	app := httptest.NewServer(k.h.rp.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFromContext(r.Context())
		io.WriteString(w, `{"header":{"User":["`+u.Subject+`"]}}`)
	})))
	t.Cleanup(app.Close)
	if a := call(t, "GET", app.URL+"/x", "Authorization", "Bearer "+good); a.status != 200 || a.seen.Header.Get("User") != "svc-1" {
		t.Errorf("RequireLogin with a good token: %d %v", a.status, a.seen)
	}
	checkRefusal(t, "RequireLogin, expired token", call(t, "GET", app.URL+"/x", "Authorization", "Bearer "+expired), 401, "invalid_token")

	// The key set cannot be fetched: a token signed by a key rp has not seen cannot be
	// checked (503, never let in); a token of a known key still passes.
	k.h.idp.InjectFault(mockidp.Fault{JWKSStatus: http.StatusInternalServerError, Times: 5})
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	unknown := signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: rotated, KeyID: "rotated-in"}}, "at+jwt", k.claims(nil))
	checkRefusal(t, "unknown kid while the key set is down", call(t, "GET", p+"/x", "Authorization", "Bearer "+unknown), 503, "temporarily_unavailable")
	if a := call(t, "GET", p+"/x", "Authorization", "Bearer "+good); a.status != 200 {
		t.Errorf("known key while the key set is down: %d, want 200", a.status)
	}

	// Off by default: the same token is not looked at.
	off := newBearerKit(t, BearerConfig{}, nil)
	if a := call(t, "GET", off.proxy.URL+"/x", "Authorization", "Bearer "+off.mint(t, "at+jwt", off.claims(nil)), "Accept", "application/json"); a.status != 401 || a.body["error"] != "unauthorized" {
		t.Errorf("bearer off: %d %v, want the signed-out 401", a.status, a.body)
	}
}

// TestBearerIDTokensWhenAllowed: with Types [JWT], ID tokens (typ JWT or none) pass,
// access tokens of typ at+jwt then do not.
func TestBearerIDTokensWhenAllowed(t *testing.T) {
	t.Parallel()
	k := newBearerKit(t, BearerConfig{Enabled: true, Types: []string{"JWT"}, Audiences: []string{"api-1"}}, nil)
	c := k.claims(map[string]any{"aud": "api-1"})
	for _, tt := range []struct {
		typ    string
		status int
	}{{"JWT", 200}, {"", 200}, {"at+jwt", 401}} {
		if a := call(t, "GET", k.proxy.URL+"/x", "Authorization", "Bearer "+k.mint(t, tt.typ, c)); a.status != tt.status {
			t.Errorf("typ %q: %d, want %d", tt.typ, a.status, tt.status)
		}
	}
	if a := call(t, "GET", k.proxy.URL+"/x", "Authorization", "Bearer "+k.mint(t, "JWT", k.claims(nil))); a.status != 401 {
		t.Errorf("aud is the client id, not the configured audience: %d, want 401", a.status)
	}
}

// TestBearerConfigErrors: settings that cannot work are refused at New.
func TestBearerConfigErrors(t *testing.T) {
	t.Parallel()
	base := func(b BearerConfig) Config {
		return Config{PublicURL: "https://app.example.com", CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
			Providers: []ProviderConfig{{ID: "p", Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s", Bearer: b}}}
	}
	tests := []struct {
		cfg  Config
		want string
	}{
		{base(BearerConfig{Audiences: []string{"a"}}), "bearer tokens are off"},
		{base(BearerConfig{Enabled: true, Introspection: "sometimes"}), "introspection"},
		{base(BearerConfig{Enabled: true, Introspection: IntrospectOpaque, IntrospectionURL: "http://idp.example.com/introspect"}), "plain http"},
		{base(BearerConfig{Enabled: true, IntrospectionCacheTTL: time.Hour}), "cache TTL"},
		{base(BearerConfig{Enabled: true, Scopes: []string{""}}), "empty"},
		{func() Config {
			c := base(BearerConfig{Enabled: true, Introspection: IntrospectOpaque})
			c.Providers[0].ClientSecret = ""
			c.Providers[0].TokenAuth = ""
			return c
		}(), "client secret"},
		{func() Config {
			c := base(BearerConfig{Enabled: true, Introspection: IntrospectOpaque})
			c.Providers = append(c.Providers, ProviderConfig{ID: "q", Issuer: "https://idp2.example.com", ClientID: "c", ClientSecret: "s",
				Bearer: BearerConfig{Enabled: true, Introspection: IntrospectAll}})
			return c
		}(), "at most one"},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tt.cfg.Providers[0].Bearer, err, tt.want)
		}
	}
}

// TestIdentifyBearer: Identify, the optional-sign-in middleware, identifies a bearer
// request by its token alone (no session looked at or made, no access rule), refuses a
// token that fails as RFC 6750 says instead of passing it on as anonymous, and leaves
// requests without a token, and every token when bearer is off, as they were.
func TestIdentifyBearer(t *testing.T) {
	t.Parallel()
	k := newBearerKit(t, BearerConfig{Enabled: true}, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}} // svc-1 is not in root
	})
	who := func(rp *RP) *httptest.Server {
		srv := httptest.NewServer(rp.Identify(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sub := "anonymous"
			if u, ok := UserFromContext(r.Context()); ok {
				sub = u.Subject
			}
			io.WriteString(w, `{"header":{"User":["`+sub+`"]}}`)
		})))
		t.Cleanup(srv.Close)
		return srv
	}
	app := who(k.h.rp)
	good := k.mint(t, "at+jwt", k.claims(nil))
	expired := k.mint(t, "at+jwt", k.claims(map[string]any{"exp": k.h.clock.Now().Add(-time.Hour).Unix()}))
	forged := k.mint(t, "at+jwt", k.claims(map[string]any{"iss": "https://evil.localhost"}))
	for _, tc := range []struct {
		name, path string
		header     []string
		want       string // the User seen; "" when refused
		status     int
		code       string
	}{
		{"no token", "/x", nil, "anonymous", 200, ""},
		{"good token", "/x", []string{"Authorization", "Bearer " + good}, "svc-1", 200, ""},
		{"good token, path a rule guards (Identify applies none)", "/admin/x", []string{"Authorization", "Bearer " + good}, "svc-1", 200, ""},
		{"expired token", "/x", []string{"Authorization", "Bearer " + expired}, "", 401, "invalid_token"},
		{"another issuer's token", "/x", []string{"Authorization", "Bearer " + forged}, "", 401, "invalid_token"},
		{"empty token", "/x", []string{"Authorization", "Bearer "}, "", 400, "invalid_request"},
		{"expired token, then a good one", "/x", []string{"Authorization", "Bearer " + expired, "Authorization", "Bearer " + good}, "", 400, "invalid_request"},
		{"good token, then an expired one", "/x", []string{"Authorization", "Bearer " + good, "Authorization", "Bearer " + expired}, "", 400, "invalid_request"},
		{"Basic credentials", "/x", []string{"Authorization", "Basic YTpi"}, "anonymous", 200, ""},
	} {
		a := call(t, "GET", app.URL+tc.path, tc.header...)
		if tc.want == "" {
			checkRefusal(t, tc.name, a, tc.status, tc.code)
			continue
		}
		if a.status != tc.status || a.seen.Header.Get("User") != tc.want || a.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: %d, user %q, Set-Cookie %q; want %d, %q, no cookie", tc.name, a.status, a.seen.Header.Get("User"), a.header.Get("Set-Cookie"), tc.status, tc.want)
		}
	}
	// The token decides, not a session beside it: alice's cookie with an expired token
	// is refused, with a good token it is the token's user.
	k.h.signIn(k.h.client)
	cookie := cookieHeader(k.h, k.h.client)
	if a := call(t, "GET", app.URL+"/x", "Cookie", cookie); a.status != 200 || a.seen.Header.Get("User") == "anonymous" {
		t.Fatalf("alice's session alone: %d user %q, want alice", a.status, a.seen.Header.Get("User"))
	}
	checkRefusal(t, "expired token beside a session", call(t, "GET", app.URL+"/x", "Cookie", cookie, "Authorization", "Bearer "+expired), 401, "invalid_token")
	if a := call(t, "GET", app.URL+"/x", "Cookie", cookie, "Authorization", "Bearer "+good); a.status != 200 || a.seen.Header.Get("User") != "svc-1" {
		t.Errorf("good token beside alice's session: %d user %q, want svc-1", a.status, a.seen.Header.Get("User"))
	}
	// Bearer off: the header is not looked at.
	off := newBearerKit(t, BearerConfig{}, nil)
	if a := call(t, "GET", who(off.h.rp).URL+"/x", "Authorization", "Bearer "+off.mint(t, "at+jwt", off.claims(nil))); a.status != 200 || a.seen.Header.Get("User") != "anonymous" {
		t.Errorf("bearer off: %d user %q, want 200 anonymous", a.status, a.seen.Header.Get("User"))
	}
}
