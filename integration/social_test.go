package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
)

// socialUsersYAML are the mock's users for the OAuth 2.0 personas: alice with a
// verified address and GitHub memberships, mallory claiming the same address
// unverified.
const socialUsersYAML = `users:
  - sub: alice
    claims:
      preferred_username: alice
      name: Alice Example
      nickname: alice
      email: alice@example.com
      email_verified: true
      orgs: [acme]
      teams: [acme/core]
  - sub: mallory
    claims:
      preferred_username: mallory
      name: Mallory
      nickname: mallory
      email: alice@example.com
      email_verified: false
      orgs: [evil]
`

// TestProcessesSocial signs in with every OAuth 2.0 preset through the real
// binaries: bin/mockidp --persona <kind> and bin/rp --provider-kind <kind>
// --provider-base-url <mock>. The user is the persona's, the email comes out
// only when the provider vouches for it, and forward auth passes the same.
func TestProcessesSocial(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(cfg, []byte(socialUsersYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind   string
		rpArgs []string
		sub    *regexp.Regexp
		email  string // alice's X-Forwarded-Email
	}{
		{"github", []string{"--github-orgs", "acme"}, regexp.MustCompile(`^[0-9]{8}$`), "alice@example.com"},
		{"naver", nil, regexp.MustCompile(`^[0-9]{8}$`), ""},
		{"naver", []string{"--trust-email"}, regexp.MustCompile(`^[0-9]{8}$`), "alice@example.com"},
		{"kakao", nil, regexp.MustCompile(`^[0-9]{10}$`), "alice@example.com"},
		{"kakao", []string{"--scopes", "openid,profile_nickname,account_email"}, regexp.MustCompile(`^[0-9]{10}$`), "alice@example.com"},
		{"discord", nil, regexp.MustCompile(`^[0-9]{18,19}$`), "alice@example.com"},
		{"facebook", nil, regexp.MustCompile(`^[0-9]{17}$`), ""},
		{"x", nil, regexp.MustCompile(`^[0-9]{19}$`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind+strings.Join(tt.rpArgs, ""), func(t *testing.T) {
			t.Parallel()
			idpAddr := stack.FreeAddr(t)
			st := stack.StartStackT(t, stack.Config{Binaries: programs.Binaries(t), CookieSecret: testCookieSecret, MockIDPAddr: idpAddr,
				MockIDPArgs: []string{"--persona", tt.kind, "--login", "auto", "--config", cfg},
				// The stack passes --issuer (the mock's URL): for an OAuth 2.0 kind it
				// names the users' namespace; for kakao with openid it is the issuer.
				RPArgs: append([]string{"--provider-kind", tt.kind, "--provider-base-url", "http://" + idpAddr}, tt.rpArgs...)})
			alice := signInSocial(t, st, "alice")
			sub, _ := alice.user["sub"].(string)
			if !tt.sub.MatchString(sub) || alice.user["iss"] != st.Issuer {
				t.Errorf("sub %q, iss %v; want %v and %s", sub, alice.user["iss"], tt.sub, st.Issuer)
			}
			if alice.verify == nil {
				t.Fatalf("alice's sign-in failed: %v", alice.signIn)
			}
			if got := alice.verify.Header.Get("X-Forwarded-Email"); alice.verify.StatusCode != http.StatusOK || got != tt.email ||
				alice.verify.Header.Get("X-Forwarded-User") != sub {
				t.Errorf("/auth/verify: user %q email %q; want %s and %q", alice.verify.Header.Get("X-Forwarded-User"), got, sub, tt.email)
			}
			mallory := signInSocial(t, st, "mallory")
			if tt.kind == "github" {
				// Not in acme: refused at sign-in.
				if mallory.signIn == nil || mallory.signIn.StatusCode != http.StatusForbidden {
					t.Errorf("mallory (not in acme): %v, want 403 at sign-in", mallory.signIn)
				}
				return
			}
			if mallory.verify == nil {
				t.Fatalf("mallory's sign-in failed: %v", mallory.signIn)
			}
			// naver with --trust-email takes Naver's word: that is what the setting means.
			trusted := slices.Contains(tt.rpArgs, "--trust-email")
			if got := mallory.verify.Header.Get("X-Forwarded-Email"); got != "" && !trusted {
				t.Errorf("mallory's unverified address came out: %q", got)
			}
		})
	}
}

// socialSignIn is a sign-in through rp's processes: the callback's answer (when
// it failed), then /auth/userinfo and /auth/verify.
type socialSignIn struct {
	signIn *stack.Response
	user   map[string]any
	verify *stack.Response
}

// signInSocial signs user in (the mock's login_hint) at st's rp.
func signInSocial(t *testing.T, st *stack.Stack, user string) socialSignIn {
	t.Helper()
	c := stack.NewClient(t)
	r := c.Follow(c.Get(st.RPURL + "/auth/login?" + url.Values{"login_hint": {user}, "rd": {"/auth/userinfo"}}.Encode()))
	var out socialSignIn
	if r.StatusCode != http.StatusOK {
		out.signIn = r
		return out
	}
	if err := json.Unmarshal(r.Body, &out.user); err != nil {
		t.Fatalf("/auth/userinfo: %v: %s", err, r.Body)
	}
	out.verify = c.Get(st.RPURL + "/auth/verify")
	return out
}

// TestProcessesEntraTruth: through the real binaries, an Entra user's address (Entra
// never says it is verified) gives no X-Forwarded-Email and passes no email rule,
// and a user in 250 groups gets them from Microsoft Graph (the mock's) with
// --graph-url.
func TestProcessesEntraTruth(t *testing.T) {
	t.Parallel()
	var groups []string
	for i := range 250 {
		groups = append(groups, fmt.Sprintf("grp-%03d", i))
	}
	cfg := filepath.Join(t.TempDir(), "users.yaml")
	users := "users:\n  - sub: alice\n    claims: {email: ceo@example.com, preferred_username: alice}\n" +
		"  - sub: crowd\n    claims: {groups: [" + strings.Join(groups, ", ") + "]}\n"
	if err := os.WriteFile(cfg, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	idpAddr := stack.FreeAddr(t)
	st := stack.StartStackT(t, stack.Config{Binaries: programs.Binaries(t), CookieSecret: testCookieSecret, MockIDPAddr: idpAddr,
		MockIDPArgs: []string{"--persona", "entra", "--login", "auto", "--config", cfg},
		RPArgs: []string{"--issuer", "http://" + idpAddr + "/" + mockidp.EntraDefaultTenant + "/v2.0", "--provider-kind", "entra",
			"--graph-url", "http://" + idpAddr + "/graph", "--scopes", "openid,profile,email,GroupMember.Read.All"}})
	alice := signInSocial(t, st, "alice")
	if alice.verify == nil {
		t.Fatalf("alice's sign-in failed: %v", alice.signIn)
	}
	if got := alice.verify.Header.Get("X-Forwarded-Email"); alice.verify.StatusCode != http.StatusOK || got != "" || alice.user["email"] != nil {
		t.Errorf("alice: /auth/verify %d, X-Forwarded-Email %q, User.Email %v; want 200, none, none", alice.verify.StatusCode, got, alice.user["email"])
	}
	c := stack.NewClient(t)
	c.Follow(c.Get(st.RPURL + "/auth/login?" + url.Values{"login_hint": {"alice"}}.Encode()))
	if r := c.Get(st.RPURL + "/auth/verify?allowed_email_domains=example.com"); r.StatusCode != http.StatusForbidden {
		t.Errorf("allowed_email_domains=example.com: %d, want 403", r.StatusCode)
	}
	crowd := signInSocial(t, st, "crowd")
	if crowd.user == nil {
		t.Fatalf("crowd's sign-in failed: %v", crowd.signIn)
	}
	if g, _ := crowd.user["groups"].([]any); len(g) != 250 {
		t.Errorf("crowd: %d groups, want the 250 from Graph", len(g))
	}
	if h := crowd.verify.Header.Get("X-Forwarded-Groups"); strings.Count(h, ",") != 249 {
		t.Errorf("X-Forwarded-Groups has %d entries, want 250", strings.Count(h, ",")+1)
	}
}
