package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
)

// A session deleted (by another replica's logout) after Update read it and before
// Update writes it stays deleted.
func TestUpdateLosesToConcurrentDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st, err := New(ctx, Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ticket, err := st.Create(ctx, []byte("a"), Index{Issuer: "i", SID: "s"}, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	st.hookBeforeWrite = func() {
		if n, err := st.DeleteBySID(ctx, "i", "s"); err != nil || n != 1 {
			t.Errorf("DeleteBySID = %d, %v; want 1, nil", n, err)
		}
	}
	if err := st.Update(ctx, ticket, []byte("b"), time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update racing a delete: err = %v, want ErrNotFound", err)
	}
	st.hookBeforeWrite = nil
	if _, err := st.Load(ctx, ticket); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after the race: err = %v, want ErrNotFound (not recreated)", err)
	}
}
