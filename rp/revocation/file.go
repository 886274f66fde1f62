package revocation

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// fileHeader is the first line of a journal; a file that starts otherwise is refused.
const fileHeader = "foyer-revocations 1\n"

// compactAfter is how many records a journal may hold before it is rewritten with
// the live ones only (and then when it holds twice as many as are live).
const compactAfter = 4096

// File is a [List], [ReplayCache] and [SessionList] kept in memory and written
// through to an append-only journal file, so that what it remembers survives a
// restart — and is shared by every process that opens the same file: replicas on
// one host, or containers sharing a volume.
//
// Every write takes an exclusive lock on path+".lock" (flock), reads what other
// processes appended, appends one line and syncs the file to disk before it returns,
// so a sign-out that returned is remembered even if the machine crashes; then it
// bumps a write counter kept in the lock file and mapped into every process's memory.
// A read looks at that counter (no system call) and reads the journal only when it
// moved. When the journal holds many expired records it is rewritten (a new file
// renamed over it). Where flock and mmap are missing (not Unix), only one process
// may use the file, and every read stats it.
//
// The journal holds no identifier in clear: each record is the SHA-256 of its kind,
// issuer and value (session id, sid, sub or jti), the revocation time and the
// expiry. Its zero value is not usable; call [OpenFile].
type File struct {
	path string
	now  func() time.Time

	mu   sync.Mutex
	lock *os.File // path+".lock", flocked around writes
	// gen, mapped from the lock file, counts the writes of every process: a read
	// catches up only when it moved. Nil where files cannot be mapped: a read then
	// stats the journal.
	gen     *uint64
	unmap   func() error
	seenGen uint64
	f       *os.File    // the journal, for reading and appending
	fi      os.FileInfo // f's identity, to notice a replaced journal
	off     int64       // bytes of f read and applied
	recs    int         // records in f (live or not)
	compact int         // compact when recs reaches this
	minRecs int         // compactAfter; tests lower it
	entries map[[32]byte]entry
	closed  bool
	// beforeAppend, when set (tests), runs holding the lock between the read and
	// the write of a record.
	beforeAppend func()
}

var (
	_ List        = (*File)(nil)
	_ ReplayCache = (*File)(nil)
	_ SessionList = (*File)(nil)
)

// OpenFile opens (creating it if needed, with mode 0600) the journal at path and
// reads it. now is the clock; nil means time.Now. Close it when done.
func OpenFile(path string, now func() time.Time) (*File, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("revocation: %w", err)
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("revocation: %w", err)
	}
	fl := &File{path: path, now: now, lock: lock, entries: map[[32]byte]entry{}, minRecs: compactAfter}
	err = fl.withLock(func() error {
		if fl.gen, fl.unmap, err = mapCounter(lock); err != nil {
			return fmt.Errorf("revocation: map %s: %w", lock.Name(), err)
		}
		if fl.gen != nil {
			fl.seenGen = atomic.LoadUint64(fl.gen)
		}
		return fl.catchUp(true)
	})
	if err != nil {
		fl.Close()
		return nil, err
	}
	return fl, nil
}

// Close closes the journal. Later calls fail.
func (fl *File) Close() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.closed = true
	var errs []error
	if fl.f != nil {
		errs = append(errs, fl.f.Close())
	}
	if fl.unmap != nil {
		errs = append(errs, fl.unmap())
		fl.gen, fl.unmap = nil, nil
	}
	errs = append(errs, fl.lock.Close())
	return errors.Join(errs...)
}

// Path returns the journal's path.
func (fl *File) Path() string { return fl.path }

// hashKey names a record: the SHA-256 of kind, issuer and value.
func hashKey(kind, iss, value string) [32]byte {
	h := sha256.New()
	for _, s := range []string{kind, iss, value} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// Revoke implements [List].
func (fl *File) Revoke(_ context.Context, iss string, kind Kind, value string, at time.Time, ttl time.Duration) error {
	if err := CheckRevoke(iss, kind, value, ttl); err != nil {
		return err
	}
	return fl.append(hashKey(string(kind), iss, value), at, fl.now().Add(ttl), nil)
}

// RevokedAt implements [List].
func (fl *File) RevokedAt(_ context.Context, iss, sid, sub string) (time.Time, bool, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.refresh(); err != nil {
		return time.Time{}, false, err
	}
	now := fl.now()
	var latest time.Time
	found := false
	for _, n := range []struct {
		kind  Kind
		value string
	}{{BySID, sid}, {BySubject, sub}} {
		if n.value == "" {
			continue
		}
		if e, ok := fl.entries[hashKey(string(n.kind), iss, n.value)]; ok && !now.After(e.expires) {
			if !found || e.at.After(latest) {
				latest = e.at
			}
			found = true
		}
	}
	return latest, found, nil
}

// SeenJTI implements [ReplayCache]; exactly one of the processes sharing the file
// sees a jti first.
func (fl *File) SeenJTI(_ context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	if jti == "" || ttl <= 0 {
		return false, errors.New("revocation: SeenJTI needs a jti and a positive ttl")
	}
	seen := false
	err := fl.append(hashKey("jti", iss, jti), time.Time{}, fl.now().Add(ttl), func(e entry, ok bool) bool {
		seen = ok && !fl.now().After(e.expires)
		return !seen
	})
	return seen, err
}

// EndSession implements [SessionList].
func (fl *File) EndSession(_ context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("revocation: EndSession needs a session id")
	}
	return fl.append(hashKey("session", "", id), time.Time{}, expires, nil)
}

// SessionEnded implements [SessionList].
func (fl *File) SessionEnded(_ context.Context, id string) (bool, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.refresh(); err != nil {
		return false, err
	}
	e, ok := fl.entries[hashKey("session", "", id)]
	return ok && !fl.now().After(e.expires), nil
}

// Len returns how many records are held in memory, expired ones not yet dropped
// included. It is meant for tests.
func (fl *File) Len() int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return len(fl.entries)
}
