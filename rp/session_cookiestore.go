package rp

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	sessionCookie = "foyer_session"
	// seenCookie records a session's last activity between saves of the session
	// cookie: a small value, written alone (see [CookieStore.Touch]).
	seenCookie = "foyer_seen"
	// chunkSize keeps each cookie, with its name and attributes, under 4096 bytes.
	chunkSize = 3800
	// maxChunks bounds the cookies of one session (about 22 KB of cookie header).
	maxChunks = 6
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
	// Domain, when set, shares the cookies with every host under it ([GatewayConfig.CookieDomain]):
	// they carry Domain and the "__Secure-" prefix instead of "__Host-".
	Domain string
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

// CookieStore keeps the whole session in the browser: a binary record (see
// [Session.MarshalBinary]) sealed with AES-256-GCM under a key derived from the first
// cookie secret, in base64url, split into chunks of at most 3800 bytes (foyer_session,
// foyer_session_1, ...). The seal covers the whole value, so chunks cannot be mixed,
// dropped or reordered. A value sealed with any configured secret opens (key rotation).
// It is safe for concurrent use.
//
// The session's last activity (LastSeen, for the idle timeout) is recorded apart, by
// [CookieStore.Touch]: in a small sealed cookie, foyer_seen, bound to the session id,
// and in memory, so that the idle clock stays right even when a forward-auth proxy
// does not pass the cookie on to the browser. Load reports the latest of the three.
//
// Decoded sessions are cached by the exact cookie value (see [CookieStoreConfig.CacheSize]):
// a save writes a new value, and Load hands out a copy each time, so callers may change
// the session they get. The claims in [Session.Claims] are shared and read-only.
type CookieStore struct {
	cookies  cookieCodec // attributes; its codecs open cookies written before the sealed format
	seal     *sealer
	now      func() time.Time
	idle     time.Duration
	names    [maxChunks]string
	seenName string
	cache    *sessionCache // nil: no cache
	activity *activity
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
	sl, err := newSealer(cfg.Secrets)
	if err != nil {
		return nil, fmt.Errorf("rp: cookie store: %w", err)
	}
	st := &CookieStore{cookies: cookieCodec{secure: !cfg.InsecureHTTP, domain: cfg.Domain, codecs: cs}, seal: sl, now: cfg.Now, idle: cfg.IdleTimeout}
	st.cookies.prefix = cookiePrefix(st.cookies.secure, cfg.Domain)
	for i := range st.names {
		if i == 0 {
			st.names[i] = st.cookies.name(sessionCookie)
		} else {
			st.names[i] = st.cookies.name(sessionCookie + "_" + strconv.Itoa(i))
		}
	}
	st.seenName = st.cookies.name(seenCookie)
	switch {
	case cfg.CacheSize == 0:
		st.cache = newSessionCache(defaultSessionCacheSize)
	case cfg.CacheSize > 0:
		st.cache = newSessionCache(cfg.CacheSize)
	}
	if st.now == nil {
		st.now = time.Now
	}
	st.activity = newActivity(orDefault(cfg.IdleTimeout, DefaultIdleTimeout))
	return st, nil
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// chunkName returns the name of the i-th session cookie.
func (c *CookieStore) chunkName(i int) string { return c.names[i] }

// Load reassembles and decodes the session cookies. Anything that does not decode is
// reported as no session. A value decoded before comes from the cache, as a copy.
func (c *CookieStore) Load(r *http.Request) (*Session, error) {
	return c.load(r, false), nil
}

// load is Load; with lazy set, the session's tokens part is left packed (see
// [Session.unpack]) and the cache is not used: decoding the rest costs less than
// hashing the value for the cache.
func (c *CookieStore) load(r *http.Request, lazy bool) *Session {
	cookies := r.Cookies()
	value := c.cookieValue(cookies)
	if value == "" {
		return nil
	}
	var s *Session
	switch {
	case lazy || c.cache == nil:
		s = c.decode(value, lazy)
	default:
		s = c.cached(value)
	}
	if s == nil {
		return nil
	}
	c.lastSeen(cookies, s)
	return s
}

// cached returns a copy of the session value decodes to, from the cache when it is
// there, else decoded and cached.
func (c *CookieStore) cached(value string) *Session {
	key := cacheKey(sha256.Sum256([]byte(value)))
	if s := c.cache.get(key); s != nil {
		if c.cacheable(s) {
			cp := *s
			return &cp
		}
		c.cache.remove(key)
	}
	s := c.decode(value, false)
	if s == nil || !c.cacheable(s) {
		return s
	}
	s.Claims() // computed once, before the session is shared
	c.cache.put(key, s)
	cp := *s
	return &cp
}

// cookieValue returns the session chunks among cookies, concatenated. The first
// cookie of each name counts, as with r.Cookie.
func (c *CookieStore) cookieValue(cookies []*http.Cookie) string {
	var parts [maxChunks]string
	n := 0
	for ; n < maxChunks; n++ {
		v, ok := cookieNamed(cookies, c.names[n])
		if !ok {
			break
		}
		parts[n] = v
	}
	if n == 1 {
		return parts[0]
	}
	return strings.Join(parts[:n], "")
}

// cookieNamed returns the value of the first cookie called name.
func cookieNamed(cookies []*http.Cookie, name string) (string, bool) {
	for _, ck := range cookies {
		if ck.Name == name {
			return ck.Value, true
		}
	}
	return "", false
}

// cacheable reports whether a session may be served from the cache: not past its
// absolute lifetime, nor idle too long. Either way [RP] still checks it on every request.
func (c *CookieStore) cacheable(s *Session) bool {
	now := c.now()
	if !now.Before(s.ExpiresAt) {
		return false
	}
	if c.idle <= 0 {
		return true
	}
	last := s.LastSeen
	if e, ok := c.activity.get(s.ID); ok && e.at.After(last) {
		last = e.at
	}
	return now.Sub(last) < c.idle
}

// decode opens and decodes a session cookie's value; nil when it does not.
func (c *CookieStore) decode(value string, lazy bool) *Session {
	if value[0] != 'A' { // a sealed value's version byte, 2, makes its first character 'A'
		return c.decodeV1(value)
	}
	plain, err := c.seal.open(purposeSession, value)
	if err != nil {
		return nil // undecodable means signed out
	}
	s, err := decodeRecord(plain, lazy)
	if err != nil {
		return nil
	}
	return s
}

// lastSeen moves s.LastSeen to the latest activity recorded for s: in the
// request's last-seen cookie, if it belongs to s, or in memory.
func (c *CookieStore) lastSeen(cookies []*http.Cookie, s *Session) {
	s.cookieSeen = s.LastSeen
	if t, ok := c.seenCookieTime(cookies, s.ID); ok && t.After(s.cookieSeen) {
		s.cookieSeen = t
	}
	s.LastSeen = s.cookieSeen
	if e, ok := c.activity.get(s.ID); ok && e.at.After(s.LastSeen) {
		s.LastSeen = e.at
	}
}

// seenCookieTime returns the time the request's last-seen cookie carries, if it is
// one sealed here for session id.
func (c *CookieStore) seenCookieTime(cookies []*http.Cookie, id string) (time.Time, bool) {
	v, ok := cookieNamed(cookies, c.seenName)
	if !ok || v == "" {
		return time.Time{}, false
	}
	plain, err := c.seal.open(purposeSeen, v)
	if err != nil {
		return time.Time{}, false
	}
	r := recordReader{b: plain, text: string(plain)}
	sid, t := r.str(), r.time()
	if r.bad || r.off != len(plain) || sid != id {
		return time.Time{}, false
	}
	return t, true
}

// Save encodes s into as many chunks as needed and expires chunks left from a larger
// earlier session.
func (c *CookieStore) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	plain, err := s.appendRecord(nil, true)
	if err != nil {
		return fmt.Errorf("rp: cookie store: %w", err)
	}
	value := c.seal.seal(purposeSession, plain)
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

// Touch records s.LastSeen without saving the session again: in memory, which keeps
// this process's idle clock right whatever becomes of cookies, and, at most once per
// cookie interval (an eighth of the idle timeout), in the last-seen cookie, one small
// Set-Cookie however large the session is, which carries the activity to other
// replicas and across restarts. When the request shows that the last such cookie
// written here never came back (a forward-auth proxy that does not pass /auth/verify's
// Set-Cookie on), no more are written for the session: that would be a write at every
// touch for nothing.
func (c *CookieStore) Touch(w http.ResponseWriter, _ *http.Request, s *Session) error {
	maxAge := s.ExpiresAt.Sub(c.now())
	if maxAge <= 0 {
		return nil
	}
	c.activity.record(s.ID, s.LastSeen)
	e, _ := c.activity.get(s.ID)
	switch {
	case !e.written.IsZero() && s.cookieSeen.Before(e.written):
		return nil // the last one did not come back
	case s.LastSeen.Sub(s.cookieSeen) < c.cookieInterval():
		return nil // the browser's cookies are recent enough
	}
	plain := appendStr(make([]byte, 0, 16+len(s.ID)), s.ID)
	plain, err := appendTime(plain, s.LastSeen)
	if err != nil {
		return fmt.Errorf("rp: cookie store: %w", err)
	}
	c.cookies.set(w, c.seenName, c.seal.seal(purposeSeen, plain), maxAge, http.SameSiteLaxMode)
	c.activity.wrote(s.ID, s.LastSeen)
	return nil
}

// cookieInterval is how stale the last-seen cookie may get before Touch writes it
// again: after a restart, or on a replica that has not seen the session, the idle
// timeout may then end up to this much early.
func (c *CookieStore) cookieInterval() time.Duration {
	return max(c.activity.period/8, time.Second)
}

// Delete clears every session cookie and the last-seen cookie.
func (c *CookieStore) Delete(w http.ResponseWriter, r *http.Request, _ *Session) error {
	c.clearFrom(w, r, 0)
	if _, err := r.Cookie(c.seenName); err == nil {
		c.cookies.set(w, c.seenName, "", 0, http.SameSiteLaxMode)
	}
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
	out := make([]string, maxChunks, maxChunks+1)
	for i := range out {
		out[i] = c.chunkName(i)
	}
	return append(out, c.seenName)
}
