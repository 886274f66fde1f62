package rp

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// The binary session record, what the cookie store seals and what a server-side store
// may keep ([Session.MarshalBinary]):
//
//	format (1) | uvarint len(identity) | identity | tokens
//
// identity is what every request needs, in fields that decode without parsing JSON:
//
//	uvarint flags | str ID, Provider, Issuer, Subject, SID |
//	time CreatedAt, ExpiresAt, LastSeen, Tokens.Expiry |
//	str email, name, preferred_username | uvarint n | str × n groups
//
// (str: uvarint length and bytes; time: uvarint 0 for the zero time, else zigzag
// UnixNano + 1). email, name, preferred_username and groups are the claims
// userFromSession reads, taken from [Session.Claims] when the record is written.
// tokens is what only a refresh, a sign-out or a page showing the claims needs:
//
//	tok AccessToken, RefreshToken, IDToken | str CSRF, Extra (JSON, "" when nil)
//
// (tok: a kind byte, then the token as a str, or a JWT as its three base64url
// segments decoded, each a str: a quarter smaller, at no cost worth counting;
// records without flagTokenKinds have each token as a plain str), DEFLATE-compressed
// when flagCompressed is set. rp reads the tokens part only when
// a request needs it ([Session.unpack]); a session decoded without it is "lazy".
const (
	recordFormat = 1

	flagEmailVerified = 1 << iota
	flagRefreshToken  // Tokens.RefreshToken is set
	flagCompressed    // the tokens part is DEFLATE-compressed
	flagTokenKinds    // each token is a kind byte and its encoding (see appendToken)
	flagsKnown        = flagEmailVerified | flagRefreshToken | flagCompressed | flagTokenKinds

	// compressAbove is the size of a tokens part from which the cookie store
	// compresses it: smaller ones fit one cookie as they are, and compressing costs
	// tens of µs at every sign-in and refresh, inflating again at every full load.
	compressAbove = 2048

	// maxTokensPart bounds the inflated tokens part, against decompression bombs.
	maxTokensPart = 256 << 10
	// maxGroups bounds the groups a record may list.
	maxGroups = 4096
)

// errRecord means bytes are not a session record.
var errRecord = errors.New("rp: malformed session record")

// identity is the part of the claims that requests need: identity headers and
// access rules on email and groups.
type identity struct {
	email             string // the email claim, verified or not
	emailVerified     bool
	name              string
	preferredUsername string
	groups            []string // never nil
}

// identityOf reads the identity from claims.
func identityOf(c map[string]any) *identity {
	id := &identity{groups: stringList(c["groups"])}
	id.email, _ = c["email"].(string)
	id.emailVerified, _ = c["email_verified"].(bool)
	id.name, _ = c["name"].(string)
	id.preferredUsername, _ = c["preferred_username"].(string)
	if id.groups == nil {
		id.groups = []string{}
	}
	return id
}

// MarshalBinary encodes s as a session record (format 1), for server-side stores:
// the cookie store's plaintext, but with the tokens part not compressed, which
// costs more bytes and less CPU on every read.
func (s *Session) MarshalBinary() ([]byte, error) {
	return s.appendRecord(nil, false)
}

// UnmarshalBinary decodes a record written by [Session.MarshalBinary], tokens included.
func (s *Session) UnmarshalBinary(b []byte) error {
	d, err := decodeRecord(b, false)
	if err != nil {
		return err
	}
	*s = *d
	return nil
}

// appendRecord appends s's record to b, its tokens part compressed (when that makes
// it smaller) if compress is set. A lazy session keeps the identity and tokens parts
// it was decoded with; any other session's are computed again.
func (s *Session) appendRecord(b []byte, compress bool) ([]byte, error) {
	idn, packed, flags := s.idn, s.packed, s.packedFlags
	if !s.lazy || idn == nil {
		idn = identityOf(s.Claims())
		var err error
		if packed, flags, err = packTokens(s, compress); err != nil {
			return nil, err
		}
	}
	if idn.emailVerified {
		flags |= flagEmailVerified
	}
	if s.Tokens.RefreshToken != "" || (s.lazy && s.packedFlags&flagRefreshToken != 0) {
		flags |= flagRefreshToken
	}
	ib := make([]byte, 0, 128+len(s.ID)+len(s.Provider)+len(s.Issuer)+len(s.Subject)+len(s.SID)+
		len(idn.email)+len(idn.name)+len(idn.preferredUsername)+16*len(idn.groups))
	ib = binary.AppendUvarint(ib, uint64(flags))
	for _, f := range [...]string{s.ID, s.Provider, s.Issuer, s.Subject, s.SID} {
		ib = appendStr(ib, f)
	}
	for _, t := range [...]time.Time{s.CreatedAt, s.ExpiresAt, s.LastSeen, s.Tokens.Expiry} {
		var err error
		if ib, err = appendTime(ib, t); err != nil {
			return nil, err
		}
	}
	for _, f := range [...]string{idn.email, idn.name, idn.preferredUsername} {
		ib = appendStr(ib, f)
	}
	if len(idn.groups) > maxGroups {
		return nil, fmt.Errorf("rp: session: %d groups, at most %d", len(idn.groups), maxGroups)
	}
	ib = binary.AppendUvarint(ib, uint64(len(idn.groups)))
	for _, g := range idn.groups {
		ib = appendStr(ib, g)
	}
	if b == nil {
		b = make([]byte, 0, 1+binary.MaxVarintLen64+len(ib)+len(packed))
	}
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, uint64(len(ib)))
	b = append(b, ib...)
	return append(b, packed...), nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(b, 0), nil
	}
	if y := t.Year(); y < 1678 || y > 2261 { // outside what UnixNano can hold
		return nil, fmt.Errorf("rp: session: time %v out of range", t)
	}
	ns := t.UnixNano()
	return binary.AppendUvarint(b, uint64(ns<<1^ns>>63)+1), nil
}

