package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/foyer-oidc/foyer/internal/ui/uitest"
)

var pngData = "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nfake"))

func TestNewThemeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    Branding
		css  string
		want string
	}{
		{"javascript logo", Branding{LogoURL: "javascript:alert(1)"}, "", "unsupported scheme"},
		{"javascript logo, mixed case", Branding{LogoURL: "JaVaScRiPt:alert(1)"}, "", "unsupported scheme"},
		{"javascript logo with a tab", Branding{LogoURL: "java\tscript:alert(1)"}, "", "spaces or control"},
		{"vbscript logo", Branding{LogoURL: "vbscript:msgbox(1)"}, "", "unsupported scheme"},
		{"data: HTML logo", Branding{LogoURL: "data:text/html;base64,PHNjcmlwdD4="}, "", "data:image/png"},
		{"data: logo without base64", Branding{LogoURL: "data:image/svg+xml,<svg/onload=alert(1)>"}, "", "data:image/png"},
		{"data: logo with bad base64", Branding{LogoURL: "data:image/png;base64,!!!"}, "", "does not decode"},
		{"data: logo too large", Branding{LogoURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, 97<<10))}, "", "larger than 96 KiB"},
		{"plain http logo", Branding{LogoURL: "http://cdn.example.com/logo.png"}, "", "unsupported scheme"},
		{"protocol-relative logo", Branding{LogoURL: "//evil.example/logo.png"}, "", "unsupported scheme"},
		{"relative logo", Branding{LogoURL: "logo.png"}, "", "unsupported scheme"},
		{"logo with userinfo", Branding{LogoURL: "https://user:pw@cdn.example.com/logo.png"}, "", "unsupported scheme"},
		{"logo that would break the CSP", Branding{LogoURL: "https://cdn.example.com/a.png;script-src"}, "", "contains one of"},
		{"logo with a quote", Branding{LogoURL: "https://cdn.example.com/a'.png"}, "", "contains one of"},
		{"colour name", Branding{AccentColor: "red"}, "", "accent colour"},
		{"colour that escapes the rule", Branding{AccentColor: "#fff;}body{display:none"}, "", "accent colour"},
		{"colour too long", Branding{AccentColor: "#1234567"}, "", "accent colour"},
		{"colour with alpha", Branding{AccentColor: "#1234"}, "", "accent colour"},
		{"app name too long", Branding{AppName: strings.Repeat("x", 81)}, "", "longer than 80"},
		{"app name with a newline", Branding{AppName: "Acme\nCorp"}, "", "control character"},
		{"app name of spaces", Branding{AppName: "   "}, "", "only spaces"},
		{"app name not UTF-8", Branding{AppName: "\xff"}, "", "UTF-8"},
		{"css ending the style element", Branding{}, "p{}</style><script>alert(1)</script>", `contains "<"`},
		{"css importing", Branding{}, "@import 'https://evil.example/x.css';", "loads other resources"},
		{"css loading an image", Branding{}, "body{background:URL(https://evil.example/x.png)}", "loads other resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewTheme(tt.b, "app", tt.css)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewTheme error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewThemeAllErrorsAtOnce(t *testing.T) {
	t.Parallel()
	_, err := NewTheme(Branding{AppName: "\x00", LogoURL: "javascript:x", AccentColor: "blue"}, "app", "<")
	for _, want := range []string{"app name", "logo", "accent colour", "style.css"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestNewThemeLogoCSP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		logo, wantImgSrc string
	}{
		{"", ""},
		{"https://cdn.example.com/brand/logo.png?v=3", "img-src https://cdn.example.com/brand/logo.png;"},
		{"/static/logo.svg", "img-src 'self';"},
		{pngData, "img-src data:;"},
		{"http://127.0.0.1:9000/logo.png", "img-src http://127.0.0.1:9000/logo.png;"},
	}
	for _, tt := range tests {
		th, err := NewTheme(Branding{LogoURL: tt.logo}, "app", "")
		if err != nil {
			t.Errorf("%q: %v", tt.logo, err)
			continue
		}
		csp := th.CSP()
		if tt.wantImgSrc == "" && strings.Contains(csp, "img-src") || tt.wantImgSrc != "" && !strings.Contains(csp, tt.wantImgSrc) {
			t.Errorf("%q: CSP %q, want %q", tt.logo, csp, tt.wantImgSrc)
		}
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%q: CSP %q lacks %q", tt.logo, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q allows unsafe-inline", csp)
		}
	}
}

// renderDoc renders a page in the theme and returns body and CSP.
func renderDoc(t *testing.T, th *Theme, body templ.Component) (string, string) {
	t.Helper()
	cats, err := LoadCatalogs(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "https://app.example.com/", nil)
	if err := Render(rec, req, 200, th.CSP(), Frame{Theme: th, Locale: cats.Locale("en"), Title: "Page"}, body); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String(), rec.Header().Get("Content-Security-Policy")
}

// TestBrandingEscapedAndAllowed: a hostile app name is text, the accent
// colour and an operator's stylesheet are inside the one hashed <style>, and
// the page obeys its CSP.
func TestBrandingEscapedAndAllowed(t *testing.T) {
	t.Parallel()
	th, err := NewTheme(Branding{AppName: `<script>alert("x")</script> & Co`, LogoURL: pngData, AccentColor: "#0B7285"}, "app", "h1{letter-spacing:.02em}")
	if err != nil {
		t.Fatal(err)
	}
	page, csp := renderDoc(t, th, templ.Raw("<p>hi</p>"))
	if strings.Contains(page, "<script>") || !strings.Contains(page, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co`) {
		t.Errorf("app name not escaped:\n%s", page)
	}
	if !strings.Contains(page, `<title>Page · &lt;script&gt;`) {
		t.Errorf("tab title not escaped or not 'Page · app':\n%s", page)
	}
	for _, want := range []string{"--accent:#0b7285;--on-accent:#fff", "h1{letter-spacing:.02em}", `src="` + pngData + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if problems := uitest.CheckPage(csp, "https://app.example.com/", page); len(problems) > 0 {
		t.Errorf("page breaks its CSP %q: %q", csp, problems)
	}
}

func TestOnColor(t *testing.T) {
	t.Parallel()
	for c, want := range map[string]string{"#000": "#fff", "#ffffff": "#111", "#ffd43b": "#111", "#2f5bd3": "#fff", "#0b7285": "#fff", "#8fb0ff": "#111"} {
		if got := onColor(c); got != want {
			t.Errorf("onColor(%s) = %s, want %s", c, got, want)
		}
	}
}

func TestLogoDataURL(t *testing.T) {
	t.Parallel()
	got, err := LogoDataURL("brand/Logo.SVG", []byte("<svg/>"))
	if err != nil || got != "data:image/svg+xml;base64,PHN2Zy8+" {
		t.Errorf("LogoDataURL(svg) = %q, %v", got, err)
	}
	if _, err := LogoDataURL("logo.html", []byte("x")); err == nil {
		t.Error("LogoDataURL(.html): no error")
	}
	if _, err := LogoDataURL("logo.png", make([]byte, 97<<10)); err == nil {
		t.Error("LogoDataURL(97 KiB): no error")
	}
}

func TestScriptAndStyleWrittenVerbatim(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Script("a<b&&c").Render(context.Background(), &buf); err != nil || buf.String() != "<script>a<b&&c</script>" {
		t.Errorf("Script = %q, %v", buf.String(), err)
	}
}
