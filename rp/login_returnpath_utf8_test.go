package rp

import "testing"

// TestSafeReturnPathInvalidUTF8: raw bytes that are not UTF-8 are refused (the
// percent-encoded form of the same bytes is a valid path and kept).
func TestSafeReturnPathInvalidUTF8(t *testing.T) {
	t.Parallel()
	for rd, want := range map[string]string{"/\xff": "/", "/0\xae\xae": "/", "/%FF": "/%FF", "/caf\u00e9": "/caf\u00e9"} {
		if got := SafeReturnPath(rd); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", rd, got, want)
		}
	}
}
