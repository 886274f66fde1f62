package rp

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

const (
	sessionCookie = "foyer_session"
	// chunkSize keeps each cookie, with its name and attributes, under 4096 bytes.
	chunkSize = 3800
	// maxChunks bounds the cookies of one session (about 22 KB of cookie header).
	maxChunks = 6
	// maxSessionJSON bounds the decompressed session, against decompression bombs.
	maxSessionJSON = 256 << 10
)

// ErrSessionTooLarge means a session does not fit the cookie store's chunk budget;
// use a server-side store, or request fewer claims.
var ErrSessionTooLarge = errors.New("rp: session too large for cookies")

// CookieStoreConfig configures a [CookieStore].
type CookieStoreConfig struct {
	// Secrets protect the cookies (see [Config.CookieSecrets]); the first encodes.
	Secrets [][]byte
	// InsecureHTTP drops the Secure attribute and the "__Host-" prefix. It MUST NOT be
	// set except for a plain-http loopback URL during development.
	InsecureHTTP bool
	// Now is the clock, used for the cookies' Max-Age and the cache's expiry. Nil: time.Now.
	Now func() time.Time
	// CacheSize is how many decoded sessions are kept in memory, so that a request
	// with a cookie seen before skips decryption and decoding (a few KB each).
	// Zero: 2,048; negative: no cache.
	CacheSize int
	// IdleTimeout, when set, drops a cached session once it has been idle that long
	// (as [Config.IdleTimeout]); a cached session is never used past its ExpiresAt.
	IdleTimeout time.Duration
}

// CookieStore keeps the whole session in the browser: JSON, compressed, encrypted and
// MACed by securecookie as one value, then split into chunks of at most 3800 bytes
// (foyer_session, foyer_session_1, ...). The MAC covers the whole value, so chunks
// cannot be mixed, dropped or reordered. It is safe for concurrent use.
//
// Decoded sessions are cached by the exact cookie value (see [CookieStoreConfig.CacheSize]):
// a save writes a new value, and Load hands out a copy each time, so callers may change
// the session they get. The claims in [Session.Claims] are shared and read-only.
type CookieStore struct {
	cookies cookieCodec
	now     func() time.Time
	idle    time.Duration
	names   [maxChunks]string
	cache   *sessionCache // nil: no cache
	// inflaters and deflaters pool DEFLATE readers and writers: each holds large
	// windows and tables, too much to allocate per request.
	inflaters sync.Pool
	deflaters sync.Pool
}

