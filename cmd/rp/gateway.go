package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/foyer-oidc/foyer/internal/settings"
)

// gateway completes the gateway settings: the access rule of --email-domains,
// --allowed-emails and --allowed-groups first, then the file's rules, and the
// assertion's signing key.
func (a *app) gateway(c *config, res *settings.Result) {
	if len(c.Access.EmailDomains)+len(c.Access.Emails)+len(c.Access.Groups) > 0 {
		a.cfg.Gateway.Rules = append(a.cfg.Gateway.Rules, c.Access)
	}
	for _, r := range c.Rules {
		a.cfg.Gateway.Rules = append(a.cfg.Gateway.Rules, *r)
	}
	if f := c.AssertionKeyFile; f != "" {
		key, err := readECKey(f)
		if err != nil {
			res.Errorf(fmt.Sprintf("%s %q", res.Where(&c.AssertionKeyFile), f), "%v", err)
		}
		a.cfg.Gateway.Assertion.Key = key
	}
}

// readECKey reads a PEM ECDSA private key ("EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY").
func readECKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block: want a PEM P-256 private key")
	}
	switch block.Type {
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an ECDSA key: want a P-256 private key")
		}
		return ec, nil
	}
	return nil, fmt.Errorf("PEM block %q: want EC PRIVATE KEY or PRIVATE KEY", block.Type)
}

// unwrapPath drops the "open PATH: " of an *os.PathError, whose path the
// message already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
