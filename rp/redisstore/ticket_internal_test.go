package redisstore

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	id, key, ticket := newTicket()
	if gotID, gotKey, ok := parseTicket(ticket); !ok || gotID != id || !bytes.Equal(gotKey, key) {
		t.Fatalf("parseTicket(newTicket()) = %q, %x, %v; want %q, %x, true", gotID, gotKey, ok, id, key)
	}
	in := envelope{
		deadline: time.UnixMilli(1_800_000_000_123),
		idx:      Index{Issuer: "https://idp", Subject: "alice", SID: "s1"},
		data:     []byte("hello"),
	}
	value, err := seal(key, id, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := open(key, id, value)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !out.deadline.Equal(in.deadline) || out.idx != in.idx || !bytes.Equal(out.data, in.data) {
		t.Errorf("open(seal(e)) = %+v, want %+v", out, in)
	}
	again, _ := seal(key, id, in)
	if bytes.Equal(again, value) {
		t.Errorf("two seals of the same envelope are equal, want fresh nonces")
	}

	otherID, otherKey, _ := newTicket()
	for _, tc := range []struct {
		name  string
		key   []byte
		id    string
		value []byte
	}{
		{"wrong key", otherKey, id, value},
		{"wrong id (value moved to another key)", key, otherID, value},
		{"empty", key, id, nil},
		{"version only", key, id, value[:1]},
		{"truncated", key, id, value[:len(value)-1]},
		{"unknown version", key, id, append([]byte{2}, value[1:]...)},
		{"bit flipped", key, id, flipBit(value, len(value)/2)},
		{"tag flipped", key, id, flipBit(value, len(value)-1)},
	} {
		if _, err := open(tc.key, tc.id, tc.value); !errors.Is(err, errOpen) {
			t.Errorf("%s: open err = %v, want errOpen", tc.name, err)
		}
	}
}

func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

// A ciphertext that authenticates but whose plaintext is malformed still opens to
// an error, never a panic: this checks the length-prefix parser on its own.
func TestOpenMalformedPlaintext(t *testing.T) {
	t.Parallel()
	id, key, _ := newTicket()
	aead, _ := newAEAD(key)
	for _, pt := range [][]byte{
		nil,
		{1, 2, 3},                     // shorter than the deadline
		{0, 0, 0, 0, 0, 0, 0, 0},      // no length prefixes
		{0, 0, 0, 0, 0, 0, 0, 0, 200}, // length past the end
		{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // huge uvarint
	} {
		nonce := make([]byte, aead.NonceSize())
		value := append([]byte{formatV1}, nonce...)
		value = aead.Seal(value, nonce, pt, []byte(aadPrefix+id))
		if _, err := open(key, id, value); !errors.Is(err, errOpen) {
			t.Errorf("plaintext %x: open err = %v, want errOpen", pt, err)
		}
	}
}

func FuzzParseTicket(f *testing.F) {
	_, _, ticket := newTicket()
	f.Add(ticket)
	f.Add("")
	f.Add(ticket[:22] + "=" + ticket[23:])
	f.Fuzz(func(t *testing.T, s string) {
		id, key, ok := parseTicket(s)
		if !ok {
			return
		}
		if len(id) != idChars || len(key) != keyBytes || id+"."+b64.EncodeToString(key) != s {
			t.Errorf("parseTicket(%q) accepted a non-canonical ticket: %q, %x", s, id, key)
		}
	})
}

func FuzzOpen(f *testing.F) {
	id, key, _ := newTicket()
	v, _ := seal(key, id, envelope{data: []byte("x")})
	f.Add(v)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, value []byte) {
		_, _ = open(key, id, value) // must not panic
	})
}
