package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// fuzzMutateTicket changes t at pos (modulo its length) as op says: 0
// overwrite with repl, 1 insert repl, 2 delete len(repl)+1 bytes, 3 truncate,
// 4 flip one bit.
func fuzzMutateTicket(t string, op byte, pos uint16, repl []byte) string {
	i := int(pos) % len(t)
	switch op % 5 {
	case 0:
		return t[:i] + string(repl) + t[min(i+len(repl), len(t)):]
	case 1:
		return t[:i] + string(repl) + t[i:]
	case 2:
		return t[:i] + t[min(i+len(repl)+1, len(t)):]
	case 3:
		return t[:i]
	default:
		bit := byte(1)
		if len(repl) > 0 {
			bit = 1 << (repl[0] % 8)
		}
		return t[:i] + string(t[i]^bit) + t[i+1:]
	}
}

// FuzzLoadTamperedTicket creates two sessions in a real Redis (skipped without
// redis-server), changes the first one's ticket and loads it. Properties: a
// changed ticket never loads a session (ErrNotFound, never another error
// while Redis is up) — in particular never the other session, and never
// the first one unless the ticket is unchanged; Update with it fails the
// same way and changes nothing.
func FuzzLoadTamperedTicket(f *testing.F) {
	f.Add(byte(0), uint16(0), []byte("A"))
	f.Add(byte(0), uint16(23), []byte("."))
	f.Add(byte(4), uint16(65), []byte{0}) // the key's last character
	f.Add(byte(4), uint16(10), []byte{5}) // the id
	f.Add(byte(1), uint16(66), []byte("="))
	f.Add(byte(2), uint16(22), []byte{})
	f.Add(byte(3), uint16(22), []byte{})
	f.Add(byte(0), uint16(23), []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	srv := redistest.Start(f)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: srv.URL, Prefix: "fuzz:"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	data := []byte(`{"sub":"alice"}`)
	ticket, err := st.Create(ctx, data, redisstore.Index{Issuer: "https://idp.example", Subject: "alice", SID: "s1"}, time.Hour, 2*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	other, err := st.Create(ctx, []byte(`{"sub":"bob"}`), redisstore.Index{}, time.Hour, 2*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op byte, pos uint16, repl []byte) {
		mut := fuzzMutateTicket(ticket, op, pos, repl)
		if mut == ticket || mut == other {
			return
		}
		got, err := st.Load(ctx, mut)
		if !errors.Is(err, redisstore.ErrNotFound) {
			t.Fatalf("Load(%q) = %q, %v; want ErrNotFound", mut, got, err)
		}
		if err := st.Update(ctx, mut, []byte(`{"sub":"mallory"}`), time.Hour); !errors.Is(err, redisstore.ErrNotFound) {
			t.Fatalf("Update(%q) = %v; want ErrNotFound", mut, err)
		}
		if got, err := st.Load(ctx, ticket); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the real session after a tampered Update: %q, %v; want %q", got, err, data)
		}
	})
}
