package rp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksServer serves a key set that tests can rotate, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches atomic.Int64
}

func (j *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	j.fetches.Add(1)
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: j.keys})
}

func newSigner(t *testing.T, kid string) (jose.Signer, jose.JSONWebKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

func sign(t *testing.T, s jose.Signer) string {
	t.Helper()
	obj, err := s.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := obj.CompactSerialize()
	return out
}

func TestKeySetRefetchCooldown(t *testing.T) {
	t.Parallel()
	signer1, pub1 := newSigner(t, "k1")
	signer2, pub2 := newSigner(t, "k2")
	forger, _ := newSigner(t, "forged")
	js := &jwksServer{keys: []jose.JSONWebKey{pub1}}
	srv := httptest.NewServer(js)
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	ks := newKeySet(srv.URL, srv.Client(), clock.Now, 30*time.Second, []string{"ES256"})
	ctx := t.Context()
	if _, err := ks.VerifySignature(ctx, sign(t, signer1)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if n := js.fetches.Load(); n != 1 {
		t.Fatalf("fetches after the first token = %d, want 1", n)
	}
	clock.Advance(time.Minute)
	// 100 forged tokens, sequential and concurrent: at most one refetch within the cooldown.
	forged := sign(t, forger)
	for range 50 {
		if _, err := ks.VerifySignature(ctx, forged); !errors.Is(err, errNoKey) {
			t.Fatalf("forged token: err = %v, want errNoKey", err)
		}
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = ks.VerifySignature(ctx, forged) })
	}
	wg.Wait()
	if n := js.fetches.Load(); n != 2 {
		t.Errorf("fetches after 100 forged tokens = %d, want 2 (one refetch)", n)
	}
	// A real rotation after the cooldown is picked up on first sight of the new kid.
	js.mu.Lock()
	js.keys = []jose.JSONWebKey{pub1, pub2}
	js.mu.Unlock()
	clock.Advance(31 * time.Second)
	if _, err := ks.VerifySignature(ctx, sign(t, signer2)); err != nil {
		t.Fatalf("token with the rotated key: %v", err)
	}
	if n := js.fetches.Load(); n != 3 {
		t.Errorf("fetches after the rotation = %d, want 3", n)
	}
	// Known keys verify without any fetch.
	for range 10 {
		if _, err := ks.VerifySignature(ctx, sign(t, signer1)); err != nil {
			t.Fatal(err)
		}
	}
	if n := js.fetches.Load(); n != 3 {
		t.Errorf("fetches for known keys = %d, want still 3", n)
	}
}

func TestKeySetRejectsDisallowedAlgorithms(t *testing.T) {
	t.Parallel()
	hs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&jwksServer{})
	t.Cleanup(srv.Close)
	ks := newKeySet(srv.URL, srv.Client(), time.Now, time.Minute, allowedAlgs([]string{"HS256", "none", "RS256"}))
	if _, err := ks.VerifySignature(t.Context(), sign(t, hs)); err == nil {
		t.Error("an HS256 token was accepted")
	}
	if got := allowedAlgs([]string{"HS256", "none", "RS256", "ES256"}); strings.Join(got, ",") != "RS256,ES256" {
		t.Errorf("allowedAlgs = %q, want [RS256 ES256]", got)
	}
}

// A JWT is a compact JWS: the JSON serialization of the very same signature, and the
// compact form with spaces or tabs in it, are refused.
func TestKeySetTakesCompactJWSOnly(t *testing.T) {
	t.Parallel()
	s, pub := newSigner(t, "k1")
	srv := httptest.NewServer(&jwksServer{keys: []jose.JSONWebKey{pub}})
	t.Cleanup(srv.Close)
	ks := newKeySet(srv.URL, srv.Client(), time.Now, time.Minute, []string{"ES256"})
	compact := sign(t, s)
	parts := strings.Split(compact, ".")
	flattened := `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`
	if _, err := ks.VerifySignature(t.Context(), compact); err != nil {
		t.Fatalf("the compact token: %v", err)
	}
	for name, tok := range map[string]string{
		"JSON serialization":     flattened,
		"a space before":         " " + compact,
		"a tab in the signature": parts[0] + "." + parts[1] + "." + parts[2][:10] + "\t" + parts[2][10:],
	} {
		if _, err := ks.VerifySignature(t.Context(), tok); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
