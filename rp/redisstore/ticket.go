package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Ticket layout: base64url(16-byte session id) "." base64url(32-byte key), no padding.
const (
	idBytes   = 16
	keyBytes  = 32
	idChars   = 22 // base64.RawURLEncoding.EncodedLen(idBytes)
	keyChars  = 43 // base64.RawURLEncoding.EncodedLen(keyBytes)
	ticketLen = idChars + 1 + keyChars

	// formatV1 is the first byte of every stored session value.
	formatV1 = 1
	// aadPrefix binds a ciphertext to its purpose; the session id follows it.
	aadPrefix = "foyer-session-v1\x00"
)

var b64 = base64.RawURLEncoding.Strict()

// newTicket returns a fresh session id (as it appears in the ticket and in Redis)
// and a fresh key, both from crypto/rand.
func newTicket() (id string, key []byte, ticket string) {
	raw := make([]byte, idBytes+keyBytes)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	id = b64.EncodeToString(raw[:idBytes])
	key = raw[idBytes:]
	return id, key, id + "." + b64.EncodeToString(key)
}

// parseTicket splits a ticket into its session id and key. It accepts only the
// exact length and canonical base64url, so a ticket has one spelling.
func parseTicket(ticket string) (id string, key []byte, ok bool) {
	if len(ticket) != ticketLen || ticket[idChars] != '.' {
		return "", nil, false
	}
	id = ticket[:idChars]
	if raw, err := b64.DecodeString(id); err != nil || len(raw) != idBytes {
		return "", nil, false
	}
	key, err := b64.DecodeString(ticket[idChars+1:])
	if err != nil || len(key) != keyBytes {
		return "", nil, false
	}
	return id, key, true
}

// SessionID returns the session id part of a well-formed ticket, for use as the
// name of a [Store.Lock] or in logs (it is not a secret: without the key it opens
// nothing). It reports false for anything that is not a ticket.
func SessionID(ticket string) (string, bool) {
	id, _, ok := parseTicket(ticket)
	return id, ok
}

// envelope is what is encrypted: the absolute deadline and the index entries, which
// Update and Delete need, and the caller's data.
type envelope struct {
	deadline time.Time
	idx      Index
	data     []byte
}

// seal encrypts e with key under AES-256-GCM, the session id as additional data:
// formatV1 | nonce (12) | ciphertext+tag.
func seal(key []byte, id string, e envelope) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	pt := binary.BigEndian.AppendUint64(nil, uint64(e.deadline.UnixMilli()))
	for _, f := range []string{e.idx.Issuer, e.idx.Subject, e.idx.SID} {
		pt = binary.AppendUvarint(pt, uint64(len(f)))
		pt = append(pt, f...)
	}
	pt = append(pt, e.data...)
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(pt)+aead.Overhead())
	out[0] = formatV1
	_, _ = rand.Read(out[1:])
	return aead.Seal(out, out[1:], pt, []byte(aadPrefix+id)), nil
}

// errOpen is returned by open for anything that does not decrypt and parse.
var errOpen = errors.New("redisstore: value does not open")

// open decrypts and parses a value written by seal. Any failure, including a wrong
// key, is errOpen; GCM compares the tag in constant time.
func open(key []byte, id string, value []byte) (envelope, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return envelope{}, err
	}
	ns := aead.NonceSize()
	if len(value) < 1+ns+aead.Overhead() || value[0] != formatV1 {
		return envelope{}, errOpen
	}
	pt, err := aead.Open(nil, value[1:1+ns], value[1+ns:], []byte(aadPrefix+id))
	if err != nil || len(pt) < 8 {
		return envelope{}, errOpen
	}
	e := envelope{deadline: time.UnixMilli(int64(binary.BigEndian.Uint64(pt)))}
	pt = pt[8:]
	for _, f := range []*string{&e.idx.Issuer, &e.idx.Subject, &e.idx.SID} {
		n, k := binary.Uvarint(pt)
		if k <= 0 || n > uint64(len(pt)-k) {
			return envelope{}, errOpen
		}
		*f = string(pt[k : k+int(n)])
		pt = pt[k+int(n):]
	}
	e.data = pt
	return e, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
