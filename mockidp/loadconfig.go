package mockidp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"
)

// fileConfig is the YAML form of a Config.
type fileConfig struct {
	Issuer           string        `yaml:"issuer"`
	AutoPathPrefix   string        `yaml:"auto_path_prefix"`
	Login            string        `yaml:"login"`
	Alg              string        `yaml:"alg"`
	SigningKey       string        `yaml:"signing_key"`
	SigningKeyFile   string        `yaml:"signing_key_file"`
	Persona          string        `yaml:"persona"`
	PublicURL        string        `yaml:"public_url"`
	InternalURL      string        `yaml:"internal_url"`
	KeyOverlap       time.Duration `yaml:"key_overlap"`
	JWKSCacheControl string        `yaml:"jwks_cache_control"`
	DeviceFlow       bool          `yaml:"device_flow"`
	DeviceInterval   time.Duration `yaml:"device_interval"`
	PAR              bool          `yaml:"par"`
	RequirePAR       bool          `yaml:"require_par"`
	Lifetimes        struct {
		Code         time.Duration `yaml:"code"`
		AccessToken  time.Duration `yaml:"access_token"`
		IDToken      time.Duration `yaml:"id_token"`
		RefreshToken time.Duration `yaml:"refresh_token"`
		Session      time.Duration `yaml:"session"`
		DeviceCode   time.Duration `yaml:"device_code"`
	} `yaml:"lifetimes"`
	Clients []struct {
		ID                     string         `yaml:"id"`
		Secret                 string         `yaml:"secret"`
		RedirectURIs           []string       `yaml:"redirect_uris"`
		PostLogoutRedirectURIs []string       `yaml:"post_logout_redirect_uris"`
		AllowLoopbackRedirects bool           `yaml:"allow_loopback_redirects"`
		BackchannelLogoutURI   string         `yaml:"backchannel_logout_uri"`
		SecretJWTKey           string         `yaml:"secret_jwt_key"`
		AuthMethod             string         `yaml:"auth_method"`
		JWKS                   any            `yaml:"jwks"`
		JWKSURI                string         `yaml:"jwks_uri"`
		AuthSigningAlg         string         `yaml:"auth_signing_alg"`
		GrantTypes             []string       `yaml:"grant_types"`
		Scopes                 []string       `yaml:"scopes"`
		Claims                 map[string]any `yaml:"claims"`
	} `yaml:"clients"`
	TrustedIssuers []struct {
		Issuer  string `yaml:"issuer"`
		JWKS    any    `yaml:"jwks"`
		JWKSURI string `yaml:"jwks_uri"`
	} `yaml:"trusted_issuers"`
	Users []struct {
		Sub    string         `yaml:"sub"`
		Claims map[string]any `yaml:"claims"`
	} `yaml:"users"`
}

// LoadConfig reads a YAML configuration file. Unknown keys are errors;
// a relative signing_key_file is resolved against the file's directory.
// Omitted clients or users mean the defaults. The Logger, clock and HTTP
// client are left for the caller to set. Example:
//
//	issuer: http://127.0.0.1:9400
//	login: form            # or auto
//	alg: ES256             # RS256 (default), PS256, ES256, EdDSA
//	signing_key_file: key.pem
//	persona: keycloak      # entra, google, apple, keycloak, auth0, github, naver, kakao, discord, facebook, x
//	public_url: http://localhost:9400      # split horizon (optional)
//	internal_url: http://mockidp:9400
//	key_overlap: 10m       # how long a rotated-out key stays in the JWKS
//	jwks_cache_control: max-age=300
//	lifetimes: {code: 1m, access_token: 1h, id_token: 1h, refresh_token: 24h, session: 12h}
//	clients:
//	  - id: app
//	    secret: app-secret
//	    redirect_uris: [http://127.0.0.1:8080/auth/callback]
//	    post_logout_redirect_uris: [http://127.0.0.1:8080/]
//	    backchannel_logout_uri: http://127.0.0.1:8080/auth/backchannel-logout
//	  - id: orders-service           # a service: private_key_jwt, its own scopes and claims
//	    auth_method: private_key_jwt
//	    jwks_uri: http://127.0.0.1:8081/jwks.json   # or jwks: {keys: [...]}
//	    grant_types: [client_credentials, urn:ietf:params:oauth:grant-type:token-exchange]
//	    scopes: [orders:read]
//	    claims: {roles: [reader]}
//	trusted_issuers:                 # JWTs accepted in token exchange and JWT bearer grants
//	  - issuer: https://sts.example
//	    jwks_uri: http://127.0.0.1:8082/jwks.json
//	users:
//	  - sub: carol
//	    claims: {email: carol@example.com, email_verified: true, groups: [users]}
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("mockidp: %w", err)
	}
	cfg, err := parseConfig(b, filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("mockidp: config %s: %w", path, err)
	}
	return cfg, nil
}

