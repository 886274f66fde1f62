package rp

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzBackchannelLogout mints a valid logout token for a live session, changes
// it (overwrite, insert, delete, truncate, bit flip) and POSTs it to
// /auth/backchannel-logout. Properties:
//   - the answer is 200 or 400, never a 5xx, and always no-store;
//   - a 200 only for a token whose signed content (payload and signature) is
//     the minted one: a change that a decoder ignores may still verify, any
//     other change may not;
//   - after a 400 the session is still signed in; after a 200 it is not.
func FuzzBackchannelLogout(f *testing.F) {
	f.Add(byte(0), uint16(0), []byte("x"))       // header
	f.Add(byte(4), uint16(120), []byte{1})       // payload bit
	f.Add(byte(4), uint16(65535), []byte{0})     // last byte (signature padding bits)
	f.Add(byte(3), uint16(200), []byte{})        // truncated
	f.Add(byte(1), uint16(30), []byte("."))      // an extra segment
	f.Add(byte(2), uint16(10), []byte("abcdef")) // bytes dropped
	f.Add(byte(0), uint16(0), []byte("eyJhbGciOiJub25lIn0"))
	h := newFuzzHarness(f)
	var browser *http.Client
	var sid string
	f.Fuzz(func(t *testing.T, op byte, pos uint16, repl []byte) {
		if sid == "" {
			h.t = t // the harness reports through the running test
			// A new browser: no session at the provider either, so a new sid
			// (the provider would have ended the old one with the logout).
			browser = h.newBrowser()
			h.signIn(browser)
			sid = h.session(browser).SID
		}
		now := h.clock.Now()
		orig, err := h.idp.Mint(map[string]any{
			"iss": h.idp.Issuer, "aud": h.idp.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": randomString(12), "sid": sid,
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
		})
		if err != nil {
			t.Fatal(err)
		}
		mut := fuzzMutate(orig, op, pos, repl)
		req := httptest.NewRequest(http.MethodPost, h.srv.URL+"/auth/backchannel-logout",
			strings.NewReader(url.Values{"logout_token": {mut}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
		}
		h.t = t
		switch rec.Code {
		case http.StatusBadRequest:
			if !h.signedIn(browser) {
				t.Fatalf("rejected token %q ended the session", mut)
			}
		case http.StatusOK:
			if !sameSignedContent(orig, mut) {
				t.Fatalf("changed token accepted:\n orig %s\n got  %s", orig, mut)
			}
			if h.signedIn(browser) {
				t.Fatalf("accepted logout token left the session signed in")
			}
			sid = "" // sign in again next time
		default:
			t.Fatalf("status %d for %q, want 200 or 400: %s", rec.Code, mut, rec.Body)
		}
	})
}

// sameSignedContent reports whether two compact JWS carry the same payload and
// signature bytes once decoded.
func sameSignedContent(a, b string) bool {
	algs := toJoseAlgs(asymmetricAlgs)
	ja, err := jose.ParseSigned(a, algs)
	if err != nil {
		return false
	}
	jb, err := jose.ParseSigned(b, algs)
	if err != nil || len(jb.Signatures) != 1 || len(ja.Signatures) != 1 {
		return false
	}
	return bytes.Equal(ja.UnsafePayloadWithoutVerification(), jb.UnsafePayloadWithoutVerification()) &&
		bytes.Equal(ja.Signatures[0].Signature, jb.Signatures[0].Signature)
}
