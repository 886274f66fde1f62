package revocation

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"
)

// The journal of a [File]: one header line, then one line per record, appended
// under the file lock and read by every process that shares the file.

// append writes one record under the lock, after reading what others appended. If
// write is set it is asked first, with the current entry, whether to write at all.
func (fl *File) append(k [32]byte, at, expires time.Time, write func(entry, bool) bool) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.withLock(func() error {
		if err := fl.catchUp(false); err != nil {
			return err
		}
		if write != nil {
			e, ok := fl.entries[k]
			if !write(e, ok) {
				return nil
			}
		}
		if fl.beforeAppend != nil {
			fl.beforeAppend()
		}
		if fi, err := fl.f.Stat(); err == nil && fi.Size() > fl.off {
			// A line without its newline, though nobody else can be writing: torn by
			// a crash. End it, so that this record starts on its own line.
			if _, err := fl.f.Write([]byte{'\n'}); err != nil {
				return fmt.Errorf("revocation: write %s: %w", fl.path, err)
			}
			fl.off = fi.Size() + 1
		}
		line := formatRecord(k, at, expires)
		if _, err := fl.f.Write(line); err != nil {
			return fmt.Errorf("revocation: write %s: %w", fl.path, err)
		}
		if err := fl.f.Sync(); err != nil {
			return fmt.Errorf("revocation: sync %s: %w", fl.path, err)
		}
		fl.off += int64(len(line))
		fl.recs++
		fl.apply(k, entry{at: at, expires: expires})
		err := fl.maybeCompact()
		if fl.gen != nil {
			// Under the lock, every earlier write has been read: this one is ours.
			fl.seenGen = atomic.AddUint64(fl.gen, 1)
		}
		return err
	})
}

// apply merges a record: the later revocation time and the later expiry win.
func (fl *File) apply(k [32]byte, r entry) {
	e := fl.entries[k]
	if r.at.After(e.at) {
		e.at = r.at
	}
	if r.expires.After(e.expires) {
		e.expires = r.expires
	}
	fl.entries[k] = e
}

// refresh reads what other processes appended since the last read, or the whole
// journal again when it was replaced (compacted). fl.mu must be held.
func (fl *File) refresh() error {
	if fl.closed {
		return errors.New("revocation: file closed")
	}
	if fl.gen != nil {
		// Read the counter first: a write after it moves it again.
		g := atomic.LoadUint64(fl.gen)
		if g == fl.seenGen {
			return nil
		}
		if err := fl.catchUp(false); err != nil {
			return err
		}
		fl.seenGen = g
		return nil
	}
	fi, err := os.Stat(fl.path)
	if err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	if os.SameFile(fi, fl.fi) && fi.Size() == fl.off {
		return nil
	}
	return fl.catchUp(false)
}

// catchUp opens the journal if it is not open or was replaced, creating it with its
// header when missing (writing needs the file lock then), and applies the records
// past fl.off. fl.mu must be held.
func (fl *File) catchUp(create bool) error {
	if fl.closed {
		return errors.New("revocation: file closed")
	}
	if fi, err := os.Stat(fl.path); fl.f != nil && err == nil && os.SameFile(fi, fl.fi) {
		return fl.readFrom()
	}
	// First open, or the journal was replaced: read it all again.
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
	flags := os.O_RDWR | os.O_APPEND
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(fl.path, flags, 0o600)
	if err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("revocation: %w", err)
	}
	fl.f, fl.fi, fl.off, fl.recs = f, fi, 0, 0
	clear(fl.entries)
	if fi.Size() == 0 {
		if _, err := f.WriteString(fileHeader); err != nil {
			return fmt.Errorf("revocation: write %s: %w", fl.path, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("revocation: sync %s: %w", fl.path, err)
		}
	}
	if err := fl.readFrom(); err != nil {
		return err
	}
	fl.compact = max(fl.minRecs, 2*fl.recs)
	return nil
}

// readFrom applies the complete lines past fl.off. A last line without its newline
// (a write in progress, or torn by a crash) is left for later; when the lock is
// held, a torn line is ended so the next record starts on its own line.
func (fl *File) readFrom() error {
	if _, err := fl.f.Seek(fl.off, io.SeekStart); err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	r := bufio.NewReaderSize(fl.f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("revocation: read %s: %w", fl.path, err)
		}
		if fl.off == 0 {
			if string(line) != fileHeader {
				return fmt.Errorf("revocation: %s is not a revocation journal", fl.path)
			}
		} else if k, e, ok := parseRecord(line); ok {
			fl.apply(k, e)
			fl.recs++
		}
		fl.off += int64(len(line))
	}
}

// formatRecord returns a journal line: key, revocation time (Unix nanoseconds, 0
// for none) and expiry (Unix seconds, rounded up).
func formatRecord(k [32]byte, at, expires time.Time) []byte {
	var atNano int64
	if !at.IsZero() {
		atNano = at.UnixNano()
	}
	exp := expires.Unix()
	if expires.After(time.Unix(exp, 0)) {
		exp++
	}
	b := make([]byte, 0, 80)
	b = base64.RawURLEncoding.AppendEncode(b, k[:])
	b = append(b, ' ')
	b = strconv.AppendInt(b, atNano, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, exp, 10)
	return append(b, '\n')
}

// parseRecord reads a journal line; ok is false for a malformed one (skipped).
func parseRecord(line []byte) (k [32]byte, e entry, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 3 {
		return k, e, false
	}
	n, err := base64.RawURLEncoding.Decode(k[:], f[0])
	if err != nil || n != len(k) || len(f[0]) != 43 {
		return k, e, false
	}
	at, err1 := strconv.ParseInt(string(f[1]), 10, 64)
	exp, err2 := strconv.ParseInt(string(f[2]), 10, 64)
	if err1 != nil || err2 != nil {
		return k, e, false
	}
	if at != 0 {
		e.at = time.Unix(0, at)
	}
	e.expires = time.Unix(exp, 0)
	return k, e, true
}

// maybeCompact rewrites the journal with its live records once it holds twice as
// many records as were live after the last compaction (and at least compactAfter).
// The file lock and fl.mu must be held.
func (fl *File) maybeCompact() error {
	if fl.recs < fl.compact {
		return nil
	}
	now := fl.now()
	for k, e := range fl.entries {
		if now.After(e.expires) {
			delete(fl.entries, k)
		}
	}
	tmp := fl.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("revocation: compact: %w", err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(fileHeader)
	for k, e := range fl.entries {
		w.Write(formatRecord(k, e.at, e.expires))
	}
	err = errors.Join(w.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, fl.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("revocation: compact: %w", err)
	}
	syncDir(filepath.Dir(fl.path))
	// Read the new journal from the start (the records are the live entries).
	fl.f.Close()
	fl.f = nil
	if err := fl.catchUp(false); err != nil {
		return err
	}
	fl.compact = max(fl.minRecs, 2*fl.recs)
	return nil
}

// syncDir makes a rename in dir durable; errors are ignored (some filesystems
// cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// withLock runs fn holding the cross-process lock.
func (fl *File) withLock(fn func() error) error {
	if err := lockFile(fl.lock); err != nil {
		return fmt.Errorf("revocation: lock %s: %w", fl.lock.Name(), err)
	}
	defer unlockFile(fl.lock)
	return fn()
}
