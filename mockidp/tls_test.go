package mockidp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestTLSTestServer signs in over HTTPS with a client that trusts the
// server's CA, read back from the PEM a test would write to a file.
func TestTLSTestServer(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithTLS())
	if !strings.HasPrefix(ts.Issuer, "https://127.0.0.1:") {
		t.Fatalf("issuer %s, want https://127.0.0.1:port", ts.Issuer)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, ts.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the written CA PEM does not parse")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx := oidc.ClientContext(context.Background(), client)
	prov, err := oidc.NewProvider(ctx, ts.Issuer)
	if err != nil {
		t.Fatalf("discovery over TLS with the written CA: %v", err)
	}
	conf := oauth2.Config{ClientID: ts.ClientID, ClientSecret: ts.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: testRedirect, Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	browser := ts.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var secure bool
	for _, c := range resp.Cookies() {
		secure = secure || (c.Name == sessionCookie && c.Secure)
	}
	if !secure {
		t.Error("the session cookie over HTTPS is not Secure")
	}
	loc, _ := resp.Location()
	if loc == nil || loc.Query().Get("iss") != ts.Issuer {
		t.Fatalf("authorization response %v, want iss %s", loc, ts.Issuer)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange over TLS: %v", err)
	}
	if _, err := prov.Verifier(&oidc.Config{ClientID: ts.ClientID}).Verify(ctx, tok.Extra("id_token").(string)); err != nil {
		t.Errorf("ID token from the TLS provider: %v", err)
	}
}

// TestTLSRefusedWithoutTheCA: a client that does not trust the written CA
// (system roots, another mockidp CA) refuses the server.
func TestTLSRefusedWithoutTheCA(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithTLS())
	other, err := NewCA([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*http.Client{
		"system roots": {Transport: &http.Transport{TLSClientConfig: &tls.Config{}}},
		"another CA":   other.Client(),
	} {
		resp, err := c.Get(ts.Issuer + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: the server was trusted", name)
			continue
		}
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("%s: %v, want x509.UnknownAuthorityError", name, err)
		}
	}
	// The right CA, but the wrong name: the certificate is for 127.0.0.1
	// and localhost only.
	c := ts.Client()
	c.Transport.(*http.Transport).TLSClientConfig.ServerName = "evil.example"
	if resp, err := c.Get(ts.Issuer + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("the certificate was accepted for evil.example")
	} else if !errors.As(err, new(x509.HostnameError)) {
		t.Errorf("wrong name: %v, want x509.HostnameError", err)
	}
}

// TestTLSCANameConstraints: the generated CA can vouch only for the hosts
// it was made for, even if its own key signed the certificate.
func TestTLSCANameConstraints(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(TLSHosts(Config{Issuer: "https://mockidp:9443"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		ok   bool
	}{
		{"mockidp", true}, {"localhost", true}, {"app.localhost", true}, {"127.0.0.1", true}, {"::1", true},
		{"evil.example", false}, {"mockidp.evil.example", false}, {"localhost.evil.example", false},
		{"10.0.0.1", false}, {"127.0.0.2", false}, {"fe80::1", false},
	}
	for _, tt := range tests {
		cert, err := ca.Issue([]string{tt.host})
		if err != nil {
			t.Fatalf("Issue(%s): %v", tt.host, err)
		}
		_, err = cert.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: strings.Trim(tt.host, "[]")})
		if tt.ok && err != nil {
			t.Errorf("%s: %v, want verified", tt.host, err)
		}
		var inv x509.CertificateInvalidError
		if !tt.ok && (!errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName) {
			t.Errorf("%s: %v, want CANotAuthorizedForThisName", tt.host, err)
		}
	}
	if ca.Cert.NotAfter.Sub(ca.Cert.NotBefore) > caLifetime+clockSkew || !IsCACert(ca.Cert) || !ca.Cert.MaxPathLenZero {
		t.Errorf("CA validity %v..%v, IsCA %v, MaxPathLenZero %v", ca.Cert.NotBefore, ca.Cert.NotAfter, IsCACert(ca.Cert), ca.Cert.MaxPathLenZero)
	}
	if ca.Cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("CA key algorithm %v, want ECDSA", ca.Cert.PublicKeyAlgorithm)
	}
}

// TestParseCA accepts a CA with its key and refuses a server certificate
// or a key that does not match.
func TestParseCA(t *testing.T) {
	t.Parallel()
	ca, err := NewCA([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		t.Fatal(err)
	}
	caKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: caKey})
	leaf, err := ca.Issue([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[0]})
	leafKey, _ := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	leafKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: leafKey})

	got, err := ParseCA(ca.CertPEM(), caKeyPEM)
	if err != nil {
		t.Fatalf("ParseCA(the CA): %v", err)
	}
	if _, err := got.Issue([]string{"localhost"}); err != nil {
		t.Errorf("a parsed CA cannot issue: %v", err)
	}
	if _, err := ParseCA(leafPEM, leafKeyPEM); err == nil || !strings.Contains(err.Error(), "not a CA") {
		t.Errorf("ParseCA(a server certificate) = %v, want not a CA", err)
	}
	if _, err := ParseCA(ca.CertPEM(), leafKeyPEM); err == nil {
		t.Error("ParseCA with another key succeeded")
	}
	if c, err := ParseCertificatePEM(leafPEM); err != nil || IsCACert(c) {
		t.Errorf("ParseCertificatePEM(leaf) = %v, %v; want a non-CA certificate", c, err)
	}
	if _, err := ParseCertificatePEM([]byte("nothing")); err == nil {
		t.Error("ParseCertificatePEM(garbage) succeeded")
	}
}

func TestTLSHosts(t *testing.T) {
	t.Parallel()
	got := TLSHosts(Config{Issuer: "https://IdP.Example:9443/realms/x", PublicURL: "https://localhost:9443",
		InternalURL: "https://[fd00::1]:9443"}, "mockidp")
	want := []string{"mockidp", "idp.example", "localhost", "fd00::1", "*.localhost", "127.0.0.1", "::1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TLSHosts = %q, want %q", got, want)
	}
	if got := TLSHosts(Config{Issuer: IssuerAuto}); !reflect.DeepEqual(got, []string{"localhost", "*.localhost", "127.0.0.1", "::1"}) {
		t.Errorf("TLSHosts(auto) = %q", got)
	}
}

// TestTLSMultiTestServer serves several issuers over one TLS listener.
func TestTLSMultiTestServer(t *testing.T) {
	t.Parallel()
	servers := NewMultiTestServer(t, []string{"a", "b"}, WithTLS())
	for _, name := range []string{"a", "b"} {
		ts := servers[name]
		ctx, cancel := context.WithTimeout(oidc.ClientContext(context.Background(), ts.Client()), 10*time.Second)
		if _, err := oidc.NewProvider(ctx, ts.Issuer); err != nil || !strings.HasPrefix(ts.Issuer, "https://") {
			t.Errorf("%s: discovery of %s: %v", name, ts.Issuer, err)
		}
		cancel()
	}
}
