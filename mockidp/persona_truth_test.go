package mockidp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// personaCode runs an authorization request at base+"/authorize" for
// login hint hint and returns the code (query or form_post answer).
func personaCode(t *testing.T, base, client, hint, scope string) string {
	t.Helper()
	q := url.Values{"client_id": {client}, "redirect_uri": {testRedirect}, "response_type": {"code"}, "scope": {scope},
		"login_hint": {hint}, "state": {"s"}, "nonce": {"n"}}
	resp, body := get(t, newBrowser(t), base+"/authorize?"+q.Encode())
	if resp.StatusCode == http.StatusFound {
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("code")
	}
	m := regexp.MustCompile(`name="code" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code: %d %.300s", resp.StatusCode, body)
	}
	return m[1]
}

// personaTokens redeems a code at base+"/token" and returns the decoded
// token answer and ID token claims.
func personaTokens(t *testing.T, base, client, secret, code string) (map[string]any, map[string]any) {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, base+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {testRedirect}, "client_id": {client}, "client_secret": {secret}}, "", "")
	tok := decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	_, claims := jwtParts(t, tok["id_token"].(string))
	return tok, claims
}

// TestEntraClaims: Entra sends no email_verified (an email is unverified
// unless xms_edov says the domain owner verified it), preferred_username
// is a UPN, and beyond 200 groups the groups claim gives way to the
// overage pointer.
func TestEntraClaims(t *testing.T) {
	t.Parallel()
	var many []any
	for i := range 250 {
		many = append(many, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	ts := NewTestServer(t, WithPersona(PersonaEntra), WithUsers(
		User{Subject: "alice", Claims: map[string]any{"email": "alice@contoso.example", "email_verified": true,
			"preferred_username": "alice", "groups": []any{"g1", "g2"}, "name": "Alice"}},
		User{Subject: "edov", Claims: map[string]any{"email": "e@contoso.example", "xms_edov": true, "upn": "e@contoso.onmicrosoft.com",
			"preferred_username": "e"}},
		User{Subject: "crowd", Claims: map[string]any{"groups": many}},
	))
	base := ts.Issuer + "/" + EntraDefaultTenant + "/v2.0"
	claimsOf := func(hint string) map[string]any {
		_, c := personaTokens(t, base, "demo", "demo-secret", personaCode(t, base, "demo", hint, "openid profile email"))
		return c
	}
	c := claimsOf("alice")
	if _, has := c["email_verified"]; has {
		t.Errorf("ID token has email_verified = %v; Entra never sends it", c["email_verified"])
	}
	if c["email"] != "alice@contoso.example" || c["preferred_username"] != "alice@"+entraUPNDomain {
		t.Errorf("email %v, preferred_username %v: want the email and a UPN", c["email"], c["preferred_username"])
	}
	if !jsonEqual(c["groups"], []string{"g1", "g2"}) || c["_claim_names"] != nil {
		t.Errorf("groups = %v, _claim_names = %v", c["groups"], c["_claim_names"])
	}
	c = claimsOf("edov")
	if c["xms_edov"] != true || c["preferred_username"] != "e@contoso.onmicrosoft.com" {
		t.Errorf("xms_edov %v, preferred_username %v", c["xms_edov"], c["preferred_username"])
	}
	c = claimsOf("crowd")
	if _, has := c["groups"]; has {
		t.Errorf("250 groups: the groups claim is there (%d entries)", len(c["groups"].([]any)))
	}
	if !jsonEqual(c["_claim_names"], map[string]string{"groups": "src1"}) ||
		!strings.HasSuffix(fmt.Sprint(dig(c, "_claim_sources", "src1", "endpoint")), "/getMemberObjects") {
		t.Errorf("overage pointer: _claim_names %v, _claim_sources %v", c["_claim_names"], c["_claim_sources"])
	}
}

// TestEntraGraphGroups: the overage is resolved at Microsoft Graph with
// the access token, page by page.
func TestEntraGraphGroups(t *testing.T) {
	t.Parallel()
	var many []any
	for i := range 250 {
		many = append(many, fmt.Sprintf("g-%03d", i))
	}
	ts := NewTestServer(t, WithPersona(PersonaEntra), WithUsers(User{Subject: "crowd", Claims: map[string]any{"groups": many}}))
	base := ts.Issuer + "/" + EntraDefaultTenant + "/v2.0"
	graph := ts.Issuer + "/graph/v1.0/me/transitiveMemberOf?$select=id&$top=100"
	call := func(u, at string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	tok, _ := personaTokens(t, base, "demo", "demo-secret", personaCode(t, base, "demo", "crowd", "openid profile GroupMember.Read.All"))
	at := tok["access_token"].(string)
	var got []string
	pages := 0
	for next := graph; next != ""; pages++ {
		resp, m := call(next, at)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("graph page %d: %d %v", pages, resp.StatusCode, m)
		}
		for _, v := range m["value"].([]any) {
			got = append(got, v.(map[string]any)["id"].(string))
		}
		next, _ = m["@odata.nextLink"].(string)
	}
	if pages != 3 || len(got) != 250 || got[0] != "g-000" || got[249] != "g-249" {
		t.Errorf("%d pages, %d groups (%v...), want 3 pages and 250 groups", pages, len(got), got[:min(3, len(got))])
	}
	tok, _ = personaTokens(t, base, "demo", "demo-secret", personaCode(t, base, "demo", "crowd", "openid profile"))
	if resp, m := call(graph, tok["access_token"].(string)); resp.StatusCode != http.StatusForbidden ||
		dig(m, "error", "code") != "Authorization_RequestDenied" {
		t.Errorf("without GroupMember.Read.All: %d %v", resp.StatusCode, m)
	}
	if resp, _ := call(graph, "forged"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
}

// TestGoogleIssuerForms: Google's iss is https://accounts.google.com or
// accounts.google.com.
func TestGoogleIssuerForms(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithPersona(PersonaGoogle), WithUsers(
		User{Subject: "web", Claims: map[string]any{"email": "w@gmail.com"}},
		User{Subject: "bare", Claims: map[string]any{"email": "b@gmail.com", "iss_without_scheme": true}},
	))
	_, c := personaTokens(t, ts.Issuer, "demo", "demo-secret", personaCode(t, ts.Issuer, "demo", "web", "openid email"))
	if c["iss"] != ts.Issuer {
		t.Errorf("iss = %v, want %s", c["iss"], ts.Issuer)
	}
	_, c = personaTokens(t, ts.Issuer, "demo", "demo-secret", personaCode(t, ts.Issuer, "demo", "bare", "openid email"))
	if want := strings.TrimPrefix(ts.Issuer, "http://"); c["iss"] != want || c["iss_without_scheme"] != nil {
		t.Errorf("iss = %v, want %s without the marker claim", c["iss"], want)
	}
}

// TestAppleClaimTypes: Apple's email_verified and is_private_email are
// strings or booleans; the persona keeps the user's type and defaults to
// the string "true".
func TestAppleClaimTypes(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithPersona(PersonaApple), WithUsers(
		User{Subject: "strings", Claims: map[string]any{"email": "s@privaterelay.appleid.com", "email_verified": "true",
			"is_private_email": "true"}},
		User{Subject: "bools", Claims: map[string]any{"email": "b@icloud.com", "email_verified": true, "is_private_email": false,
			"real_user_status": 2}},
		User{Subject: "plain", Claims: map[string]any{"email": "p@icloud.com"}},
	))
	for _, tt := range []struct {
		hint                   string
		verified, private, rus any
	}{{"strings", "true", "true", nil}, {"bools", true, false, float64(2)}, {"plain", "true", nil, nil}} {
		_, c := personaTokens(t, ts.Issuer, "demo", "demo-secret", personaCode(t, ts.Issuer, "demo", tt.hint, "openid email"))
		if c["email_verified"] != tt.verified || c["is_private_email"] != tt.private || c["real_user_status"] != tt.rus {
			t.Errorf("%s: email_verified %#v, is_private_email %#v, real_user_status %#v; want %#v, %#v, %#v", tt.hint,
				c["email_verified"], c["is_private_email"], c["real_user_status"], tt.verified, tt.private, tt.rus)
		}
	}
}
