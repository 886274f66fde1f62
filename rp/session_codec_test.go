package rp

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// idToken returns an unsigned JWT-shaped token carrying claims (the codec never
// checks signatures: the ID token was verified at sign-in).
func idToken(claims map[string]any) string {
	js, _ := json.Marshal(claims)
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(js) + ".c2ln"
}

// sameSession reports how got differs from want in what a session record keeps.
func sameSession(got, want *Session) string {
	var d []string
	str := func(name, g, w string) {
		if g != w {
			d = append(d, name+": got "+truncate(g, 40)+", want "+truncate(w, 40))
		}
	}
	tm := func(name string, g, w time.Time) {
		if !g.Equal(w) || g.IsZero() != w.IsZero() {
			d = append(d, name+": got "+g.String()+", want "+w.String())
		}
	}
	str("ID", got.ID, want.ID)
	str("Provider", got.Provider, want.Provider)
	str("Issuer", got.Issuer, want.Issuer)
	str("Subject", got.Subject, want.Subject)
	str("SID", got.SID, want.SID)
	str("CSRF", got.CSRF, want.CSRF)
	str("AccessToken", got.Tokens.AccessToken, want.Tokens.AccessToken)
	str("RefreshToken", got.Tokens.RefreshToken, want.Tokens.RefreshToken)
	str("IDToken", got.Tokens.IDToken, want.Tokens.IDToken)
	tm("CreatedAt", got.CreatedAt, want.CreatedAt)
	tm("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	tm("LastSeen", got.LastSeen, want.LastSeen)
	tm("Tokens.Expiry", got.Tokens.Expiry, want.Tokens.Expiry)
	gx, _ := json.Marshal(got.Extra)
	wx, _ := json.Marshal(want.Extra)
	str("Extra", string(gx), string(wx))
	return strings.Join(d, "; ")
}

func TestSessionRecordRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
	tests := []struct {
		name string
		s    Session
	}{
		{"minimal", Session{ID: "x"}},
		{"every field", Session{
			ID: "id-1", Provider: "corp", Issuer: "https://idp.localhost", Subject: "alice", SID: "sid-1",
			Extra: map[string]any{"department": "R&D", "n": 3.5, "list": []any{"a", "b"}}, CSRF: "csrf-1",
			CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour), LastSeen: now.Add(time.Minute),
			Tokens: Tokens{AccessToken: "at", RefreshToken: "rt", IDToken: idToken(map[string]any{"sub": "alice"}), Expiry: now.Add(time.Hour)},
		}},
		{"no refresh token, zero expiry", Session{ID: "id-2", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now,
			Tokens: Tokens{AccessToken: "at"}}},
		{"the Unix epoch is not the zero time", Session{ID: "id-3", CreatedAt: time.Unix(0, 0), LastSeen: time.Unix(-1, 999999999)}},
		{"empty Extra is kept apart from none", Session{ID: "id-4", Extra: map[string]any{}}},
		{"non-ASCII and NUL bytes", Session{ID: "id\x005", Subject: "사용자", SID: "\xff\xfe", CSRF: strings.Repeat("é", 300)}},
		{"incompressible tokens", Session{ID: "id-6", Tokens: Tokens{AccessToken: randomString(3000), RefreshToken: randomString(40)}}},
		{"JWTs and look-alikes", Session{ID: "id-7", Tokens: Tokens{
			AccessToken:  idToken(map[string]any{"scope": "openid"}),
			IDToken:      "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.", // empty signature
			RefreshToken: "YQ.YR.YQ",                        // "YR": bits past the byte are not zero
		}}},
		{"dots but no JWT", Session{ID: "id-8", Tokens: Tokens{AccessToken: "a.b.c.d", RefreshToken: "..", IDToken: "YQ.Y\nQ.YQ"}}},
		{"a carriage return in a segment", Session{ID: "id-10", Tokens: Tokens{AccessToken: "YQ.Y\rQ.YQ"}}},
		{"standard base64 in a segment", Session{ID: "id-9", Tokens: Tokens{AccessToken: "YQ.a+b/.YQ", IDToken: "YQ==.YQ.YQ"}}},
	}
	for _, tc := range tests {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, compress %v", tc.name, compress), func(t *testing.T) {
				rec, err := tc.s.appendRecord(nil, compress)
				if err != nil {
					t.Fatalf("appendRecord: %v", err)
				}
				var full Session
				if err := full.UnmarshalBinary(rec); err != nil {
					t.Fatalf("UnmarshalBinary: %v", err)
				}
				if d := sameSession(&full, &tc.s); d != "" {
					t.Errorf("full decode: %s", d)
				}
				if (full.Extra == nil) != (tc.s.Extra == nil) {
					t.Errorf("Extra nil = %v, want %v", full.Extra == nil, tc.s.Extra == nil)
				}
				lazy, err := decodeRecord(rec, true)
				if err != nil {
					t.Fatalf("lazy decode: %v", err)
				}
				if lazy.Tokens.AccessToken != "" || lazy.Tokens.RefreshToken != "" || lazy.Tokens.IDToken != "" || lazy.CSRF != "" || lazy.Extra != nil {
					t.Errorf("lazy decode filled the tokens part: %+v", lazy.Tokens)
				}
				if !lazy.Tokens.Expiry.Equal(tc.s.Tokens.Expiry) || lazy.hasRefreshToken() != (tc.s.Tokens.RefreshToken != "") {
					t.Errorf("lazy decode: expiry %v, refresh token %v; want %v, %v", lazy.Tokens.Expiry, lazy.hasRefreshToken(), tc.s.Tokens.Expiry, tc.s.Tokens.RefreshToken != "")
				}
				// Saved again while lazy (a touch, say): the tokens part is kept as it was.
				lazy.LastSeen = now.Add(2 * time.Minute)
				again, err := lazy.MarshalBinary()
				if err != nil {
					t.Fatalf("MarshalBinary of a lazy session: %v", err)
				}
				var back Session
				if err := back.UnmarshalBinary(again); err != nil {
					t.Fatalf("UnmarshalBinary after a lazy save: %v", err)
				}
				want := tc.s
				want.LastSeen = lazy.LastSeen
				if d := sameSession(&back, &want); d != "" {
					t.Errorf("after a lazy save: %s", d)
				}
				if err := lazy.unpack(); err != nil {
					t.Fatalf("unpack: %v", err)
				}
				if d := sameSession(lazy, &want); d != "" {
					t.Errorf("unpacked: %s", d)
				}
			})
		}
	}
}

func TestSessionRecordIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims map[string]any
		extra  map[string]any
		want   User // Email, Name, PreferredUsername, Groups
	}{
		{"verified email, list of groups",
			map[string]any{"email": "a@example.com", "email_verified": true, "name": "A", "preferred_username": "a", "groups": []any{"admins", "users"}},
			nil, User{Email: "a@example.com", Name: "A", PreferredUsername: "a", Groups: []string{"admins", "users"}}},
		{"unverified email is not the user's email",
			map[string]any{"email": "a@example.com", "email_verified": false}, nil, User{Groups: []string{}}},
		{"email_verified as a string is not verified",
			map[string]any{"email": "a@example.com", "email_verified": "true"}, nil, User{Groups: []string{}}},
		{"one group as a string", map[string]any{"groups": "admins"}, nil, User{Groups: []string{"admins"}}},
		{"userinfo claims over the ID token's",
			map[string]any{"name": "Old", "groups": []any{"a"}},
			map[string]any{"name": "New", "groups": []any{"b", 3, "c"}, "email": "n@example.com", "email_verified": true},
			User{Name: "New", Email: "n@example.com", Groups: []string{"b", "c"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Session{ID: "id", Extra: tc.extra, Tokens: Tokens{IDToken: idToken(tc.claims)}}
			rec, err := s.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			lazy, err := decodeRecord(rec, true)
			if err != nil {
				t.Fatal(err)
			}
			for name, u := range map[string]*User{"lazy": userFromSession(lazy), "full": userFromSession(s)} {
				if u.Email != tc.want.Email || u.Name != tc.want.Name || u.PreferredUsername != tc.want.PreferredUsername ||
					strings.Join(u.Groups, "|") != strings.Join(tc.want.Groups, "|") || u.Groups == nil {
					t.Errorf("%s: user %q %q %q %q, want %q %q %q %q", name, u.Email, u.Name, u.PreferredUsername, u.Groups,
						tc.want.Email, tc.want.Name, tc.want.PreferredUsername, tc.want.Groups)
				}
			}
			if u := userFromSession(lazy); u.Claims != nil || u.AccessToken() != "" {
				t.Errorf("a lazy session's user has claims %v or an access token", u.Claims)
			}
		})
	}
}

