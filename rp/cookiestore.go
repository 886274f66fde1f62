package rp

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	// Now is the clock, used for the cookies' Max-Age. Nil: time.Now.
	Now func() time.Time
}

// CookieStore keeps the whole session in the browser: JSON, compressed, encrypted and
// MACed by securecookie as one value, then split into chunks of at most 3800 bytes
// (foyer_session, foyer_session_1, ...). The MAC covers the whole value, so chunks
// cannot be mixed, dropped or reordered. It is safe for concurrent use.
type CookieStore struct {
	jar cookieJar
	now func() time.Time
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
	st := &CookieStore{jar: cookieJar{secure: !cfg.InsecureHTTP, codecs: cs}, now: cfg.Now}
	if st.jar.secure {
		st.jar.prefix = "__Host-"
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

func (c *CookieStore) chunkName(i int) string {
	if i == 0 {
		return c.jar.name(sessionCookie)
	}
	return c.jar.name(sessionCookie + "_" + strconv.Itoa(i))
}

// Load reassembles and decodes the session cookies. Anything that does not decode is
// reported as no session.
func (c *CookieStore) Load(r *http.Request) (*Session, error) {
	var buf bytes.Buffer
	for i := range maxChunks {
		ck, err := r.Cookie(c.chunkName(i))
		if err != nil {
			break
		}
		buf.WriteString(ck.Value)
	}
	if buf.Len() == 0 {
		return nil, nil
	}
	raw, err := c.jar.decode(c.chunkName(0), buf.String())
	if err != nil {
		return nil, nil //nolint:nilerr // undecodable means signed out
	}
	zr := c.inflaters.Get().(io.ReadCloser)
	defer c.inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(raw), nil); err != nil {
		return nil, nil
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxSessionJSON+1))
	if err != nil || len(js) > maxSessionJSON {
		return nil, nil
	}
	var s Session
	if err := json.Unmarshal(js, &s); err != nil || s.ID == "" {
		return nil, nil
	}
	return &s, nil
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
	value, err := c.jar.encode(c.chunkName(0), zb.Bytes())
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
		c.jar.set(w, c.chunkName(i), value[i*chunkSize:end], maxAge, http.SameSiteLaxMode)
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
		c.jar.set(w, c.chunkName(i), "", 0, http.SameSiteLaxMode)
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
