package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/rp"
)

// gatewayOptions are the flags of the gateway features: trusted proxies, forward auth,
// the access rule for every path, and the signed identity assertion.
type gatewayOptions struct {
	TrustedProxies       string
	AllowedRedirectHosts string
	ForwardAuthRedirect  bool
	APIPathPrefixes      string
	PassAccessToken      bool
	EmailDomains         string
	AllowedEmails        string
	AllowedGroups        string
	Assertion            onOff
	AssertionAudience    string
	AssertionKeyFile     string
}

// fileGateway are the gateway keys of the YAML file. Rules per path prefix or
// provider exist only here.
type fileGateway struct {
	TrustedProxies       []string      `yaml:"trusted_proxies"`
	AllowedRedirectHosts []string      `yaml:"allowed_redirect_hosts"`
	ForwardAuthRedirect  bool          `yaml:"forward_auth_redirect"`
	APIPathPrefixes      []string      `yaml:"api_path_prefixes"`
	PassAccessToken      bool          `yaml:"pass_access_token"`
	EmailDomains         []string      `yaml:"email_domains"`
	AllowedEmails        []string      `yaml:"allowed_emails"`
	AllowedGroups        []string      `yaml:"allowed_groups"`
	Assertion            fileAssertion `yaml:"assertion"`
	Rules                []fileRule    `yaml:"rules"`
}

// fileAssertion is the assertion block of the YAML file.
type fileAssertion struct {
	Enabled  bool          `yaml:"enabled"`
	Audience string        `yaml:"audience"`
	KeyFile  string        `yaml:"key_file"`
	Lifetime time.Duration `yaml:"lifetime"`
}

// fileRule is one access rule in the YAML file (see rp.Rule).
type fileRule struct {
	PathPrefix           string              `yaml:"path_prefix"`
	Provider             string              `yaml:"provider"`
	EmailDomains         []string            `yaml:"email_domains"`
	Emails               []string            `yaml:"emails"`
	Groups               []string            `yaml:"groups"`
	Claims               map[string][]string `yaml:"claims"`
	AllowUnverifiedEmail bool                `yaml:"allow_unverified_email"`
}

// onOff is a boolean flag that also accepts "on" and "off".
type onOff struct{ set, on bool }

func (v *onOff) String() string {
	if v == nil || !v.on {
		return "off"
	}
	return "on"
}

func (v *onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on":
		v.on = true
	case "off":
		v.on = false
	default:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want on or off")
		}
		v.on = b
	}
	v.set = true
	return nil
}

// IsBoolFlag lets "--assertion" alone mean on.
func (v *onOff) IsBoolFlag() bool { return true }

// gatewayFlags defines the gateway flags on fs.
func (o *options) gatewayFlags(fs *flag.FlagSet) {
	g := &o.gatewayOptions
	fs.StringVar(&g.TrustedProxies, "trusted-proxies", "", "CIDRs or IPs whose X-Forwarded-*/Forwarded headers are believed, comma-separated (default loopback only)")
	fs.StringVar(&g.AllowedRedirectHosts, "allowed-redirect-hosts", "", "other hosts a sign-in may return to (forward auth), comma-separated")
	fs.BoolVar(&g.ForwardAuthRedirect, "forward-auth-redirect", false, "/auth/verify redirects signed-out navigations to sign in instead of answering 401")
	fs.StringVar(&g.APIPathPrefixes, "api-path-prefixes", "", "path prefixes whose signed-out requests get 401 JSON, never a redirect, comma-separated")
	fs.BoolVar(&g.PassAccessToken, "pass-access-token", false, "send the access token upstream as Authorization: Bearer")
	fs.StringVar(&g.EmailDomains, "email-domains", "", "allow only verified emails at these domains (.example.com: subdomains), comma-separated")
	fs.StringVar(&g.AllowedEmails, "allowed-emails", "", "allow only these verified emails (or --email-domains), comma-separated")
	fs.StringVar(&g.AllowedGroups, "allowed-groups", "", "allow only members of one of these groups, comma-separated")
	fs.Var(&g.Assertion, "assertion", "send a signed identity JWT (X-Foyer-Assertion) upstream and from /auth/verify: on or off (default off)")
	fs.StringVar(&g.AssertionAudience, "assertion-audience", "", "aud of the assertion (default the public URL)")
	fs.StringVar(&g.AssertionKeyFile, "assertion-key-file", "", "PEM P-256 private key signing the assertion (default: a new key at each start)")
}

// applyGateway sets the gateway fields of cfg from the flags (or environment), else
// the file, reporting every problem at once.
func (o *options) applyGateway(fc *fileConfig, cfg *rp.Config) error {
	g, f := &o.gatewayOptions, &fc.fileGateway
	var errs []error
	list := func(flagVal string, fileVal []string) []string {
		if flagVal != "" {
			return splitList(flagVal)
		}
		return fileVal
	}
	for _, s := range list(g.TrustedProxies, f.TrustedProxies) {
		pfx, err := parsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
			continue
		}
		cfg.Gateway.TrustedProxies = append(cfg.Gateway.TrustedProxies, pfx)
	}
	cfg.Gateway.AllowedRedirectHosts = list(g.AllowedRedirectHosts, f.AllowedRedirectHosts)
	cfg.Gateway.ForwardAuthRedirect = g.ForwardAuthRedirect || f.ForwardAuthRedirect
	cfg.Gateway.APIPathPrefixes = list(g.APIPathPrefixes, f.APIPathPrefixes)
	cfg.Gateway.PassAccessToken = g.PassAccessToken || f.PassAccessToken
	global := rp.Rule{
		EmailDomains: list(g.EmailDomains, f.EmailDomains),
		Emails:       list(g.AllowedEmails, f.AllowedEmails),
		Groups:       list(g.AllowedGroups, f.AllowedGroups),
	}
	if len(global.EmailDomains)+len(global.Emails)+len(global.Groups) > 0 {
		cfg.Gateway.Rules = append(cfg.Gateway.Rules, global)
	}
	for _, fr := range f.Rules {
		cfg.Gateway.Rules = append(cfg.Gateway.Rules, rp.Rule{
			PathPrefix: fr.PathPrefix, Provider: fr.Provider, EmailDomains: fr.EmailDomains, Emails: fr.Emails,
			Groups: fr.Groups, Claims: fr.Claims, AllowUnverifiedEmail: fr.AllowUnverifiedEmail,
		})
	}
	a := rp.AssertionConfig{Enabled: f.Assertion.Enabled, Audience: f.Assertion.Audience, Lifetime: f.Assertion.Lifetime}
	if g.Assertion.set {
		a.Enabled = g.Assertion.on
	}
	a.Audience = first(g.AssertionAudience, a.Audience)
	if keyFile := first(g.AssertionKeyFile, f.Assertion.KeyFile); keyFile != "" {
		key, err := readECKey(keyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--assertion-key-file: %w", err))
		}
		a.Key = key
	}
	cfg.Gateway.Assertion = a
	return errors.Join(errs...)
}

// parsePrefix reads a CIDR ("10.0.0.0/8") or a single address ("10.0.0.1").
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
}

// readECKey reads a PEM ECDSA private key ("EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY").
func readECKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
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
			return nil, errors.New("not an ECDSA key")
		}
		return ec, nil
	}
	return nil, fmt.Errorf("PEM block %q: want EC PRIVATE KEY or PRIVATE KEY", block.Type)
}
