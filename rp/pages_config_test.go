package rp

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testLogo = "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nlogo"))

// TestBrandingOnPages: the app's name is text wherever it appears (never
// markup), the logo and colour are on every page, and pages still obey their CSP.
func TestBrandingOnPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) {
		c.Pages = PagesConfig{AppName: `Acme <script>alert(1)</script>`, LogoURL: testLogo, AccentColor: "#0b7285"}
	}})
	for _, path := range []string{"/", "/auth/logout", "/auth/logout/done", "/nope"} {
		resp, body := h.get(h.newBrowser(), path)
		checkPage(t, path, h.srv.URL+path, resp, body, "en")
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the app name became markup", path)
		}
		for _, want := range []string{
			`<span data-testid="app-name">Acme &lt;script&gt;alert(1)&lt;/script&gt;</span>`,
			` · Acme &lt;script&gt;alert(1)&lt;/script&gt;</title>`,
			`<img src="` + testLogo + `" alt="" data-testid="logo">`,
			"--accent:#0b7285;--on-accent:#fff",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: lacks %s", path, want)
			}
		}
	}
}

// newErr returns New's error for a config changed by change.
func newErr(t *testing.T, change func(*Config)) error {
	t.Helper()
	cfg := Config{
		PublicURL:     "https://app.example.com",
		Providers:     []ProviderConfig{{ID: "corp", Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s"}},
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")},
	}
	change(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := New(ctx, cfg)
	return err
}

// writeDir makes a templates directory holding files.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPagesConfigErrors: a mistake in branding or in the templates directory
// stops New with a message naming the setting or the file and what to do.
func TestPagesConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pages func(t *testing.T) PagesConfig
		want  []string
	}{
		{"javascript logo", func(*testing.T) PagesConfig { return PagesConfig{LogoURL: "javascript:alert(1)"} },
			[]string{`pages: logo "javascript:alert(1)": unsupported scheme or form; want an https:// URL`}},
		{"colour", func(*testing.T) PagesConfig { return PagesConfig{AccentColor: "teal"} },
			[]string{`accent colour "teal": want #rgb or #rrggbb`}},
		{"no such directory", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: filepath.Join(t.TempDir(), "missing")}
		},
			[]string{"pages: templates directory", "missing\": not a readable directory"}},
		{"misspelt file", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: writeDir(t, map[string]string{"style.ccs": "p{}"})}
		}, []string{`unexpected file "style.ccs" (allowed: style.css, messages.<language>.json)`}},
		{"stylesheet that ends the style element", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: writeDir(t, map[string]string{"style.css": "p{}</style><script>x</script>"})}
		}, []string{`style.css: contains "<"`}},
		{"unknown message", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: writeDir(t, map[string]string{"messages.en.json": `{"rp.home.welcom": "Hi"}`})}
		}, []string{`messages.en.json: unknown message "rp.home.welcom" (did you mean "rp.home.welcome"?)`}},
		{"placeholder lost", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: writeDir(t, map[string]string{"messages.ko.json": `{"rp.home.welcome": "환영합니다"}`})}
		}, []string{`messages.ko.json: message "rp.home.welcome" has placeholders [], want [{app}]`}},
		{"broken JSON", func(t *testing.T) PagesConfig {
			return PagesConfig{TemplatesDir: writeDir(t, map[string]string{"messages.de.json": `{"rp.home.sign_in": "Anmelden",}`})}
		}, []string{"messages.de.json: not a JSON object of strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pc := tt.pages(t)
			err := newErr(t, func(c *Config) { c.Pages = pc })
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("New error:\n%v\nwant it to contain:\n%s", err, want)
				}
			}
		})
	}
}

// TestTemplatesDirOverride: an operator's stylesheet and words replace the
// built-in ones, an added language is offered, and pages still obey their CSP.
func TestTemplatesDirOverride(t *testing.T) {
	t.Parallel()
	dir := writeDir(t, map[string]string{
		"style.css":        ".card{border-width:3px}",
		"messages.en.json": `{"rp.home.welcome": "Good to see you at {app}"}`,
		"messages.de.json": `{"rp.home.welcome": "Willkommen bei {app}", "rp.home.not_signed_in": "Sie sind nicht angemeldet."}`,
		".gitkeep":         "",
	})
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Pages = PagesConfig{AppName: "Wiki", TemplatesDir: dir} }})
	tests := []struct{ lang, want string }{
		{"en", "<h1>Good to see you at Wiki</h1>"},
		{"de", "<h1>Willkommen bei Wiki</h1><p class=\"muted\">Sie sind nicht angemeldet.</p>"},
		{"ko", "<h1>Wiki에 오신 것을 환영합니다</h1>"},
	}
	for _, tt := range tests {
		resp, body := h.get(h.newBrowser(), "/", "Accept-Language", tt.lang)
		checkPage(t, tt.lang, h.srv.URL+"/", resp, body, tt.lang)
		if !strings.Contains(body, tt.want) || !strings.Contains(body, ".card{border-width:3px}</style>") {
			t.Errorf("%s: lacks %q or the operator's stylesheet", tt.lang, tt.want)
		}
	}
	// Words the German file lacks come in English.
	if _, body := h.get(h.newBrowser(), "/", "Accept-Language", "de"); !strings.Contains(body, "Sign in with Mock IdP") {
		t.Error("de: a missing message is not shown in English")
	}
}
