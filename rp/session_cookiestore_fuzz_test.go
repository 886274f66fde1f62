package rp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzMutate changes s at pos (taken modulo its length) as op says:
// 0 overwrite with repl, 1 insert repl, 2 delete len(repl)+1 bytes,
// 3 truncate there, 4 flip one bit.
func fuzzMutate(s string, op byte, pos uint16, repl []byte) string {
	if s == "" {
		return string(repl)
	}
	i := int(pos) % len(s)
	switch op % 5 {
	case 0:
		end := min(i+len(repl), len(s))
		return s[:i] + string(repl) + s[end:]
	case 1:
		return s[:i] + string(repl) + s[i:]
	case 2:
		end := min(i+len(repl)+1, len(s))
		return s[:i] + s[end:]
	case 3:
		return s[:i]
	default:
		bit := byte(1)
		if len(repl) > 0 {
			bit = 1 << (repl[0] % 8)
		}
		return s[:i] + string(s[i]^bit) + s[i+1:]
	}
}

// FuzzCookieStoreTamper saves a session with the cookie store (one chunk, or
// several with a large ID token), changes the chunks' values, and loads them
// again. Property: Load never fails, and whatever it returns is either no
// session or exactly the session saved (an edit a decoder cannot see, e.g.
// moving bytes between chunks, is not a new session).
func FuzzCookieStoreTamper(f *testing.F) {
	f.Add(false, byte(0), uint16(10), []byte("A"))
	f.Add(true, byte(0), uint16(3900), []byte("zz"))
	f.Add(true, byte(1), uint16(3800), []byte("x"))
	f.Add(false, byte(2), uint16(0), []byte{})
	f.Add(true, byte(3), uint16(3800), []byte{})
	f.Add(false, byte(4), uint16(200), []byte{3})
	f.Add(false, byte(4), uint16(65535), []byte{7}) // the last byte
	st, err := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-fuzz")}, InsecureHTTP: true})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	sessions := map[bool]*Session{}
	for _, large := range []bool{false, true} {
		s := &Session{ID: "fuzz-session-id", Provider: "mock", Issuer: "https://idp.example", Subject: "alice",
			CSRF: "csrf", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now,
			Tokens: Tokens{AccessToken: "at", RefreshToken: "rt", IDToken: "h.p.s", Expiry: now.Add(time.Minute)}}
		if large {
			s.Tokens.IDToken = strings.Repeat(randomString(32), 300) // incompressible: several chunks
		}
		sessions[large] = s
	}
	f.Fuzz(func(t *testing.T, large bool, op byte, pos uint16, repl []byte) {
		want := sessions[large]
		rec := httptest.NewRecorder()
		if err := st.Save(rec, httptest.NewRequest(http.MethodGet, "/", nil), want); err != nil {
			t.Fatalf("Save: %v", err)
		}
		var names []string
		var lens []int
		var all strings.Builder
		for _, c := range rec.Result().Cookies() {
			if c.Value == "" {
				continue // an expired stale chunk
			}
			names, lens = append(names, c.Name), append(lens, len(c.Value))
			all.WriteString(c.Value)
		}
		mut := fuzzMutate(all.String(), op, pos, repl)
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for i, name := range names { // split again at the same lengths; the last takes the rest
			n := min(lens[i], len(mut))
			if i == len(names)-1 {
				n = len(mut)
			}
			req.Header.Add("Cookie", name+"="+mut[:n])
			mut = mut[n:]
		}
		got, err := st.Load(req)
		if err != nil {
			t.Fatalf("Load: %v, want no error (a bad cookie is no session)", err)
		}
		if got == nil {
			return
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("tampered cookie decoded to another session:\n got %s\nwant %s", gj, wj)
		}
	})
}
