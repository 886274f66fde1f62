package ui

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
)

// Render writes a page: body inside [Document], with headers that keep it to
// itself (the CSP given, no framing, no referrer, no sniffing, no caching) and
// say its language. It renders into a buffer first, so a failure leaves w
// untouched for the caller to answer with an error of its own.
func Render(w http.ResponseWriter, r *http.Request, status int, csp string, f Frame, body templ.Component) error {
	var buf bytes.Buffer
	if err := Document(f, body).Render(r.Context(), &buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Language", f.Locale.Lang())
	h.Add("Vary", "Accept-Language")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}
