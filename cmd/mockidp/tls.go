package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/mockidp"
)

// checkTLS reports the TLS settings that do not fit together.
func (c *config) checkTLS(res *settings.Result) {
	if !c.TLS {
		for _, p := range []*string{&c.TLSCAOut, &c.TLSCert, &c.TLSKey} {
			if *p != "" {
				res.Errorf(res.Where(p), "needs --tls")
			}
		}
		if len(c.TLSHosts) > 0 {
			res.Errorf(res.Where(&c.TLSHosts), "needs --tls")
		}
		return
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		res.Errorf(res.Where(&c.TLSCert), "needs --tls-key too")
	case c.TLSKey != "" && c.TLSCert == "":
		res.Errorf(res.Where(&c.TLSKey), "needs --tls-cert too")
	}
	if u, err := url.Parse(c.IdP.Issuer); err == nil && u.Scheme == "http" {
		res.Errorf(res.Where(&c.IdP.Issuer), "with --tls the issuer must be https://")
	}
	for _, base := range []*string{&c.IdP.PublicURL, &c.IdP.InternalURL} {
		if u, err := url.Parse(*base); err == nil && u.Scheme == "http" {
			res.Errorf(res.Where(base), "with --tls it must be https://")
		}
	}
}

// serverTLS returns the TLS configuration of the server: a certificate for
// cfg's hosts issued by a new CA (or by the CA of --tls-cert), or the
// certificate of --tls-cert itself. With --tls-ca-out it first writes the
// CA certificate to that file.
func (c *config) serverTLS(cfg mockidp.Config) (*tls.Config, error) {
	hosts := mockidp.TLSHosts(cfg, c.TLSHosts...)
	var ca *mockidp.CA
	if c.TLSCert != "" {
		certPEM, err := os.ReadFile(c.TLSCert)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert: %w", err)
		}
		keyPEM, err := os.ReadFile(c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-key: %w", err)
		}
		first, err := mockidp.ParseCertificatePEM(certPEM)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert: %w", err)
		}
		if !mockidp.IsCACert(first) {
			if c.TLSCAOut != "" {
				return nil, errors.New("--tls-ca-out: --tls-cert is a server certificate, not a CA; there is no CA to write")
			}
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
			}
			return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
		}
		if ca, err = mockidp.ParseCA(certPEM, keyPEM); err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
	} else {
		var err error
		if ca, err = mockidp.NewCA(hosts); err != nil {
			return nil, err
		}
	}
	cert, err := ca.Issue(hosts)
	if err != nil {
		return nil, err
	}
	if c.TLSCAOut != "" {
		if err := writeFileAtomic(c.TLSCAOut, ca.CertPEM()); err != nil {
			return nil, fmt.Errorf("--tls-ca-out: %w", err)
		}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so that a reader waiting for the file never sees half of it.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".mockidp-ca-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// healthcheckTLS checks /healthz of a local server started with --tls. It
// trusts the CA of --tls-ca-out (or of a --tls-cert CA) when given; else it
// skips verification, since it only asks a loopback port whether the
// server is alive and sends nothing secret.
func (c *config) healthcheckTLS(ctx context.Context) error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("healthcheck: address %q: %w", c.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} // liveness of a loopback port only
	for _, path := range []string{c.TLSCAOut, c.TLSCert} {
		if path == "" {
			continue
		}
		if b, err := os.ReadFile(path); err == nil {
			if cert, err := mockidp.ParseCertificatePEM(b); err == nil && mockidp.IsCACert(cert) {
				pool := x509.NewCertPool()
				pool.AddCert(cert)
				tc = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
				break
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u := "https://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", u, resp.Status)
	}
	return nil
}
