package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestRunTLS starts mockidp --tls --tls-ca-out and checks what a CI job
// in any language does: trust the written CA file, and nothing else.
func TestRunTLS(t *testing.T) {
	t.Parallel()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	issuer, out := start(t, "--tls", "--tls-ca-out", caFile, "--control")
	if !strings.HasPrefix(issuer, "https://127.0.0.1:") {
		t.Fatalf("issuer %s, want https://127.0.0.1:port", issuer)
	}
	if !strings.Contains(out.String(), caFile) {
		t.Errorf("the banner does not name the CA file: %s", out.String())
	}
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("the CA file holds no certificate: %q", b)
	}
	if strings.Contains(string(b), "PRIVATE KEY") {
		t.Fatal("the CA file holds a private key")
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := trusting.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("discovery with the written CA: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"token_endpoint":"`+issuer+`/token"`) {
		t.Errorf("discovery: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, issuer+"/_mock/clock", strings.NewReader(`{"freeze":true}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := trusting.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("control API over TLS: %v %v", resp, err)
	}
	if resp, err := http.Get(issuer + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a client without the CA trusted the server")
	} else if !errors.As(err, new(x509.UnknownAuthorityError)) {
		t.Errorf("without the CA: %v, want x509.UnknownAuthorityError", err)
	}
	addr := strings.TrimPrefix(issuer, "https://")
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr, "--tls", "--tls-ca-out", caFile}, noEnv, io.Discard); err != nil {
		t.Errorf("healthcheck --tls with the CA: %v", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr, "--tls"}, noEnv, io.Discard); err != nil {
		t.Errorf("healthcheck --tls: %v", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, noEnv, io.Discard); err == nil {
		t.Error("a plain-HTTP healthcheck of the TLS server succeeded")
	}
}

// TestRunTLSGivenCertificate: --tls-cert/--tls-key take a CA (certificates
// are issued from it) or a server certificate (served as is).
func TestRunTLSGivenCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, certPEM, keyPEM := testCA(t)
	caCert, caKey := writePair(t, dir, "ca", certPEM, keyPEM)
	lc, lk := leafPair(t, ca)
	leafCert, leafKey := writePair(t, dir, "leaf", lc, lk)
	for name, args := range map[string][]string{
		"a CA":                 {"--tls-cert", caCert, "--tls-key", caKey, "--tls-ca-out", filepath.Join(dir, "out.pem")},
		"a server certificate": {"--tls-cert", leafCert, "--tls-key", leafKey},
	} {
		issuer, _ := start(t, append([]string{"--tls"}, args...)...)
		resp, err := ca.Client().Get(issuer + "/jwks")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: /jwks %d", name, resp.StatusCode)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out.pem")); err != nil || string(b) != string(ca.CertPEM()) {
		t.Errorf("--tls-ca-out with a given CA wrote %q, %v; want that CA", b, err)
	}
}

func TestRunTLSErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, certPEM, keyPEM := testCA(t)
	lc, lk := leafPair(t, ca)
	leafCert, leafKey := writePair(t, dir, "leaf", lc, lk)
	caCert, _ := writePair(t, dir, "ca", certPEM, keyPEM)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ca-out without tls", []string{"--tls-ca-out", filepath.Join(dir, "x.pem")}, "needs --tls"},
		{"cert without tls", []string{"--tls-cert", leafCert, "--tls-key", leafKey}, "needs --tls"},
		{"hosts without tls", []string{"--tls-hosts", "mockidp"}, "needs --tls"},
		{"cert without key", []string{"--tls", "--tls-cert", leafCert}, "needs --tls-key"},
		{"key without cert", []string{"--tls", "--tls-key", leafKey}, "needs --tls-cert"},
		{"http issuer", []string{"--tls", "--issuer", "http://127.0.0.1:9400"}, "must be https"},
		{"http public url", []string{"--tls", "--public-url", "http://localhost:9400"}, "must be https"},
		{"leaf and ca-out", []string{"--tls", "--tls-cert", leafCert, "--tls-key", leafKey, "--tls-ca-out", filepath.Join(dir, "y.pem")}, "not a CA"},
		{"mismatched key", []string{"--tls", "--tls-cert", caCert, "--tls-key", leafKey}, "tls-key"},
		{"missing cert file", []string{"--tls", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", leafKey}, "--tls-cert"},
		{"ca-out in a missing directory", []string{"--tls", "--tls-ca-out", filepath.Join(dir, "no", "such", "ca.pem")}, "--tls-ca-out"},
	}
	for _, tt := range tests {
		args := append([]string{"--addr", "127.0.0.1:0"}, tt.args...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a start that should fail ends here
		err := run(ctx, args, noEnv, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// testCA makes a CA whose key the test holds (as a team's own CA would
// be) and returns it with its PEM certificate and key.
func testCA(t *testing.T) (*mockidp.CA, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "team CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(key)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	ca, err := mockidp.ParseCA(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return ca, certPEM, keyPEM
}

// leafPair issues a server certificate for 127.0.0.1 from ca and returns
// its PEM certificate and key.
func leafPair(t *testing.T, ca *mockidp.CA) ([]byte, []byte) {
	t.Helper()
	leaf, err := ca.Issue([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	lk, _ := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: lk})
}

func writePair(t *testing.T, dir, name string, certPEM, keyPEM []byte) (string, string) {
	t.Helper()
	cp, kp := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cp, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cp, kp
}