// deflaters pools DEFLATE writers, inflaters readers: each holds large windows and
// tables, too much to allocate per session.
var (
	deflaters = sync.Pool{New: func() any {
		zw, _ := flate.NewWriter(nil, flate.DefaultCompression) // the level is valid
		return zw
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// packTokens encodes s's tokens part, compressed if compress is set, the part is
// larger than compressAbove and that makes it smaller.
func packTokens(s *Session, compress bool) ([]byte, uint8, error) {
	var extra []byte
	if s.Extra != nil {
		var err error
		if extra, err = json.Marshal(s.Extra); err != nil {
			return nil, 0, fmt.Errorf("rp: session: extra claims: %w", err)
		}
	}
	raw := make([]byte, 0, len(s.Tokens.AccessToken)+len(s.Tokens.RefreshToken)+len(s.Tokens.IDToken)+len(s.CSRF)+len(extra)+32)
	for _, t := range [...]string{s.Tokens.AccessToken, s.Tokens.RefreshToken, s.Tokens.IDToken} {
		raw = appendToken(raw, t)
	}
	raw = appendStr(raw, s.CSRF)
	raw = appendStr(raw, string(extra))
	if !compress || len(raw) <= compressAbove {
		return raw, flagTokenKinds, nil
	}
	var zb bytes.Buffer
	zw := deflaters.Get().(*flate.Writer)
	zw.Reset(&zb)
	_, _ = zw.Write(raw)
	err := zw.Close()
	deflaters.Put(zw)
	if err != nil {
		return nil, 0, fmt.Errorf("rp: session: %w", err)
	}
	if zb.Len() < len(raw) {
		return zb.Bytes(), flagTokenKinds | flagCompressed, nil
	}
	return raw, flagTokenKinds, nil
}

// Token kinds in a tokens part.
const (
	tokenText = 0 // the token as it is
	tokenJWT  = 1 // a compact JWT (JWS): its three base64url segments, decoded
)

// appendToken appends a token: a JWT as its decoded segments when they encode back
// to exactly the same text, any other token as it is.
func appendToken(b []byte, tok string) []byte {
	if h, p, sig, ok := jwtSegments(tok); ok {
		b = append(b, tokenJWT)
		for _, seg := range [...][]byte{h, p, sig} {
			b = binary.AppendUvarint(b, uint64(len(seg)))
			b = append(b, seg...)
		}
		return b
	}
	b = append(b, tokenText)
	return appendStr(b, tok)
}

// jwtSegments decodes the three segments of a compact JWT. Canonical unpadded
// base64url without line breaks only, so that encoding the segments again gives
// back tok exactly.
func jwtSegments(tok string) (h, p, sig []byte, ok bool) {
	a, rest, ok1 := strings.Cut(tok, ".")
	b, c, ok2 := strings.Cut(rest, ".")
	// base64 decoding skips line breaks: refuse them here. IndexByte, not ContainsAny,
	// which tests byte by byte against a set and showed in the sign-in profile.
	if !ok1 || !ok2 || strings.IndexByte(c, '.') >= 0 || strings.IndexByte(tok, '\r') >= 0 || strings.IndexByte(tok, '\n') >= 0 {
		return nil, nil, nil, false
	}
	var err error
	if h, err = sealB64.DecodeString(a); err != nil {
		return nil, nil, nil, false
	}
	if p, err = sealB64.DecodeString(b); err != nil {
		return nil, nil, nil, false
	}
	if sig, err = sealB64.DecodeString(c); err != nil {
		return nil, nil, nil, false
	}
	return h, p, sig, true
}

// recordReader reads the fields of a record. Strings are substrings of str, the
// identity part converted once.
type recordReader struct {
	b    []byte
	text string
	off  int
	bad  bool
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.bad = true
		r.off = len(r.b)
		return 0
	}
	r.off += n
	return v
}

func (r *recordReader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)-r.off) {
		r.bad = true
		r.off = len(r.b)
		return ""
	}
	s := r.text[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// bytes reads a length-prefixed field as bytes of r.b.
func (r *recordReader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)-r.off) {
		r.bad = true
		r.off = len(r.b)
		return nil
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

// token reads a token written by appendToken.
func (r *recordReader) token() string {
	if r.bad || r.off >= len(r.b) {
		r.bad = true
		return ""
	}
	kind := r.b[r.off]
	r.off++
	switch kind {
	case tokenText:
		return string(r.bytes())
	case tokenJWT:
		h, p, sig := r.bytes(), r.bytes(), r.bytes()
		if r.bad {
			return ""
		}
		var sb strings.Builder
		sb.Grow(sealB64.EncodedLen(len(h)) + sealB64.EncodedLen(len(p)) + sealB64.EncodedLen(len(sig)) + 2)
		for i, seg := range [...][]byte{h, p, sig} {
			if i > 0 {
				sb.WriteByte('.')
			}
			enc := sealB64.AppendEncode(nil, seg)
			sb.Write(enc)
		}
		return sb.String()
	}
	r.bad = true
	return ""
}

func (r *recordReader) time() time.Time {
	v := r.uvarint()
	if v == 0 || r.bad {
		return time.Time{}
	}
	v--
	return time.Unix(0, int64(v>>1)^-int64(v&1))
}

// decodeRecord decodes a session record. With lazy set, the tokens part stays
// packed until [Session.unpack]; Tokens.Expiry is set either way.
func decodeRecord(b []byte, lazy bool) (*Session, error) {
	if len(b) < 2 || b[0] != recordFormat {
		return nil, errRecord
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n > uint64(len(b)-1-k) {
		return nil, errRecord
	}
	start := 1 + k
	end := start + int(n)
	r := recordReader{b: b[start:end], text: string(b[start:end])}
	flags := r.uvarint()
	s := &Session{}
	s.ID, s.Provider, s.Issuer, s.Subject, s.SID = r.str(), r.str(), r.str(), r.str(), r.str()
	s.CreatedAt, s.ExpiresAt, s.LastSeen, s.Tokens.Expiry = r.time(), r.time(), r.time(), r.time()
	idn := &identity{emailVerified: flags&flagEmailVerified != 0}
	idn.email, idn.name, idn.preferredUsername = r.str(), r.str(), r.str()
	ng := r.uvarint()
	if ng > maxGroups || ng > uint64(len(r.b)-r.off) { // each group takes at least a byte
		return nil, errRecord
	}
	idn.groups = make([]string, ng)
	for i := range idn.groups {
		idn.groups[i] = r.str()
	}
	if r.bad || r.off != len(r.b) || flags&^flagsKnown != 0 || s.ID == "" {
		return nil, errRecord
	}
	s.idn = idn
	s.packed = b[end:]
	s.packedFlags = uint8(flags)
	s.lazy = true
	if !lazy {
		if err := s.unpack(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// unpack decodes the tokens part of a lazy session into Tokens, CSRF and Extra.
func (s *Session) unpack() error {
	if !s.lazy {
		return nil
	}
	raw := s.packed
	if s.packedFlags&flagCompressed != 0 {
		zr := inflaters.Get().(io.ReadCloser)
		defer inflaters.Put(zr)
		if err := zr.(flate.Resetter).Reset(bytes.NewReader(s.packed), nil); err != nil {
			return errRecord
		}
		var err error
		raw, err = io.ReadAll(io.LimitReader(zr, maxTokensPart+1))
		if err != nil || len(raw) > maxTokensPart {
			return errRecord
		}
	}
	var at, rt, idt string
	var r recordReader
	if s.packedFlags&flagTokenKinds != 0 {
		r = recordReader{b: raw}
		at, rt, idt = r.token(), r.token(), r.token()
		r.text = string(raw[min(r.off, len(raw)):]) // CSRF and Extra
		r.b, r.off = raw[min(r.off, len(raw)):], 0
	} else {
		r = recordReader{b: raw, text: string(raw)}
		at, rt, idt = r.str(), r.str(), r.str()
	}
	csrf, extra := r.str(), r.str()
	if r.bad || r.off != len(r.b) || (rt != "") != (s.packedFlags&flagRefreshToken != 0) {
		return errRecord
	}
	var x map[string]any
	if extra != "" {
		if err := json.Unmarshal([]byte(extra), &x); err != nil || x == nil {
			return errRecord
		}
	}
	s.Tokens.AccessToken, s.Tokens.RefreshToken, s.Tokens.IDToken = at, rt, idt
	s.CSRF, s.Extra = csrf, x
	s.packed, s.lazy = nil, false
	return nil
}

// hasRefreshToken reports whether s has a refresh token, unpacked or not.
func (s *Session) hasRefreshToken() bool {
	if s.lazy {
		return s.packedFlags&flagRefreshToken != 0
	}
	return s.Tokens.RefreshToken != ""
}

// setTokens replaces s's tokens (after a refresh): the claims and the packed tokens
// part are computed again from them.
func (s *Session) setTokens(t Tokens) {
	s.Tokens, s.claims = t, nil
	s.idn, s.packed, s.packedFlags, s.lazy = nil, nil, 0, false
}
