package rp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Sign in with Apple takes no static client secret: the client_secret is an ES256 JWT
// signed with a key from the Apple developer account, at most six months valid.
// rp mints a short-lived one and mints it again before it expires.
const (
	// appleSecretLifetime is how long a minted client secret is valid.
	appleSecretLifetime = time.Hour
	// appleSecretRenew is how long before expiry a new secret is minted.
	appleSecretRenew = 10 * time.Minute
	// appleMaxLifetime is Apple's limit on a client secret's lifetime.
	appleMaxLifetime = 180 * 24 * time.Hour
)

// appleSecret mints Apple client secrets for one client. It is safe for concurrent use.
type appleSecret struct {
	teamID, keyID, clientID, audience string
	key                               *ecdsa.PrivateKey
	now                               func() time.Time
	lifetime                          time.Duration

	mu  sync.Mutex
	cur string
	exp time.Time
}

// validateAppleSecret reports what is missing or wrong in pc's Apple key settings.
func validateAppleSecret(pc ProviderConfig) []error {
	var errs []error
	if pc.AppleTeamID == "" {
		errs = append(errs, errors.New("apple team id is empty"))
	}
	if pc.AppleKeyID == "" {
		errs = append(errs, errors.New("apple key id is empty"))
	}
	if pc.ClientSecret != "" {
		errs = append(errs, errors.New("apple: give a client secret or the apple key settings, not both"))
	}
	if pc.TokenAuth != "" && pc.TokenAuth != "client_secret_post" {
		errs = append(errs, fmt.Errorf("apple: token auth %q: Apple takes client_secret_post", pc.TokenAuth))
	}
	if pc.AppleKeyFile == "" {
		errs = append(errs, errors.New("apple key file is empty"))
	} else if _, err := loadAppleKey(pc.AppleKeyFile); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// loadAppleKey reads a P-256 private key from a PEM file: Apple's .p8 (PKCS #8), or SEC 1.
func loadAppleKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apple key file: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("apple key file %s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("apple key file %s: PEM type %q, want PRIVATE KEY", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("apple key file %s: %w", path, err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("apple key file %s: want an ECDSA P-256 key (ES256)", path)
	}
	return ec, nil
}

// newAppleSecret returns the minter for pc, or nil when pc has no Apple key settings.
func newAppleSecret(pc ProviderConfig, now func() time.Time) (*appleSecret, error) {
	if pc.AppleKeyFile == "" {
		return nil, nil
	}
	key, err := loadAppleKey(pc.AppleKeyFile)
	if err != nil {
		return nil, err
	}
	return &appleSecret{
		teamID: pc.AppleTeamID, keyID: pc.AppleKeyID, clientID: pc.ClientID, audience: pc.Issuer,
		key: key, now: now, lifetime: appleSecretLifetime,
	}, nil
}

// get returns a client secret valid for at least appleSecretRenew more, minting a new
// one when the current one is close to expiry.
func (a *appleSecret) get() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.cur != "" && now.Before(a.exp.Add(-appleSecretRenew)) {
		return a.cur, nil
	}
	s, exp, err := a.mint(now)
	if err != nil {
		return "", err
	}
	a.cur, a.exp = s, exp
	return s, nil
}

// mint signs a client secret: iss the team, sub the client, aud Apple's issuer,
// iat now, exp now + lifetime (capped at Apple's six months).
func (a *appleSecret) mint(now time.Time) (string, time.Time, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: a.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), a.keyID))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("apple client secret: %w", err)
	}
	exp := now.Add(min(a.lifetime, appleMaxLifetime)).Truncate(time.Second)
	claims := jwt.Claims{
		Issuer:   a.teamID,
		Subject:  a.clientID,
		Audience: jwt.Audience{a.audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(exp),
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("apple client secret: %w", err)
	}
	return s, exp, nil
}
