// Command genkeys writes the public development signing keys embedded in
// package mockidp (one PKCS #8 PEM file per algorithm).
//
// The keys it writes are committed to the repository and therefore PUBLIC:
// they exist so that a mock provider starts without spending ~75 ms on RSA key
// generation. They MUST NOT sign anything that a real system trusts.
//
// Run it with go generate ./mockidp (see keys.go). It writes only the files
// that are missing, so existing keys (and their kids) stay stable; delete a
// file to replace it. Besides one key per algorithm it writes extra RSA keys
// (rsa-1.pem ... rsa-7.pem) that give each issuer of a mockidp.Multi its
// own RSA key without generating one at start.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

const header = "PUBLIC DEVELOPMENT KEY of foyer mockidp (committed to git, never trust it)"

func main() {
	out := flag.String("out", "devkeys", "directory to write the PEM files to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genkeys:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	gens := []struct {
		name string
		gen  func() (crypto.Signer, error)
	}{
		{"rs256.pem", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
		{"ps256.pem", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
		{"es256.pem", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }},
		{"eddsa.pem", func() (crypto.Signer, error) {
			_, k, err := ed25519.GenerateKey(rand.Reader)
			return k, err
		}},
	}
	for i := 1; i <= 7; i++ {
		gens = append(gens, struct {
			name string
			gen  func() (crypto.Signer, error)
		}{fmt.Sprintf("rsa-%d.pem", i), func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }})
	}
	for _, g := range gens {
		if _, err := os.Stat(filepath.Join(dir, g.name)); err == nil {
			continue
		}
		key, err := g.gen()
		if err != nil {
			return fmt.Errorf("generate %s: %w", g.name, err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", g.name, err)
		}
		block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Comment": header}, Bytes: der}
		if err := os.WriteFile(filepath.Join(dir, g.name), pem.EncodeToMemory(block), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", g.name, err)
		}
	}
	return nil
}
