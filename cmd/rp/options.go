package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/foyer-oidc/foyer/internal/serve"
	"github.com/foyer-oidc/foyer/rp"
)

// options are the command-line settings; each flag is also RP_<UPPER_SNAKE> in the
// environment. Flags win over the environment, which wins over the --config file.
type options struct {
	Addr                    string
	PublicURL               string
	Issuer                  string
	ClientID                string
	ClientSecret            string
	ClientSecretFile        string
	Scopes                  string
	CookieSecret            string
	CookieSecretFile        string
	Upstream                string
	SessionStore            string
	Config                  string
	LogFormat               string
	InsecureAllowHTTPIssuer bool
	CheckConfig             bool
	Version                 bool
	quirkOptions            // ops.go
	tuningOptions           // ops.go
	gatewayOptions          // gateway.go
}

// fileConfig is the --config YAML file.
type fileConfig struct {
	Addr             string           `yaml:"addr"`
	PublicURL        string           `yaml:"public_url"`
	CookieSecrets    []string         `yaml:"cookie_secrets"`
	CookieSecretFile string           `yaml:"cookie_secret_file"`
	SessionStore     string           `yaml:"session_store"`
	Upstream         string           `yaml:"upstream"`
	LogFormat        string           `yaml:"log_format"`
	IdleTimeout      time.Duration    `yaml:"idle_timeout"`
	AbsoluteLifetime time.Duration    `yaml:"absolute_lifetime"`
	ClockSkew        time.Duration    `yaml:"clock_skew"`
	Providers        []fileProvider   `yaml:"providers"`
	fileTuning       `yaml:",inline"` // ops.go
	fileGateway      `yaml:",inline"` // gateway.go
}

type fileProvider struct {
	ID                string            `yaml:"id"`
	Name              string            `yaml:"name"`
	Issuer            string            `yaml:"issuer"`
	ClientID          string            `yaml:"client_id"`
	ClientSecret      string            `yaml:"client_secret"`
	ClientSecretFile  string            `yaml:"client_secret_file"`
	Scopes            []string          `yaml:"scopes"`
	AuthParams        map[string]string `yaml:"auth_params"`
	FormPost          bool              `yaml:"form_post"`
	TokenAuth         string            `yaml:"token_auth"`
	SkipUserInfo      bool              `yaml:"skip_userinfo"`
	TrustedAudiences  []string          `yaml:"trusted_audiences"`
	InsecureAllowHTTP bool              `yaml:"insecure_allow_http"`
	fileQuirks        `yaml:",inline"`  // ops.go
}

const defaultAddr = "127.0.0.1:8080"

