package revocation_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/foyer-oidc/foyer/rp/revocation/revocationtest"
)

// openFile opens a journal at path and closes it when the test ends.
func openFile(t *testing.T, path string, now func() time.Time) *revocation.File {
	t.Helper()
	f, err := revocation.OpenFile(path, now)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFileConformance(t *testing.T) {
	t.Parallel()
	revocationtest.Run(t, func(t *testing.T) revocationtest.Store {
		return openFile(t, filepath.Join(t.TempDir(), "revocations"), nil)
	})
	revocationtest.RunExpiry(t, func(t *testing.T, now func() time.Time) revocationtest.Store {
		return openFile(t, filepath.Join(t.TempDir(), "revocations"), now)
	})
	revocationtest.RunSessionList(t, func(t *testing.T, now func() time.Time) revocation.SessionList {
		return openFile(t, filepath.Join(t.TempDir(), "revocations"), now)
	})
}

// TestFileSharedOpensConformance runs the checks with every call alternating
// between two opens of one journal, as two processes sharing a state directory.
func TestFileSharedOpensConformance(t *testing.T) {
	t.Parallel()
	revocationtest.Run(t, func(t *testing.T) revocationtest.Store {
		path := filepath.Join(t.TempDir(), "revocations")
		return &pair{a: openFile(t, path, nil), b: openFile(t, path, nil)}
	})
	revocationtest.RunExpiry(t, func(t *testing.T, now func() time.Time) revocationtest.Store {
		path := filepath.Join(t.TempDir(), "revocations")
		return &pair{a: openFile(t, path, now), b: openFile(t, path, now)}
	})
	revocationtest.RunSessionList(t, func(t *testing.T, now func() time.Time) revocation.SessionList {
		path := filepath.Join(t.TempDir(), "revocations")
		return &pair{a: openFile(t, path, now), b: openFile(t, path, now)}
	})
}

// pair sends each call to one of two Files in turn.
type pair struct {
	a, b *revocation.File
	n    atomic.Int64
}

func (p *pair) next() *revocation.File {
	if p.n.Add(1)%2 == 0 {
		return p.a
	}
	return p.b
}

func (p *pair) Revoke(ctx context.Context, iss string, k revocation.Kind, v string, at time.Time, ttl time.Duration) error {
	return p.next().Revoke(ctx, iss, k, v, at, ttl)
}

func (p *pair) RevokedAt(ctx context.Context, iss, sid, sub string) (time.Time, bool, error) {
	return p.next().RevokedAt(ctx, iss, sid, sub)
}

func (p *pair) SeenJTI(ctx context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	return p.next().SeenJTI(ctx, iss, jti, ttl)
}

func (p *pair) EndSession(ctx context.Context, id string, exp time.Time) error {
	return p.next().EndSession(ctx, id, exp)
}

func (p *pair) SessionEnded(ctx context.Context, id string) (bool, error) {
	return p.next().SessionEnded(ctx, id)
}

func TestFileSurvivesReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "state", "revocations")
	f, err := revocation.OpenFile(path, c.now)
	if err != nil {
		t.Fatal(err)
	}
	at := c.now().Add(-time.Minute)
	for _, err := range []error{
		f.Revoke(ctx, "https://idp", revocation.BySID, "sid-1", at, time.Hour),
		f.Revoke(ctx, "https://idp", revocation.BySubject, "alice", at.Add(time.Second), time.Hour),
		f.EndSession(ctx, "session-1", c.now().Add(time.Hour)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen, err := f.SeenJTI(ctx, "https://idp", "jti-1", time.Hour); err != nil || seen {
		t.Fatalf("SeenJTI = %v, %v", seen, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.RevokedAt(ctx, "https://idp", "sid-1", ""); err == nil {
		t.Error("RevokedAt on a closed File succeeded, want an error")
	}
	// The restarted process.
	g := openFile(t, path, c.now)
	if got, ok, err := g.RevokedAt(ctx, "https://idp", "sid-1", ""); err != nil || !ok || !got.Equal(at) {
		t.Errorf("after reopening: RevokedAt(sid-1) = %v, %v, %v; want %v", got, ok, err, at)
	}
	if got, ok, err := g.RevokedAt(ctx, "https://idp", "", "alice"); err != nil || !ok || !got.Equal(at.Add(time.Second)) {
		t.Errorf("after reopening: RevokedAt(alice) = %v, %v, %v; want %v", got, ok, err, at.Add(time.Second))
	}
	if ended, err := g.SessionEnded(ctx, "session-1"); err != nil || !ended {
		t.Errorf("after reopening: SessionEnded = %v, %v; want true", ended, err)
	}
	if seen, err := g.SeenJTI(ctx, "https://idp", "jti-1", time.Hour); err != nil || !seen {
		t.Errorf("after reopening: a replayed jti: SeenJTI = %v, %v; want true", seen, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
}

func TestFileSeesOtherProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revocations")
	a, b := openFile(t, path, nil), openFile(t, path, nil)
	if err := a.EndSession(ctx, "s1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ended, err := b.SessionEnded(ctx, "s1"); err != nil || !ended {
		t.Errorf("a sign-out written by one process: the other's SessionEnded = %v, %v; want true", ended, err)
	}
	if err := b.Revoke(ctx, "iss", revocation.BySubject, "bob", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.RevokedAt(ctx, "iss", "", "bob"); err != nil || !ok {
		t.Errorf("a revocation written by one process: the other's RevokedAt ok = %v, %v; want true", ok, err)
	}
	// Exactly one of two processes sees a jti first: 30 jtis, each sent to both at
	// the same moment.
	for round := range 30 {
		jti := fmt.Sprintf("jti-%d", round)
		var first atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, f := range []*revocation.File{a, b, a, b} {
			wg.Go(func() {
				<-start
				seen, err := f.SeenJTI(ctx, "iss", jti, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if !seen {
					first.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := first.Load(); got != 1 {
			t.Errorf("%s: %d first sightings across two processes, want 1", jti, got)
		}
	}
}

// TestFileLocksAcrossProcesses: while one process is between reading the journal
// and appending to it, another process's write waits for it. Two opens of one file
// hold separate locks, as two processes do.
func TestFileLocksAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revocations")
	a, b := openFile(t, path, nil), openFile(t, path, nil)
	aHolds, bDone := make(chan struct{}), make(chan struct{})
	a.SetBeforeAppend(func() {
		close(aHolds)
		select { // b must not get through while a holds the lock
		case <-bDone:
		case <-time.After(300 * time.Millisecond):
		}
	})
	var seenA, seenB bool
	var wg sync.WaitGroup
	wg.Go(func() {
		var err error
		if seenA, err = a.SeenJTI(ctx, "iss", "jti-1", time.Hour); err != nil {
			t.Error(err)
		}
	})
	<-aHolds
	var err error
	seenB, err = b.SeenJTI(ctx, "iss", "jti-1", time.Hour)
	close(bDone)
	wg.Wait()
	if err != nil || seenA || !seenB {
		t.Errorf("SeenJTI: first process %v, second %v (%v); want false, then true: the second waited for the first's record", seenA, seenB, err)
	}
}

// TestFileWithoutCounter: where the write counter cannot be mapped (not Unix),
// reads stat the journal and still see other processes' writes and compactions.
func TestFileWithoutCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "revocations")
	a, b := openFile(t, path, c.now), openFile(t, path, c.now)
	a.DisableCounter()
	b.DisableCounter()
	a.SetCompactAfter(16)
	if err := a.EndSession(ctx, "s1", c.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ended, err := b.SessionEnded(ctx, "s1"); err != nil || !ended {
		t.Errorf("b.SessionEnded(s1) = %v, %v; want true", ended, err)
	}
	if err := b.Revoke(ctx, "iss", revocation.BySubject, "bob", c.now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.RevokedAt(ctx, "iss", "", "bob"); err != nil || !ok {
		t.Errorf("a.RevokedAt(bob) ok = %v, %v; want true", ok, err)
	}
	for i := range 20 { // a compacts; b reads the new journal
		if err := a.EndSession(ctx, fmt.Sprintf("short-%d", i), c.now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if ended, err := b.SessionEnded(ctx, "short-19"); err != nil || !ended {
		t.Errorf("after a's compaction, b.SessionEnded(short-19) = %v, %v; want true", ended, err)
	}
}

func TestFileCompacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "revocations")
	a, b := openFile(t, path, c.now), openFile(t, path, c.now)
	a.SetCompactAfter(64)
	if err := a.EndSession(ctx, "long-lived", c.now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := a.EndSession(ctx, fmt.Sprintf("short-%d", i), c.now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if i == 59 {
			c.add(2 * time.Minute) // the first 60 expire
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// 101 records of ~70 bytes were written; compaction at 64 kept the ~5 live ones,
	// and 37 more followed.
	if fi.Size() > 50*70 {
		t.Errorf("journal is %d bytes after 101 records, 60 of them expired: want it compacted", fi.Size())
	}
	for _, f := range []*revocation.File{a, b} {
		for id, want := range map[string]bool{"long-lived": true, "short-99": true, "short-62": true, "short-10": false} {
			if got, err := f.SessionEnded(ctx, id); err != nil || got != want {
				t.Errorf("after compaction: SessionEnded(%s) = %v, %v; want %v", id, got, err, want)
			}
		}
	}
	// The other process keeps writing to the new journal.
	if err := b.EndSession(ctx, "after", c.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := openFile(t, path, c.now).SessionEnded(ctx, "after"); err != nil || !got {
		t.Errorf("a record written after another process compacted is lost: %v, %v", got, err)
	}
}

func TestFileTornLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revocations")
	a := openFile(t, path, nil)
	if err := a.EndSession(ctx, "before", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a write leaves half a line.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString("q8Xh1TQ4tvXa 17")
	fh.Close()
	b := openFile(t, path, nil)
	if err := b.EndSession(ctx, "after", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := openFile(t, path, nil)
	for _, id := range []string{"before", "after"} {
		if got, err := c.SessionEnded(ctx, id); err != nil || !got {
			t.Errorf("after a torn line: SessionEnded(%s) = %v, %v; want true", id, got, err)
		}
	}
}

func TestFileRefusesOtherFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("shopping list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := revocation.OpenFile(path, nil); err == nil {
		t.Error("OpenFile of a file that is not a journal succeeded, want an error")
	}
}

// TestFileFailsClosedWhenGone: with the journal deleted (or its disk gone), a new
// sign-out fails (rp answers 503 and keeps the cookie, so the user retries) rather
// than being forgotten; what was read before still counts; and a process that must
// read what another one wrote cannot, and says so (rp answers 503).
func TestFileFailsClosedWhenGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revocations")
	a, b := openFile(t, path, nil), openFile(t, path, nil)
	if err := a.EndSession(ctx, "known", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ended, err := b.SessionEnded(ctx, "known"); err != nil || !ended {
		t.Fatalf("SessionEnded = %v, %v", ended, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := a.EndSession(ctx, "new", time.Now().Add(time.Hour)); err == nil {
		t.Error("EndSession with the journal deleted: no error, want one (the sign-out would be forgotten)")
	}
	if ended, err := a.SessionEnded(ctx, "known"); err != nil || !ended {
		t.Errorf("with the journal deleted, a sign-out read before: SessionEnded = %v, %v; want true", ended, err)
	}
	// b learns from the shared counter that something changed, and cannot read it.
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the journal came back")
	}
	if err := b.Revoke(ctx, "iss", revocation.BySID, "s", time.Now(), time.Hour); err == nil {
		t.Error("Revoke with the journal deleted: no error, want one")
	}
}

func TestFileHoldsNoIdentifiers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revocations")
	f := openFile(t, path, nil)
	secrets := []string{"alice@example.com", "sid-7f3a9c", "K3yS3ss10nId-abcdef", "jti-0d9e8f"}
	_ = f.Revoke(ctx, "https://idp.example", revocation.BySubject, secrets[0], time.Now(), time.Hour)
	_ = f.Revoke(ctx, "https://idp.example", revocation.BySID, secrets[1], time.Now(), time.Hour)
	_ = f.EndSession(ctx, secrets[2], time.Now().Add(time.Hour))
	_, _ = f.SeenJTI(ctx, "https://idp.example", secrets[3], time.Hour)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Neither in clear, nor merely encoded.
	text := string(b)
	for _, line := range strings.Split(text, "\n") {
		for _, field := range strings.Fields(line) {
			if dec, err := base64.RawURLEncoding.DecodeString(field); err == nil {
				text += "\n" + string(dec)
			}
		}
	}
	for _, s := range append(secrets, "idp.example") {
		if strings.Contains(text, s) || strings.Contains(text, s[:8]) {
			t.Errorf("the journal holds %q", s)
		}
	}
	if lines := strings.Count(string(b), "\n"); lines != 5 {
		t.Errorf("journal has %d lines, want a header and 4 records", lines)
	}
}

// BenchmarkSessionEnded is the check every signed-in request makes, with 10,000
// sign-outs on record: File (one stat of the journal, then a map lookup) against
// Memory.
func BenchmarkSessionEnded(b *testing.B) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	f, err := revocation.OpenFile(filepath.Join(b.TempDir(), "revocations"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.SetCompactAfter(1 << 20)
	m := revocation.NewMemory(nil)
	for i := range 10_000 {
		id := fmt.Sprintf("session-%d", i)
		if err := f.EndSession(ctx, id, exp); err != nil {
			b.Fatal(err)
		}
		_ = m.EndSession(ctx, id, exp)
	}
	for name, l := range map[string]revocation.SessionList{"file": f, "memory": m} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ended, err := l.SessionEnded(ctx, "a-live-session"); err != nil || ended {
					b.Fatal(ended, err)
				}
			}
		})
	}
}

// BenchmarkFileEndSession is one sign-out written to the journal and synced to disk.
func BenchmarkFileEndSession(b *testing.B) {
	ctx := context.Background()
	f, err := revocation.OpenFile(filepath.Join(b.TempDir(), "revocations"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	exp := time.Now().Add(time.Hour)
	i := 0
	for b.Loop() {
		i++
		if err := f.EndSession(ctx, fmt.Sprintf("session-%d", i), exp); err != nil {
			b.Fatal(err)
		}
	}
}
