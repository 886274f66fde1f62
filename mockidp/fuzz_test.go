package mockidp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeHTTP sends arbitrary requests to every endpoint: none may panic
// or answer 500. `go test` runs the seeds; `go test -fuzz FuzzServeHTTP`
// explores further.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct{ method, path, query, body, auth string }{
		{"GET", "/authorize", "client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code&scope=openid&code_challenge=" + strings.Repeat("a", 43), "", ""},
		{"GET", "/authorize", "client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code&scope=openid&prompt=none&max_age=99999999999999999999", "", ""},
		{"POST", "/authorize", "", "client_id=demo-public&redirect_uri=http://[::1]/&response_type=code&scope=openid&response_mode=form_post", ""},
		{"POST", "/token", "", "grant_type=authorization_code&code=x&redirect_uri=y", "Basic ZGVtbzpkZW1vLXNlY3JldA=="},
		{"POST", "/token", "", "grant_type=refresh_token&refresh_token=%00", "Basic %%%"},
		{"POST", "/token", "", "grant_type=client_credentials&scope=openid+openid", "Basic ZGVtbzpkZW1vLXNlY3JldA=="},
		{"GET", "/userinfo", "", "", "Bearer eyJhbGciOiJub25lIn0.e30."},
		{"POST", "/introspect", "", "token=x", "Basic ZGVtbzpkZW1vLXNlY3JldA=="},
		{"POST", "/revoke", "", "token=x&token=y", "Basic ZGVtbzpkZW1vLXNlY3JldA=="},
		{"GET", "/end_session", "id_token_hint=a.b.c&post_logout_redirect_uri=%ff", "", ""},
		{"POST", "/login", "", "request=x&action=custom&sub=a&claims=%7B%22a%22%3A", ""},
		{"GET", "/.well-known/openid-configuration", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.body, s.auth)
	}
	p, err := New(Config{Issuer: "http://127.0.0.1:9400", HTTPClient: offline})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, query, body, auth string) {
		req, err := http.NewRequest(method, "http://127.0.0.1:9400/", strings.NewReader(body))
		if err != nil {
			return // not a request net/http would deliver
		}
		req.URL.Path, req.URL.RawQuery = path, query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s?%s: status %d: %s", method, path, query, rec.Code, rec.Body)
		}
	})
}

// FuzzControl sends arbitrary JSON to every control endpoint: none may
// panic or answer 5xx, whatever the body.
func FuzzControl(f *testing.F) {
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/_mock/faults", `{"client_id":"demo","delay":"1ns","id_token_claims":{"iat":null}}`},
		{"POST", "/_mock/faults", `{"jwks_extra_keys":1e309}`},
		{"POST", "/_mock/login", `{"login_hint":"h","sub":"x","claims":{"a":[1,{"b":null}]}}`},
		{"POST", "/_mock/rotate", `{"overlap":"-9223372036854775808ns"}`},
		{"POST", "/_mock/clock", `{"advance":"2540400h10m10.000000000s"}`},
		{"POST", "/_mock/mint", `{"claims":{"exp":1},"signing":"hs256-client-secret","client_id":"demo-public"}`},
		{"GET", "/_mock/requests?limit=99999999999999999999", ``},
		{"DELETE", "/_mock/faults", ``},
		{"POST", "/_mock/reset", `{}`},
		{"POST", "/_mock/reset", `{"tag":"t"}`},
		{"POST", "/_mock/clients", `{"id":"c","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]},"tag":"t"}`},
		{"POST", "/_mock/clients", `{"id":"d","auth_method":"private_key_jwt","jwks_uri":"http://127.0.0.1:1/j","claims":{"a":1}}`},
		{"DELETE", "/_mock/clients/demo", ``},
		{"POST", "/_mock/users", `{"sub":"u","claims":{"groups":["x"]},"tag":"t"}`},
		{"DELETE", "/_mock/users/alice", ``},
		{"POST", "/_mock/client_claims", `{"client_id":"demo","claims":{"sub":"s","iss":null}}`},
		{"POST", "/_mock/logout", `{"sub":"alice"}`},
		{"POST", "/_mock/device", `{"user_code":"BCDF-GHJK","action":"approve","sub":"a"}`},
		{"POST", "/_mock/faults", `{"logout_token_times":{"iat":"-1h"},"end_session_redirect":"http://x/"}`},
	} {
		f.Add(s.method, s.path, s.body)
	}
	p, err := New(Config{Issuer: "http://127.0.0.1:9400", Alg: "EdDSA", ControlAPI: true, HTTPClient: offline})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/_mock/") {
			return // other endpoints could meet an injected Delay; FuzzServeHTTP covers them
		}
		req, err := http.NewRequest(method, "http://127.0.0.1:9400/", strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = path
		req.RemoteAddr = "127.0.0.1:1"
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s %q: status %d: %s", method, path, body, rec.Code, rec.Body)
		}
	})
}

// offline is the fuzzed providers' HTTP client: an input may register a client
// whose back-channel logout URI or jwks_uri is any address, and a request that
// waits on the network (a connect timeout, a DNS lookup) stalls the fuzzer
// until its deadline, which then fails with "context deadline exceeded".
var offline = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network while fuzzing")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
