package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLogoFileInline: --logo-file puts the image on the pages as a data: URL.
func TestLogoFileInline(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "logo.svg")
	if err := os.WriteFile(f, []byte("<svg/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--public-url", "https://app.example.com", "--issuer", "https://idp.test", "--client-id", "rp",
		"--client-secret", "s", "--cookie-secret", secret32, "--logo-file", f, "--app-name", "Acme Wiki", "--accent-color", "#0b7285"}
	_, a, err := configured(t, args, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	p := a.cfg.Pages
	if p.LogoURL != "data:image/svg+xml;base64,PHN2Zy8+" || p.AppName != "Acme Wiki" || p.AccentColor != "#0b7285" {
		t.Errorf("pages config %+v, want the inline logo, name and colour", p)
	}
}