// parseOptions reads flags, then fills what was not given from the environment.
func parseOptions(args []string, getenv func(string) string, out io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("rp", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "Usage: rp [flags]\n       rp healthcheck\n\nEvery flag can also be set as RP_<NAME> (e.g. RP_CLIENT_ID).\nWith neither --issuer nor --config, rp runs in dev mode with the mock IdP under /mockidp.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Addr, "addr", "", "listen address (default "+defaultAddr+")")
	fs.StringVar(&o.PublicURL, "public-url", "", "the URL people reach rp at (default http:// + addr)")
	fs.StringVar(&o.Issuer, "issuer", "", "the provider's issuer URL; none and no --config: dev mode")
	fs.StringVar(&o.ClientID, "client-id", "", "client id at the provider")
	fs.StringVar(&o.ClientSecret, "client-secret", "", "client secret at the provider (prefer --client-secret-file)")
	fs.StringVar(&o.ClientSecretFile, "client-secret-file", "", "file holding the client secret")
	fs.StringVar(&o.Scopes, "scopes", "", `scopes to request, space- or comma-separated (default "openid profile email")`)
	fs.StringVar(&o.CookieSecret, "cookie-secret", "", "cookie key, at least 32 bytes (prefer --cookie-secret-file)")
	fs.StringVar(&o.CookieSecretFile, "cookie-secret-file", "", "file with cookie keys, one per line; the first encodes, all decode")
	fs.StringVar(&o.Upstream, "upstream", "", "reverse proxy mode: the URL of the app behind rp")
	fs.StringVar(&o.SessionStore, "session-store", "", `"cookie" (default), or a Redis URL shared by every replica: redis://, rediss:// (TLS), redis+sentinel://, redis+cluster://`)
	fs.StringVar(&o.Config, "config", "", "YAML file with everything, several providers included")
	fs.StringVar(&o.LogFormat, "log-format", "", `"text" (default) or "json"`)
	fs.BoolVar(&o.InsecureAllowHTTPIssuer, "insecure-allow-http-issuer", false, "accept a plain-http issuer on a non-loopback host (containers; MUST NOT be used in production)")
	fs.BoolVar(&o.CheckConfig, "check-config", false, "validate the configuration, print every problem and exit")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	o.opsFlags(fs)
	o.gatewayFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, serve.ApplyEnv(fs, "RP_", getenv)
}

// loadFile reads the --config YAML file, rejecting unknown fields.
func loadFile(path string) (*fileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &fc, nil
}

// readSecretFile reads a secret file: trailing newlines are not part of the secret.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// splitList splits "a b,c" into [a b c].
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// providers builds the provider list: the file's, plus one "default" provider from
// --issuer and its flags.
func (o *options) providers(fc *fileConfig) ([]rp.ProviderConfig, error) {
	var out []rp.ProviderConfig
	var errs []error
	for i, fp := range fc.Providers {
		secret := fp.ClientSecret
		if fp.ClientSecretFile != "" && secret != "" {
			errs = append(errs, fmt.Errorf("provider %d (%q): give client_secret or client_secret_file, not both", i, fp.ID))
		}
		if fp.ClientSecretFile != "" {
			s, err := readSecretFile(fp.ClientSecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("provider %d (%q): client secret file: %w", i, fp.ID, err))
			}
			secret = s
		}
		out = append(out, fp.withQuirks(rp.ProviderConfig{
			ID: fp.ID, Name: fp.Name, Issuer: fp.Issuer, ClientID: fp.ClientID, ClientSecret: secret,
			Scopes: fp.Scopes, AuthParams: fp.AuthParams, FormPost: fp.FormPost, TokenAuth: fp.TokenAuth,
			SkipUserInfo: fp.SkipUserInfo, TrustedAudiences: fp.TrustedAudiences,
			InsecureAllowHTTP: fp.InsecureAllowHTTP || o.InsecureAllowHTTPIssuer,
		}))
	}
	if o.Issuer != "" {
		secret := o.ClientSecret
		if o.ClientSecretFile != "" {
			if secret != "" {
				errs = append(errs, errors.New("give --client-secret or --client-secret-file, not both"))
			}
			s, err := readSecretFile(o.ClientSecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("client secret file: %w", err))
			}
			secret = s
		}
		out = append(out, o.withQuirks(rp.ProviderConfig{
			ID: "default", Name: "Sign in", Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: secret,
			Scopes: splitList(o.Scopes), InsecureAllowHTTP: o.InsecureAllowHTTPIssuer,
		}))
	} else if o.ClientID != "" || o.ClientSecret != "" || o.ClientSecretFile != "" {
		errs = append(errs, errors.New("--client-id and --client-secret need --issuer"))
	}
	return out, errors.Join(errs...)
}

// cookieSecrets collects the cookie keys from the flag, the file and the YAML file.
func (o *options) cookieSecrets(fc *fileConfig) ([][]byte, error) {
	var out [][]byte
	if o.CookieSecret != "" {
		out = append(out, []byte(o.CookieSecret))
	}
	file := o.CookieSecretFile
	if file == "" {
		file = fc.CookieSecretFile
	}
	if file != "" {
		s, err := readSecretFile(file)
		if err != nil {
			return nil, fmt.Errorf("cookie secret file: %w", err)
		}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, []byte(line))
			}
		}
	}
	for _, s := range fc.CookieSecrets {
		out = append(out, []byte(s))
	}
	return out, nil
}
