package uitest

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func TestCheckPage(t *testing.T) {
	t.Parallel()
	const css, js = "body{color:red}", "document.forms[0].submit()"
	csp := "default-src 'none'; style-src " + hash(css) + "; script-src " + hash(js) + "; img-src data: https://cdn.example.com/logo.png"
	tests := []struct {
		name, page string
		want       string // "" for no problem, else a word of the one problem
	}{
		{"allowed style, script and images", `<style>` + css + `</style><script>` + js + `</script><img src="data:image/png;base64,AA"><img src="https://cdn.example.com/logo.png?v=2">`, ""},
		{"style with other text", `<style>` + css + ` </style>`, "inline <style>"},
		{"script with other text", `<script>alert(1)</script>`, "inline <script>"},
		{"external script", `<script src="https://evil.example/x.js"></script>`, "script src"},
		{"style attribute", `<p style="color:red">x</p>`, "style attribute"},
		{"event handler", `<img src="data:image/png;base64,AA" onerror="alert(1)">`, "event handler"},
		{"image from another host", `<img src="https://evil.example/logo.png">`, "img-src"},
		{"image at another path of the allowed host", `<img src="https://cdn.example.com/other.png">`, "img-src"},
		{"image from this site without 'self'", `<img src="/logo.png">`, "img-src"},
		{"external stylesheet", `<link rel="stylesheet" href="https://fonts.example/css">`, "style-src"},
		{"frame", `<iframe src="https://evil.example/"></iframe>`, "frame-src"},
		{"base element", `<base href="https://evil.example/">`, "<base>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CheckPage(csp, "https://app.example.com/", tt.page)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("problems %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q, want one about %q", got, tt.want)
			}
		})
	}
}

func TestCheckPageUnsafeInline(t *testing.T) {
	t.Parallel()
	page := `<style>x{}</style>`
	if got := CheckPage("style-src 'unsafe-inline'", "https://a.example/", page); len(got) != 0 {
		t.Errorf("'unsafe-inline' alone: problems %q, want none", got)
	}
	// A hash in the list makes browsers ignore 'unsafe-inline'.
	if got := CheckPage("style-src 'unsafe-inline' "+hash("y{}"), "https://a.example/", page); len(got) != 1 {
		t.Errorf("'unsafe-inline' with a hash: problems %q, want one", got)
	}
	if got := CheckPage("default-src 'none'", "https://a.example/", page); len(got) != 1 {
		t.Errorf("default-src 'none': problems %q, want one", got)
	}
}

func TestParseCSP(t *testing.T) {
	t.Parallel()
	got := ParseCSP("default-src 'none';  IMG-SRC data: ; img-src https:;;")
	if len(got) != 2 || len(got["default-src"]) != 1 || len(got["img-src"]) != 1 || got["img-src"][0] != "data:" {
		t.Errorf("ParseCSP = %v, want default-src ['none'] and the first img-src [data:]", got)
	}
}
