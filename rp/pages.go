package rp

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageData is what every page template receives.
type pageData struct {
	Title             string
	User              *User
	Claims            []claimRow
	Providers         []providerLink
	Return            string
	CSRF              string
	Error             *Error
	ProviderSignedOut bool
}

type claimRow struct{ Name, Value string }

type providerLink struct{ ID, Name string }

func parsePages() (*template.Template, error) {
	t, err := template.New("").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("rp: templates: %w", err)
	}
	return t, nil
}

// render writes a page with security headers: no external assets, no framing, no referrer.
func (p *RP) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := p.pages.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("render page", "page", name, "reason", err.Error())
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// renderChooser shows a button per provider.
func (p *RP) renderChooser(w http.ResponseWriter, r *http.Request, rd string) {
	data := pageData{Title: "Sign in", Return: rd}
	for _, id := range p.order {
		data.Providers = append(data.Providers, providerLink{ID: id, Name: p.providers[id].displayName()})
	}
	w.Header().Set("Cache-Control", "no-store")
	p.render(w, r, http.StatusOK, "chooser", data)
}

// Home returns the handler of the built-in pages: "/" shows a "Sign in" button, or who
// is signed in and every claim of their session. Other paths are 404.
func (p *RP) Home() http.Handler {
	return p.Identify(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			p.writeError(w, r, newError(http.StatusNotFound, "not_found", "There is nothing here.", fmt.Errorf("no page %q", truncate(r.URL.Path, 100))))
			return
		}
		data := pageData{Title: "foyer"}
		if u, ok := UserFromContext(r.Context()); ok {
			data.User = u
			data.Claims = claimRows(u.Claims)
		}
		if len(p.order) == 1 {
			data.Providers = []providerLink{{ID: p.order[0], Name: p.providers[p.order[0]].displayName()}}
		}
		w.Header().Set("Cache-Control", "no-store")
		p.render(w, r, http.StatusOK, "home", data)
	}))
}

// claimRows lists claims sorted by name, values as compact JSON.
func claimRows(c map[string]any) []claimRow {
	rows := make([]claimRow, 0, len(c))
	for k, v := range c {
		val, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			val = string(b)
		}
		rows = append(rows, claimRow{k, val})
	}
	slices.SortFunc(rows, func(a, b claimRow) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return rows
}
