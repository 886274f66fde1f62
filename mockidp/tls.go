package mockidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// TLS for development: a provider served over HTTPS needs a certificate
// for its issuer's host that the relying party under test trusts, and
// nothing else should trust it. [NewCA] makes a throw-away certificate
// authority (ECDSA P-256: about a millisecond, unlike RSA) whose private
// key never leaves the process; its certificate is what a test trusts
// (cmd/mockidp --tls-ca-out writes it to a file). The CA is limited by
// X.509 name constraints to the names it was made for, so even a CA
// certificate installed in a system trust store by mistake cannot vouch
// for any other site.

// caLifetime and leafLifetime bound the generated certificates; a
// provider is restarted far more often.
const (
	caLifetime   = 30 * 24 * time.Hour
	leafLifetime = 30 * 24 * time.Hour
	clockSkew    = time.Hour // NotBefore is back-dated by this much
)

// CA is a certificate authority that issues the provider's TLS server
// certificates.
type CA struct {
	// Cert is the CA certificate.
	Cert *x509.Certificate
	key  crypto.Signer
}

// NewCA makes a new ECDSA P-256 certificate authority valid for 30 days
// that may only issue certificates for hosts (DNS names, IP addresses;
// see [TLSHosts]). Its private key is kept in memory only.
func NewCA(hosts []string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("mockidp: CA key: %w", err)
	}
	now := time.Now()
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mockidp development CA " + serial.Text(16)[:8], Organization: []string{"mockidp (development only)"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	tmpl.PermittedDNSDomainsCritical = true
	for _, h := range hosts {
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			bits := 8 * len(ip.To16())
			if v4 := ip.To4(); v4 != nil {
				ip, bits = v4, 32
			}
			tmpl.PermittedIPRanges = append(tmpl.PermittedIPRanges, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		} else {
			tmpl.PermittedDNSDomains = append(tmpl.PermittedDNSDomains, strings.TrimPrefix(h, "*"))
		}
	}
	if len(tmpl.PermittedIPRanges) == 0 { // no constraint would mean any IP
		tmpl.ExcludedIPRanges = []*net.IPNet{{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}, {IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("mockidp: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("mockidp: CA certificate: %w", err)
	}
	return &CA{Cert: cert, key: key}, nil
}

// ParseCA reads a CA certificate and its private key from PEM, e.g. a
// team's own development CA. The certificate must be a CA allowed to sign
// certificates.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, key, err := parseCertAndKey(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	if !IsCACert(cert) {
		return nil, errors.New("mockidp: the certificate is not a CA that may sign certificates")
	}
	return &CA{Cert: cert, key: key}, nil
}

// IsCACert reports whether cert is a CA certificate allowed to sign
// certificates.
func IsCACert(cert *x509.Certificate) bool {
	return cert.BasicConstraintsValid && cert.IsCA && cert.KeyUsage&x509.KeyUsageCertSign != 0
}

// ParseCertificatePEM returns the first certificate of a PEM file.
func ParseCertificatePEM(certPEM []byte) (*x509.Certificate, error) {
	for b, rest := pem.Decode(certPEM); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("mockidp: certificate: %w", err)
			}
			return c, nil
		}
	}
	return nil, errors.New("mockidp: no CERTIFICATE PEM block found")
}

func parseCertAndKey(certPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: certificate and key: %w", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: certificate: %w", err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("mockidp: unsupported key type %T", pair.PrivateKey)
	}
	return cert, key, nil
}

// CertPEM returns the CA certificate as PEM: what a client must trust.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Pool returns a certificate pool holding the CA certificate only.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Client returns an HTTP client that trusts this CA and nothing else.
func (ca *CA) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Issue makes an ECDSA P-256 server certificate for hosts (DNS names,
// "*.name" wildcards, IP addresses), valid for 30 days or until the CA
// expires, whichever comes first.
func (ca *CA) Issue(hosts []string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		return tls.Certificate{}, errors.New("mockidp: a certificate needs at least one host")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockidp: server key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	notAfter := now.Add(leafLifetime)
	if ca.Cert.NotAfter.Before(notAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockidp: server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockidp: server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// TLSHosts returns the names a provider's certificate must cover: the
// hosts of cfg's fixed Issuer, PublicURL and InternalURL, then localhost,
// *.localhost, 127.0.0.1 and ::1. Extra hosts (e.g. a docker compose
// service name for an auto issuer) come first.
func TLSHosts(cfg Config, extra ...string) []string {
	var hosts []string
	add := func(h string) {
		h = strings.ToLower(strings.Trim(h, "[]"))
		if h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	for _, h := range extra {
		add(h)
	}
	for _, s := range []string{cfg.Issuer, cfg.PublicURL, cfg.InternalURL} {
		if u, err := url.Parse(s); err == nil && s != IssuerAuto {
			add(u.Hostname())
		}
	}
	for _, h := range []string{"localhost", "*.localhost", "127.0.0.1", "::1"} {
		add(h)
	}
	return hosts
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("mockidp: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