// parseConfig decodes YAML; dir resolves a relative signing_key_file.
func parseConfig(b []byte, dir string) (Config, error) {
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	cfg := Config{
		Issuer: fc.Issuer, AutoPathPrefix: fc.AutoPathPrefix, Login: fc.Login, Alg: fc.Alg,
		CodeTTL: fc.Lifetimes.Code, AccessTokenTTL: fc.Lifetimes.AccessToken, IDTokenTTL: fc.Lifetimes.IDToken,
		RefreshTokenTTL: fc.Lifetimes.RefreshToken, SessionTTL: fc.Lifetimes.Session,
		Persona: fc.Persona, PublicURL: fc.PublicURL, InternalURL: fc.InternalURL, KeyOverlap: fc.KeyOverlap,
		JWKSCacheControl: fc.JWKSCacheControl,
		DeviceFlow:       fc.DeviceFlow, DeviceInterval: fc.DeviceInterval, DeviceCodeTTL: fc.Lifetimes.DeviceCode,
		PAR: fc.PAR, RequirePAR: fc.RequirePAR,
	}
	switch {
	case fc.SigningKey != "" && fc.SigningKeyFile != "":
		return Config{}, errors.New("set signing_key or signing_key_file, not both")
	case fc.SigningKey != "":
		cfg.SigningKeyPEM = []byte(fc.SigningKey)
	case fc.SigningKeyFile != "":
		p := fc.SigningKeyFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		k, err := os.ReadFile(p)
		if err != nil {
			return Config{}, fmt.Errorf("signing_key_file: %w", err)
		}
		cfg.SigningKeyPEM = k
	}
	if fc.Clients != nil {
		cfg.Clients = make([]Client, 0, len(fc.Clients))
		for _, c := range fc.Clients {
			jwks, err := jwksBytes(c.JWKS)
			if err != nil {
				return Config{}, fmt.Errorf("client %q: %w", c.ID, err)
			}
			cfg.Clients = append(cfg.Clients, Client{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs,
				PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, AllowLoopbackRedirects: c.AllowLoopbackRedirects,
				BackchannelLogoutURI: c.BackchannelLogoutURI, SecretJWTKeyPEM: []byte(c.SecretJWTKey),
				AuthMethod: c.AuthMethod, JWKS: jwks, JWKSURI: c.JWKSURI, AuthSigningAlg: c.AuthSigningAlg,
				GrantTypes: c.GrantTypes, Scopes: c.Scopes, Claims: c.Claims})
		}
	}
	for _, ti := range fc.TrustedIssuers {
		jwks, err := jwksBytes(ti.JWKS)
		if err != nil {
			return Config{}, fmt.Errorf("trusted issuer %q: %w", ti.Issuer, err)
		}
		cfg.TrustedIssuers = append(cfg.TrustedIssuers, TrustedIssuer{Issuer: ti.Issuer, JWKS: jwks, JWKSURI: ti.JWKSURI})
	}
	if fc.Users != nil {
		cfg.Users = make([]User, 0, len(fc.Users))
		for _, u := range fc.Users {
			cfg.Users = append(cfg.Users, User{Subject: u.Sub, Claims: u.Claims})
		}
	}
	return cfg, nil
}

// jwksBytes turns a YAML jwks value (a map, or JSON text) into JSON.
func jwksBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
		return b, nil
	}
	return nil, errors.New("jwks: want a JSON Web Key Set (a map, or JSON text)")
}
