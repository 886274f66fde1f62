package rp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProviderResponseSizeIsCapped(t *testing.T) {
	t.Parallel()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"keys":[`))
		w.Write([]byte(strings.Repeat(" ", 2<<20)))
		w.Write([]byte(`]}`))
	}))
	t.Cleanup(big.Close)
	client := providerClient(big.Client(), 1<<20)
	ks := newKeySet(big.URL, client, time.Now, time.Minute, []string{"RS256"})
	if _, err := ks.refresh(t.Context()); !errors.Is(err, errResponseTooLarge) {
		t.Errorf("2 MiB key set: err = %v, want errResponseTooLarge", err)
	}
}
