package rp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealed values (the session cookie, the last-seen cookie) are
//
//	base64url( version | key id (4) | nonce (12) | AES-256-GCM ciphertext and tag (16) )
//
// with the purpose (the cookie's base name), the version and the key id as additional
// data, so a value sealed for one cookie never opens as another. Each cookie secret
// gives one key and one key id through HKDF-SHA256; the first secret's key seals, and a
// value opens with the key its id names, which is key rotation without trial decryption.
// Nonces are random: a secret should seal fewer than 2^32 values (NIST SP 800-38D 8.3);
// rotate it long before (rp writes a session cookie at sign-in and refresh, and a
// last-seen cookie at most once per touch interval).
const (
	sealVersion  = 2
	sealKeyIDLen = 4
	sealNonceLen = 12
	sealTagLen   = 16
	sealHeader   = 1 + sealKeyIDLen                       // version and key id: the additional data after the purpose
	sealOverhead = sealHeader + sealNonceLen + sealTagLen // bytes a seal adds to its plaintext
)

// Purposes of sealed values, one per cookie.
const (
	purposeSession = "foyer_session"
	purposeSeen    = "foyer_seen"
)

// sealB64 is the encoding of sealed values: canonical unpadded base64url, so one value
// has one spelling.
var sealB64 = base64.RawURLEncoding.Strict()

// errUnsealed means a sealed value did not open: malformed, forged, for another
// purpose, or sealed with a key that is no longer configured.
var errUnsealed = errors.New("rp: sealed value does not open")

// sealer seals and opens values with the keys derived from the cookie secrets.
type sealer struct {
	keys []sealKey // keys[0] seals
}

type sealKey struct {
	id   [sealKeyIDLen]byte
	aead cipher.AEAD
}

// newSealer derives one AES-256-GCM key and its id from each secret.
func newSealer(secrets [][]byte) (*sealer, error) {
	sl := &sealer{keys: make([]sealKey, 0, len(secrets))}
	for i, s := range secrets {
		key, err := hkdf.Key(sha256.New, s, nil, "foyer session v2 aes-256-gcm key", 32)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		id, err := hkdf.Key(sha256.New, s, nil, "foyer session v2 key id", sealKeyIDLen)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cookie secret %d: %w", i, err)
		}
		k := sealKey{aead: aead}
		copy(k.id[:], id)
		sl.keys = append(sl.keys, k)
	}
	return sl, nil
}

// additionalData returns purpose || 0 || header in buf's storage.
func additionalData(buf []byte, purpose string, header []byte) []byte {
	buf = append(buf[:0], purpose...)
	buf = append(buf, 0)
	return append(buf, header...)
}

// seal encrypts plain for purpose with the sealing key and returns the cookie value.
func (sl *sealer) seal(purpose string, plain []byte) string {
	k := &sl.keys[0]
	raw := make([]byte, sealHeader+sealNonceLen, sealOverhead+len(plain))
	raw[0] = sealVersion
	copy(raw[1:sealHeader], k.id[:])
	_, _ = rand.Read(raw[sealHeader:]) // crypto/rand.Read never fails
	var adBuf [32]byte
	ad := additionalData(adBuf[:], purpose, raw[:sealHeader])
	raw = k.aead.Seal(raw, raw[sealHeader:sealHeader+sealNonceLen], plain, ad)
	var sb strings.Builder
	sb.Grow(sealB64.EncodedLen(len(raw)))
	enc := base64.NewEncoder(sealB64, &sb) // no intermediate copy of the value
	_, _ = enc.Write(raw)
	_ = enc.Close()
	return sb.String()
}

// open authenticates and decrypts a value sealed for purpose with any configured key.
// The plaintext is in a new slice that the caller owns.
func (sl *sealer) open(purpose, value string) ([]byte, error) {
	if len(value) < sealB64.EncodedLen(sealOverhead) || len(value) > sealB64.EncodedLen(maxChunks*chunkSize) {
		return nil, errUnsealed
	}
	raw, err := sealB64.DecodeString(value)
	if err != nil || len(raw) < sealOverhead || raw[0] != sealVersion {
		return nil, errUnsealed
	}
	var adBuf [32]byte
	ad := additionalData(adBuf[:], purpose, raw[:sealHeader])
	nonce := raw[sealHeader : sealHeader+sealNonceLen]
	ct := raw[sealHeader+sealNonceLen:]
	// Key ids are 32 bits: two secrets may share one. A failed Open clears its
	// output, so only the last candidate opens in place.
	last := -1
	for i := range sl.keys {
		if [sealKeyIDLen]byte(raw[1:sealHeader]) == sl.keys[i].id {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		k := &sl.keys[i]
		if [sealKeyIDLen]byte(raw[1:sealHeader]) != k.id {
			continue
		}
		var dst []byte
		if i == last {
			dst = ct[:0] // the plaintext overwrites the ciphertext's first bytes
		}
		if plain, err := k.aead.Open(dst, nonce, ct, ad); err == nil {
			return plain, nil
		}
	}
	return nil, errUnsealed
}
