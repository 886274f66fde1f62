package rp

import (
	"strings"
	"testing"
)

func TestSealRotation(t *testing.T) {
	t.Parallel()
	a, b := []byte("0123456789abcdef0123456789abcdef-sealA"), []byte("0123456789abcdef0123456789abcdef-sealB")
	mk := func(secrets ...[]byte) *sealer {
		sl, err := newSealer(secrets)
		if err != nil {
			t.Fatal(err)
		}
		return sl
	}
	plain := []byte("a session record")
	sealedA := mk(a).seal(purposeSession, plain)
	tests := []struct {
		name   string
		opener *sealer
		opens  bool
	}{
		{"same secret", mk(a), true},
		{"rotated: a new secret first, the old one kept", mk(b, a), true},
		{"old secret kept in the middle", mk(b, []byte("0123456789abcdef0123456789abcdef-sealC"), a), true},
		{"old secret removed", mk(b), false},
	}
	for _, tc := range tests {
		got, err := tc.opener.open(purposeSession, sealedA)
		if opened := err == nil && string(got) == string(plain); opened != tc.opens {
			t.Errorf("%s: opened=%v (%v), want %v", tc.name, opened, err, tc.opens)
		}
	}
	// A rotated sealer seals with its first secret: the old one alone cannot open it.
	if _, err := mk(a).open(purposeSession, mk(b, a).seal(purposeSession, plain)); err == nil {
		t.Error("a value sealed after rotation opens with the old secret alone")
	}
	// Two seals of the same plaintext differ (random nonce).
	if mk(a).seal(purposeSession, plain) == sealedA {
		t.Error("two seals of one plaintext are equal")
	}
}

func TestSealRefusesForgeries(t *testing.T) {
	t.Parallel()
	sl, _ := newSealer([][]byte{testSecret})
	other, _ := newSealer([][]byte{otherSecret})
	plain := []byte("alice's session record, long enough to have a middle")
	v := sl.seal(purposeSession, plain)
	raw, _ := sealB64.DecodeString(v)
	enc := func(b []byte) string { return sealB64.EncodeToString(b) }
	with := func(i int, x byte) string {
		b := append([]byte(nil), raw...)
		b[i] ^= x
		return enc(b)
	}
	otherKeyID := append([]byte(nil), raw...)
	copy(otherKeyID[1:sealHeader], other.keys[0].id[:])
	forgeries := map[string]string{
		"version byte":                 with(0, 0x01),
		"key id":                       with(1, 0x80),
		"another configured key's id":  enc(otherKeyID),
		"nonce":                        with(sealHeader, 0x01),
		"first ciphertext byte":        with(sealHeader+sealNonceLen, 0x01),
		"tag, last byte":               with(len(raw)-1, 0x01),
		"cut by one byte":              enc(raw[:len(raw)-1]),
		"one byte appended":            enc(append(append([]byte(nil), raw...), 0)),
		"header only":                  enc(raw[:sealOverhead-1]),
		"empty":                        "",
		"padded":                       v + "==",
		"non-canonical last character": v[:len(v)-1] + string(v[len(v)-1]+1),
		"standard base64 alphabet":     strings.NewReplacer("-", "+", "_", "/").Replace(v) + "+/",
		"sealed for the seen cookie":   sl.seal(purposeSeen, plain),
	}
	for name, f := range forgeries {
		if f == v {
			t.Fatalf("%s: the forgery equals the real value", name)
		}
		if got, err := sl.open(purposeSession, f); err == nil {
			t.Errorf("%s: opened to %q", name, got)
		}
	}
	// Every character of the value replaced by another of the alphabet.
	for i := range len(v) {
		f := v[:i] + substitute(v[i]) + v[i+1:]
		if _, err := sl.open(purposeSession, f); err == nil {
			t.Errorf("character %d of %d replaced: opened", i, len(v))
		}
	}
	if got, err := sl.open(purposeSession, v); err != nil || string(got) != string(plain) {
		t.Errorf("the real value: %q, %v", got, err)
	}
}

// substitute returns another base64url character than c.
func substitute(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// Two secrets whose key ids collide (one chance in 2^32) both still open their values.
func TestSealKeyIDCollision(t *testing.T) {
	t.Parallel()
	a, _ := newSealer([][]byte{[]byte("0123456789abcdef0123456789abcdef-sealA")})
	b, _ := newSealer([][]byte{[]byte("0123456789abcdef0123456789abcdef-sealB")})
	both, _ := newSealer([][]byte{[]byte("0123456789abcdef0123456789abcdef-sealB"), []byte("0123456789abcdef0123456789abcdef-sealA")})
	both.keys[0].id = both.keys[1].id // as if they collided
	b.keys[0].id = both.keys[1].id
	for name, v := range map[string]string{"first key's": b.seal(purposeSession, []byte("b")), "second key's": a.seal(purposeSession, []byte("a"))} {
		if _, err := both.open(purposeSession, v); err != nil {
			t.Errorf("%s value: %v", name, err)
		}
	}
}
