package rp_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

func TestCheckProviders(t *testing.T) {
	t.Parallel()
	std := mockidp.NewTestServer(t)
	apple := mockidp.NewTestServer(t, mockidp.WithPersona(mockidp.PersonaApple)) // client_secret_post only
	cfg := rp.Config{
		PublicURL:     "http://127.0.0.1:8080",
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Providers: []rp.ProviderConfig{
			{ID: "basic", Issuer: std.Issuer, ClientID: "demo", ClientSecret: "demo-secret"},
			{ID: "public", Issuer: std.Issuer, ClientID: "demo-public"},
			{ID: "post", Issuer: apple.Issuer, ClientID: "demo", ClientSecret: "demo-secret"},
			{ID: "refused", Issuer: apple.Issuer, ClientID: "demo-public"},
			{ID: "down", Issuer: "http://127.0.0.1:1", ClientID: "x", ClientSecret: "s"},
		},
	}
	checks, err := rp.CheckProviders(context.Background(), cfg)
	if err != nil || len(checks) != 5 {
		t.Fatalf("CheckProviders: %v, %d checks", err, len(checks))
	}
	for i, want := range []struct{ auth, accepted, err string }{
		{"client_secret_basic", "client_secret_basic client_secret_post private_key_jwt none", ""},
		{"none", "client_secret_basic client_secret_post private_key_jwt none", ""},
		{"client_secret_post", "client_secret_post", ""},
		{"", "", "the client authenticates with none (a public client: no client secret), but the provider's token endpoint accepts only client_secret_post"},
		{"", "", "discovery: "},
	} {
		c := checks[i]
		if c.ID != cfg.Providers[i].ID || c.ClientAuth != want.auth || strings.Join(c.Accepted, " ") != want.accepted {
			t.Errorf("%s: auth %q accepted %q; want %q, %q", c.ID, c.ClientAuth, c.Accepted, want.auth, want.accepted)
		}
		if c.Err != nil && (want.err == "" || !strings.Contains(c.Err.Error(), want.err)) || c.Err == nil && want.err != "" {
			t.Errorf("%s: err %v, want one containing %q", c.ID, c.Err, want.err)
		}
	}
	cfg.Providers = slices.Delete(cfg.Providers, 0, 5)
	if _, err := rp.CheckProviders(context.Background(), cfg); err == nil {
		t.Error("CheckProviders of a config without providers: no error")
	}
}