// record builds a record by hand: identity fields as given, then the tokens part.
func record(format byte, identity, tokens []byte) []byte {
	b := []byte{format}
	b = binary.AppendUvarint(b, uint64(len(identity)))
	b = append(b, identity...)
	return append(b, tokens...)
}

// identityPart builds an identity part with flags, id and n groups; extra is appended.
func identityPart(flags uint64, id string, groups uint64, extra ...byte) []byte {
	b := binary.AppendUvarint(nil, flags)
	for _, f := range []string{id, "p", "iss", "sub", "sid"} {
		b = appendStr(b, f)
	}
	b = append(b, 0, 0, 0, 0) // four zero times
	b = append(b, 0, 0, 0)    // email, name, preferred_username
	b = binary.AppendUvarint(b, groups)
	for range groups {
		b = appendStr(b, "g")
	}
	return append(b, extra...)
}

func tokensPart(fields ...string) []byte {
	var b []byte
	for _, f := range fields {
		b = appendStr(b, f)
	}
	return b
}

func TestSessionRecordMalformed(t *testing.T) {
	t.Parallel()
	good := identityPart(0, "id", 1)
	goodTokens := tokensPart("at", "", "idt", "csrf", "")
	if _, err := decodeRecord(record(recordFormat, good, goodTokens), false); err != nil {
		t.Fatalf("the well-formed base case does not decode: %v", err)
	}
	tests := []struct {
		name string
		rec  []byte
	}{
		{"empty", nil},
		{"format only", []byte{recordFormat}},
		{"unknown format", record(2, good, goodTokens)},
		{"format 0", record(0, good, goodTokens)},
		{"identity length past the end", append([]byte{recordFormat}, binary.AppendUvarint(nil, uint64(len(good)+1))...)},
		{"identity length overflows", append([]byte{recordFormat}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"trailing byte in identity", record(recordFormat, identityPart(0, "id", 1, 0), goodTokens)},
		{"identity cut short", record(recordFormat, good[:len(good)-1], goodTokens)},
		{"unknown flag", record(recordFormat, identityPart(1<<7, "id", 1), goodTokens)},
		{"empty session id", record(recordFormat, identityPart(0, "", 1), goodTokens)},
		{"more groups than bytes", record(recordFormat, identityPart(0, "id", 0, 0)[:len(identityPart(0, "id", 0))-1], nil)},
		{"groups count huge", record(recordFormat, append(identityPart(0, "id", 0)[:len(identityPart(0, "id", 0))-1], 0xff, 0xff, 0x03), nil)},
		{"tokens part cut short", record(recordFormat, good, goodTokens[:len(goodTokens)-1])},
		{"tokens part with a trailing byte", record(recordFormat, good, append(tokensPart("at", "", "idt", "csrf", ""), 0))},
		{"refresh token but no flag", record(recordFormat, good, tokensPart("at", "rt", "idt", "csrf", ""))},
		{"flag but no refresh token", record(recordFormat, identityPart(flagRefreshToken, "id", 1), goodTokens)},
		{"extra not JSON", record(recordFormat, good, tokensPart("at", "", "idt", "csrf", "{"))},
		{"extra null", record(recordFormat, good, tokensPart("at", "", "idt", "csrf", "null"))},
		{"extra a list", record(recordFormat, good, tokensPart("at", "", "idt", "csrf", "[1]"))},
		{"compressed flag on raw bytes", record(recordFormat, identityPart(flagCompressed, "id", 1), goodTokens)},
		{"unknown token kind", record(recordFormat, identityPart(flagTokenKinds, "id", 1), append([]byte{7}, tokensPart("at", "", "idt", "csrf", "")...))},
		{"JWT kind cut short", record(recordFormat, identityPart(flagTokenKinds, "id", 1), []byte{tokenJWT, 2, 'a'})},
		{"no token at all", record(recordFormat, identityPart(flagTokenKinds, "id", 1), nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeRecord(tc.rec, false); !errors.Is(err, errRecord) {
				t.Errorf("full decode: error %v, want errRecord", err)
			}
		})
	}
	// Every truncation of a real record fails.
	rec, _ := (&Session{ID: "id", Subject: "alice", Tokens: Tokens{AccessToken: "at", RefreshToken: "rt"}}).MarshalBinary()
	for i := range len(rec) {
		if _, err := decodeRecord(rec[:i], false); err == nil {
			t.Errorf("record cut to %d of %d bytes decodes", i, len(rec))
		}
	}
}

// A compressed tokens part that inflates past the limit is refused.
func TestSessionRecordDecompressionBomb(t *testing.T) {
	t.Parallel()
	s := &Session{ID: "id", Tokens: Tokens{AccessToken: strings.Repeat("a", maxTokensPart)}}
	rec, err := s.appendRecord(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) > maxTokensPart/100 {
		t.Fatalf("record of %d bytes: the test wants a highly compressed one", len(rec))
	}
	if _, err := decodeRecord(rec, false); !errors.Is(err, errRecord) {
		t.Errorf("tokens part inflating to %d bytes: error %v, want errRecord", maxTokensPart+20, err)
	}
	s.Tokens.AccessToken = strings.Repeat("a", maxTokensPart-100)
	rec, _ = s.appendRecord(nil, true)
	if _, err := decodeRecord(rec, false); err != nil {
		t.Errorf("tokens part just under the limit: %v", err)
	}
}

// FuzzSessionRecord decodes arbitrary bytes as a session record. Property: no
// panic, and whatever decodes encodes again to a record that decodes to the same
// session.
func FuzzSessionRecord(f *testing.F) {
	now := time.Unix(1700000000, 5)
	for _, s := range []*Session{
		{ID: "x"},
		{ID: "id", Provider: "p", Subject: "s", CreatedAt: now, ExpiresAt: now, LastSeen: now,
			Extra: map[string]any{"k": "v"}, Tokens: Tokens{AccessToken: strings.Repeat("at", 40), RefreshToken: "rt", IDToken: idToken(map[string]any{"groups": []any{"g"}})}},
	} {
		for _, compress := range []bool{false, true} {
			rec, _ := s.appendRecord(nil, compress)
			f.Add(rec)
		}
	}
	f.Add(record(recordFormat, identityPart(0, "id", 2), tokensPart("a", "", "i", "c", "{}")))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		s, err := decodeRecord(b, false)
		if !bytes.Equal(in, b) {
			t.Fatal("decodeRecord changed its input")
		}
		if err != nil {
			return
		}
		rec, err := s.MarshalBinary()
		if err != nil {
			return // e.g. a time out of range: refused on the way out
		}
		again, err := decodeRecord(rec, false)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if d := sameSession(again, s); d != "" {
			t.Fatalf("re-encoded record differs: %s", d)
		}
	})
}

// JWTs are kept as their decoded segments: a quarter smaller than their text.
func TestSessionRecordKeepsJWTsDecoded(t *testing.T) {
	t.Parallel()
	claims := map[string]any{"sub": "alice", "scope": "openid profile email", "jti": randomString(16)}
	jwt := idToken(claims)[:len(idToken(claims))-4] + randomString(256) // a 256-byte signature
	plain := &Session{ID: "id", Tokens: Tokens{AccessToken: strings.Repeat("x", len(jwt))}}
	withJWT := &Session{ID: "id", Tokens: Tokens{AccessToken: jwt}}
	a, _ := plain.MarshalBinary()
	b, _ := withJWT.MarshalBinary()
	if saved := len(a) - len(b); saved < len(jwt)/5 {
		t.Errorf("a %d-character JWT takes %d bytes less than as much text, want at least %d", len(jwt), saved, len(jwt)/5)
	}
}
