package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// ctl calls the mock's HTTP control API (the way a CI script in another
// language would, with curl) and decodes a JSON answer into out, if any.
func (st *confStack) ctl(method, path, body string, wantStatus int, out any) {
	st.t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, st.idp.Issuer+"/_mock/"+path, r)
	if err != nil {
		st.t.Fatalf("control request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		st.t.Fatalf("%s /_mock/%s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		st.t.Fatalf("%s /_mock/%s: got %d, want %d: %s", method, path, resp.StatusCode, wantStatus, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			st.t.Fatalf("%s /_mock/%s: %v in %s", method, path, err, b)
		}
	}
}

// requestsVia returns the provider's captured requests of endpoint, read
// through GET /_mock/requests.
func (st *confStack) requestsVia(endpoint string) []mockidp.CapturedRequest {
	st.t.Helper()
	var got struct{ Requests []mockidp.CapturedRequest }
	st.ctl(http.MethodGet, "requests?endpoint="+url.QueryEscape(endpoint), "", http.StatusOK, &got)
	return got.Requests
}

// TestConformanceControlAPI drives a few of the cases through the mock's
// HTTP control API instead of its Go API, as a test suite in another
// language would.
func TestConformanceControlAPI(t *testing.T) {
	t.Parallel()
	withControl := confOptions{idp: func(c *mockidp.Config) { c.ControlAPI = true }}

	t.Run("oidcc-client-test-nonce-invalid", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, withControl)
		st.ctl(http.MethodPost, "faults", `{"id_token_claims":{"nonce":"012345678"}}`, http.StatusCreated, nil)
		b := st.browser()
		st.assertRejected(b, st.attempt(b), *confBadToken("nonce does not match"))
	})

	t.Run("fapi-client-test-invalid-expired-exp", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, withControl)
		st.ctl(http.MethodPost, "faults", `{"id_token_times":{"iat":"-11m","exp":"-10m"}}`, http.StatusCreated, nil)
		b := st.browser()
		st.assertRejected(b, st.attempt(b), *confBadToken("token is expired"))
	})

	// The provider's clock a week behind: everything it signs is a week old.
	t.Run("fapi-client-test-iat-is-week-in-past", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, withControl)
		var clock struct{ Now string }
		st.ctl(http.MethodPost, "clock", `{"advance":"-168h"}`, http.StatusOK, &clock)
		b := st.browser()
		st.assertRejected(b, st.attempt(b), *confBadToken("expired"))
	})

	t.Run("oidcc-client-test-signing-key-rotation", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, withControl)
		st.signIn(st.browser())
		var rotated struct {
			KID       string
			Published []string
		}
		st.ctl(http.MethodPost, "rotate", `{}`, http.StatusOK, &rotated)
		if rotated.KID == "" || len(rotated.Published) != 2 {
			t.Errorf("POST /_mock/rotate: got %+v, want the new kid and two published keys", rotated)
		}
		st.signIn(st.browser())
		if got := st.requestsVia("jwks"); len(got) != 2 {
			t.Errorf("JWKS requests: got %d, want 2 (discovery, then the new kid)", len(got))
		}
	})

	t.Run("oidcc-client-test-rp-init-logout", func(t *testing.T) {
		t.Parallel()
		st := startConf(t, withControl)
		b := st.browser()
		st.signIn(b)
		b.Follow(st.startLogout(b))
		es := st.requestsVia("end_session")
		if len(es) != 1 {
			t.Fatalf("end_session requests: got %d, want 1", len(es))
		}
		p := es[0].Params
		if p.Get("id_token_hint") != mockidp.Redacted || p.Get("post_logout_redirect_uri") != st.rpURL+"/auth/logout/done" || p.Get("state") == "" {
			t.Errorf("end_session parameters: got %v, want id_token_hint (redacted), the registered post_logout_redirect_uri and a state", p)
		}
		var bc struct {
			Logouts []struct {
				Sub    string
				Status int
			}
		}
		st.ctl(http.MethodGet, "backchannel", "", http.StatusOK, &bc)
		if len(bc.Logouts) != 1 || bc.Logouts[0].Status != http.StatusOK || bc.Logouts[0].Sub != "alice" {
			t.Errorf("GET /_mock/backchannel: got %+v, want alice's logout answered 200 by rp", bc.Logouts)
		}
	})
}