// NewCookieStore returns a cookie store, or an error when a secret is unusable.
func NewCookieStore(cfg CookieStoreConfig) (*CookieStore, error) {
	if len(cfg.Secrets) == 0 {
		return nil, errors.New("rp: cookie store: no secret")
	}
	var errs []error
	for i, s := range cfg.Secrets {
		if len(s) < MinCookieSecretLen {
			errs = append(errs, fmt.Errorf("rp: cookie store: secret %d shorter than %d bytes", i, MinCookieSecretLen))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cs, err := codecs(cfg.Secrets)
	if err != nil {
		return nil, err
	}
	st := &CookieStore{cookies: cookieCodec{secure: !cfg.InsecureHTTP, codecs: cs}, now: cfg.Now, idle: cfg.IdleTimeout}
	if st.cookies.secure {
		st.cookies.prefix = "__Host-"
	}
	for i := range st.names {
		if i == 0 {
			st.names[i] = st.cookies.name(sessionCookie)
		} else {
			st.names[i] = st.cookies.name(sessionCookie + "_" + strconv.Itoa(i))
		}
	}
	switch {
	case cfg.CacheSize == 0:
		st.cache = newSessionCache(defaultSessionCacheSize)
	case cfg.CacheSize > 0:
		st.cache = newSessionCache(cfg.CacheSize)
	}
	if st.now == nil {
		st.now = time.Now
	}
	st.inflaters.New = func() any { return flate.NewReader(bytes.NewReader(nil)) }
	st.deflaters.New = func() any {
		zw, _ := flate.NewWriter(nil, flate.DefaultCompression) // the level is valid
		return zw
	}
	return st, nil
}

// chunkName returns the name of the i-th session cookie.
func (c *CookieStore) chunkName(i int) string { return c.names[i] }

// Load reassembles and decodes the session cookies. Anything that does not decode is
// reported as no session. A value decoded before comes from the cache, as a copy.
func (c *CookieStore) Load(r *http.Request) (*Session, error) {
	value := c.cookieValue(r)
	if len(value) == 0 {
		return nil, nil
	}
	if c.cache == nil {
		return c.decode(value), nil
	}
	key := cacheKey(sha256.Sum256(value))
	if s := c.cache.get(key); s != nil {
		if c.cacheable(s) {
			cp := *s
			return &cp, nil
		}
		c.cache.remove(key)
	}
	s := c.decode(value)
	if s == nil || !c.cacheable(s) {
		return s, nil
	}
	s.Claims() // computed once, before the session is shared
	c.cache.put(key, s)
	cp := *s
	return &cp, nil
}

// cookieValue returns the request's session chunks, concatenated.
func (c *CookieStore) cookieValue(r *http.Request) []byte {
	// Parse the Cookie header once; the first valid cookie of each name counts, as
	// with r.Cookie.
	cookies := r.Cookies()
	var parts [maxChunks]string
	n, size := 0, 0
	for ; n < maxChunks; n++ {
		i := slices.IndexFunc(cookies, func(ck *http.Cookie) bool { return ck.Name == c.names[n] })
		if i < 0 {
			break
		}
		parts[n] = cookies[i].Value
		size += len(parts[n])
	}
	if size == 0 {
		return nil
	}
	value := make([]byte, 0, size)
	for _, p := range parts[:n] {
		value = append(value, p...)
	}
	return value
}

// cacheable reports whether a session may be served from the cache: not past its
// absolute lifetime, nor idle too long. Either way [RP] still checks it on every request.
func (c *CookieStore) cacheable(s *Session) bool {
	now := c.now()
	return now.Before(s.ExpiresAt) && (c.idle <= 0 || now.Sub(s.LastSeen) < c.idle)
}

// decode verifies, decrypts, inflates and unmarshals a session cookie's value; nil when
// any step fails.
func (c *CookieStore) decode(value []byte) *Session {
	raw, err := c.cookies.decode(c.names[0], string(value))
	if err != nil {
		return nil // undecodable means signed out
	}
	zr := c.inflaters.Get().(io.ReadCloser)
	defer c.inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(raw), nil); err != nil {
		return nil
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxSessionJSON+1))
	if err != nil || len(js) > maxSessionJSON {
		return nil
	}
	var s Session
	if err := json.Unmarshal(js, &s); err != nil || s.ID == "" {
		return nil
	}
	return &s
}

// Save encodes s into as many chunks as needed and expires chunks left from a larger
// earlier session.
func (c *CookieStore) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	js, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("rp: cookie store: %w", err)
	}
	var zb bytes.Buffer
	zw := c.deflaters.Get().(*flate.Writer)
	zw.Reset(&zb)
	_, _ = zw.Write(js)
	err = zw.Close()
	c.deflaters.Put(zw)
	if err != nil {
		return fmt.Errorf("rp: cookie store: %w", err)
	}
	value, err := c.cookies.encode(c.chunkName(0), zb.Bytes())
	if err != nil {
		return fmt.Errorf("rp: cookie store: %w", err)
	}
	n := (len(value) + chunkSize - 1) / chunkSize
	if n > maxChunks {
		return fmt.Errorf("%w: %d bytes encoded, at most %d", ErrSessionTooLarge, len(value), maxChunks*chunkSize)
	}
	maxAge := s.ExpiresAt.Sub(c.now())
	if maxAge <= 0 {
		return c.Delete(w, r, s)
	}
	for i := range n {
		end := min((i+1)*chunkSize, len(value))
		c.cookies.set(w, c.chunkName(i), value[i*chunkSize:end], maxAge, http.SameSiteLaxMode)
	}
	c.clearFrom(w, r, n)
	return nil
}

// Delete clears every session cookie.
func (c *CookieStore) Delete(w http.ResponseWriter, r *http.Request, _ *Session) error {
	c.clearFrom(w, r, 0)
	return nil
}

// clearFrom expires the chunks from index i on that the request carried.
func (c *CookieStore) clearFrom(w http.ResponseWriter, r *http.Request, i int) {
	for ; i < maxChunks; i++ {
		if _, err := r.Cookie(c.chunkName(i)); err != nil {
			if i > 0 {
				return
			}
			continue
		}
		c.cookies.set(w, c.chunkName(i), "", 0, http.SameSiteLaxMode)
	}
}

// cookieNames returns the names of the cookies this store may write.
func (c *CookieStore) cookieNames() []string {
	out := make([]string, maxChunks)
	for i := range out {
		out[i] = c.chunkName(i)
	}
	return out
}
