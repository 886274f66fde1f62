package rp

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// v1Cookie encodes s the way the cookie store did before the sealed record:
// JSON, DEFLATE, securecookie under the cookie name.
func v1Cookie(t *testing.T, st *CookieStore, s *Session) *http.Cookie {
	t.Helper()
	js, _ := json.Marshal(s)
	var zb bytes.Buffer
	zw, _ := flate.NewWriter(&zb, flate.DefaultCompression)
	zw.Write(js)
	zw.Close()
	v, err := st.cookies.encode(st.names[0], zb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: st.names[0], Value: v}
}

// Sessions signed in before the upgrade stay signed in, under the same secrets only.
func TestCookieStoreReadsTheFirstFormat(t *testing.T) {
	t.Parallel()
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	rotated, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{otherSecret, testSecret}})
	other, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{otherSecret}})
	s := largeSession(time.Now())
	s.LastSeen = s.LastSeen.Round(0)
	c := v1Cookie(t, st, s)
	for name, tc := range map[string]struct {
		st    *CookieStore
		loads bool
	}{"same secret": {st, true}, "old secret kept": {rotated, true}, "secret removed": {other, false}} {
		got := loadCookies(t, tc.st, []*http.Cookie{c})
		if (got != nil) != tc.loads {
			t.Errorf("%s: loaded %v, want %v", name, got != nil, tc.loads)
			continue
		}
		if got != nil {
			if d := sameSession(got, s); d != "" {
				t.Errorf("%s: %s", name, d)
			}
		}
	}
	tampered := *c
	tampered.Value = c.Value[:30] + substitute(c.Value[30]) + c.Value[31:]
	if got := loadCookies(t, st, []*http.Cookie{&tampered}); got != nil {
		t.Error("a tampered cookie of the first format loads")
	}
}
