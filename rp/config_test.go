package rp

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestNewReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), Config{
		PublicURL: "http://app.example.com/base",
		Providers: []ProviderConfig{
			{ID: "Bad ID", Issuer: "ftp://idp", AuthParams: map[string]string{"state": "x"}},
			{ID: "a", Issuer: "http://idp.example.com", ClientID: "c", TokenAuth: "client_secret_basic"},
			{ID: "a", Issuer: "https://idp.example.com", ClientID: "c", TokenAuth: "magic"},
		},
		CookieSecrets: [][]byte{[]byte("short")},
		ClockSkew:     time.Hour,
		IdleTimeout:   -time.Second,
	})
	if err == nil {
		t.Fatal("New accepted an invalid config")
	}
	for _, want := range []string{
		`public URL "http://app.example.com/base": plain http is only allowed on a loopback host`,
		`id "Bad ID"`,
		`scheme must be https`,
		`client id is empty`,
		`auth param "state" is set by rp itself`,
		`plain http is only allowed on a loopback host`,
		`token auth "client_secret_basic" needs a client secret`,
		`duplicate id "a"`,
		`token auth "magic"`,
		`cookie secret 0: 5 bytes, need at least 32`,
		`clock skew: 1h0m0s is more than 5m0s`,
		`idle timeout: -1s is negative`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestConfigDefaultsAndEmptyConfig(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), Config{})
	for _, want := range []string{"public URL is empty", "no provider configured", "no cookie secret configured"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("empty config: error %v lacks %q", err, want)
		}
	}
	s, err := Config{
		PublicURL:     "https://app.example.com",
		Providers:     []ProviderConfig{{ID: "p", Issuer: "https://idp.example.com", ClientID: "c"}},
		CookieSecrets: [][]byte{testSecret},
	}.validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.IdleTimeout != DefaultIdleTimeout || s.AbsoluteLifetime != DefaultAbsoluteLifetime || s.ClockSkew != DefaultClockSkew ||
		s.LoginTTL != DefaultLoginTTL || s.MaxLoginAttempts != DefaultMaxLoginAttempts || s.JWKSCooldown != DefaultJWKSCooldown {
		t.Errorf("defaults not applied: %+v", s)
	}
	if !s.secure || s.cookiePrefix != "__Host-" {
		t.Errorf("https public URL: secure=%v prefix=%q, want true, __Host-", s.secure, s.cookiePrefix)
	}
	s, err = Config{
		PublicURL:     "http://127.0.0.1:8080",
		Providers:     []ProviderConfig{{ID: "p", Issuer: "http://mockidp:9400", ClientID: "c", InsecureAllowHTTP: true}},
		CookieSecrets: [][]byte{testSecret},
	}.validate()
	if err != nil {
		t.Fatalf("loopback public URL with an opted-in http issuer: %v", err)
	}
	if s.secure || s.cookiePrefix != "" {
		t.Errorf("plain-http loopback: secure=%v prefix=%q, want false, none", s.secure, s.cookiePrefix)
	}
}
