package rp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/foyer-oidc/foyer/mockidp"
)

// rawProxied sends GET /echo through the proxy on a raw connection, with c's cookies
// and the header lines exactly in the order given (net/http would sort them), and
// returns what the upstream saw.
func rawProxied(t *testing.T, h *harness, c *http.Client, lines ...string) upstreamSeen {
	t.Helper()
	u, _ := url.Parse(h.srv.URL)
	var cookies []string
	for _, ck := range c.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET /echo HTTP/1.1\r\nHost: " + u.Host + "\r\nCookie: " + strings.Join(cookies, "; ") + "\r\nConnection: close\r\n"
	for _, l := range lines {
		req += l + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var seen upstreamSeen
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /echo: %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&seen); err != nil {
		t.Fatal(err)
	}
	return seen
}

// TestForgedAssertionBesideTheRealOne: a client replays a real assertion captured
// for another user (bob), in every spelling and in both orders beside rp's own; the
// upstream gets exactly one assertion, rp's fresh one for the signed-in user.
func TestForgedAssertionBesideTheRealOne(t *testing.T) {
	t.Parallel()
	const aud = "https://app.example.com"
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Assertion = AssertionConfig{Enabled: true, Audience: aud}
	})
	bob := h.newBrowser()
	h.idp.QueueLogin("", mockidp.User{Subject: "bob", Claims: map[string]any{"email": "bob@example.com", "groups": []any{"admins"}}})
	if resp, body := h.get(bob, "/app/"); resp.StatusCode != http.StatusOK || body != "hello bob" {
		t.Fatalf("bob's sign-in: %d %q", resp.StatusCode, truncate(body, 200))
	}
	stolen := proxiedEcho(t, h, bob).Header.Get(HeaderAssertion)
	if stolen == "" {
		t.Fatal("no assertion for bob")
	}
	h.signIn(h.client)
	ctx := context.Background()
	v := oidc.NewVerifier(h.srv.URL, oidc.NewRemoteKeySet(ctx, h.srv.URL+"/auth/jwks.json"),
		&oidc.Config{ClientID: aud, SupportedSigningAlgs: []string{oidc.ES256}, Now: h.clock.Now})
	if tok, err := v.Verify(ctx, stolen); err != nil || tok.Subject != "bob" {
		t.Fatalf("the captured assertion: %v (sub %v); want a valid one of bob", err, tok)
	}
	for _, lines := range [][]string{
		{"X-Foyer-Assertion: " + stolen},
		{"X-Foyer-Assertion: " + stolen, "x_foyer_assertion: " + stolen},
		{"x_foyer_assertion: " + stolen, "X-Foyer-Assertion: " + stolen},
		{"X-Foyer-Assertion: " + stolen, "x-foyer-assertion: not-a-token"},
		{"x-foyer-assertion: not-a-token", "X-Foyer-Assertion: " + stolen},
		{"X_Foyer_Assertion: " + stolen},
	} {
		seen := rawProxied(t, h, h.client, lines...)
		var got []string
		for k, vs := range seen.Header {
			if n := strings.ToLower(strings.ReplaceAll(k, "_", "-")); n == "x-foyer-assertion" {
				for _, v := range vs {
					got = append(got, k+": "+v)
				}
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], HeaderAssertion+": ") {
			t.Errorf("client sent %q: the upstream got %d assertion headers %v, want exactly one %s", names(lines), len(got), trimmed(got), HeaderAssertion)
			continue
		}
		tok, err := v.Verify(ctx, strings.TrimPrefix(got[0], HeaderAssertion+": "))
		if err != nil || tok.Subject != "alice" {
			t.Errorf("client sent %q: the upstream's assertion: %v (sub %v); want rp's own, for alice", names(lines), err, tok)
		}
	}
}

// names returns the header names of lines, for messages without tokens.
func names(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		n, v, _ := strings.Cut(l, ": ")
		out[i] = fmt.Sprintf("%s (%d bytes)", n, len(v))
	}
	return out
}

// trimmed shortens header lines for messages.
func trimmed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = truncate(l, 40)
	}
	return out
}
