package mockidp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// FuzzToken sends the token endpoint every shape of form body and
// Authorization header. "$code" and "$verifier" in the body are replaced by a
// fresh code (issued to client demo for http://127.0.0.1/cb with a PKCE S256
// challenge) and its verifier, so that the fuzzer works around valid requests
// too. Properties: the answer is never a 5xx, always has Cache-Control
// no-store and a JSON object body with Content-Type application/json; a 200
// carries access_token and token_type Bearer, any other status an error member.
func FuzzToken(f *testing.F) {
	const basic = "Basic ZGVtbzpkZW1vLXNlY3JldA==" // demo:demo-secret
	for _, s := range []struct{ body, auth string }{
		{"grant_type=authorization_code&code=$code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=$verifier", basic},
		{"grant_type=authorization_code&code=$code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=$verifier&client_id=demo&client_secret=demo-secret", ""},
		{"grant_type=authorization_code&code=$code&code=$code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=$verifier", basic},
		{"grant_type=authorization_code&code=$code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb", basic},
		{"grant_type=authorization_code&code=$code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=x$verifier", basic},
		{"grant_type=refresh_token&refresh_token=%00", "Basic %%%"},
		{"grant_type=client_credentials&scope=openid+openid", basic},
		{"grant_type=password&username=a&password=b", basic},
		{"", ""},
		{"grant_type=authorization_code&code=$code", "Bearer x"},
		{"%zz=1&grant_type=authorization_code", "Basic " + strings.Repeat("A", 500)},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=a.b.c&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&audience=x&audience=y", basic},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJFUzI1NiJ9.e30.x", ""},
		{"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZW1vIn0.", ""},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x&client_id=demo-public", ""},
	} {
		f.Add(s.body, s.auth)
	}
	p := newFuzzProvider(f)
	const verifier = "fuzz-verifier-0123456789-0123456789-0123456789"
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	f.Fuzz(func(t *testing.T, body, auth string) {
		if strings.Contains(body, "$code") {
			q := url.Values{"client_id": {"demo"}, "redirect_uri": {"http://127.0.0.1/cb"}, "response_type": {"code"},
				"scope": {"openid"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fuzzIssuer+"/authorize?"+q.Encode(), nil))
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil || loc.Query().Get("code") == "" {
				t.Fatalf("authorize: %d %q, want a code", rec.Code, rec.Header().Get("Location"))
			}
			body = strings.NewReplacer("$code", url.QueryEscape(loc.Query().Get("code")), "$verifier", verifier).Replace(body)
		}
		req := httptest.NewRequest(http.MethodPost, fuzzIssuer+"/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store (status %d)", cc, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want application/json (status %d)", ct, rec.Code)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d body is not a JSON object: %v: %q", rec.Code, err, rec.Body)
		}
		if rec.Code == http.StatusOK {
			if m["access_token"] == nil || m["token_type"] != "Bearer" {
				t.Fatalf("200 without access_token or Bearer token_type: %s", rec.Body)
			}
		} else if _, ok := m["error"].(string); !ok {
			t.Fatalf("status %d without an error member: %s", rec.Code, rec.Body)
		}
	})
}
