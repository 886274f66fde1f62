package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
)

// pages completes the pages' settings: --logo-file becomes an inline logo.
func (a *app) pages(c *config, res *settings.Result) {
	f := c.LogoFile
	if f == "" {
		return
	}
	where := fmt.Sprintf("%s %q", res.Where(&c.LogoFile), f)
	if c.RP.Pages.LogoURL != "" {
		res.Errorf(where, "give either a logo file or %s, not both", res.Where(&c.RP.Pages.LogoURL))
		return
	}
	b, err := os.ReadFile(f)
	if err != nil {
		res.Errorf(where, "cannot read the logo: %v", unwrapPath(err))
		return
	}
	data, err := rp.LogoDataURL(f, b)
	if err != nil {
		res.Errorf(where, "%v", err)
		return
	}
	a.cfg.Pages.LogoURL = data
}

// pagesWhere names the setting one of rp's "pages: ..." errors is about.
func pagesWhere(msg string, c *config, res *settings.Result) string {
	switch {
	case strings.HasPrefix(msg, "app name"):
		return res.Where(&c.RP.Pages.AppName)
	case strings.HasPrefix(msg, "logo") && c.LogoFile != "":
		return res.Where(&c.LogoFile)
	case strings.HasPrefix(msg, "logo"):
		return res.Where(&c.RP.Pages.LogoURL)
	case strings.HasPrefix(msg, "accent colour"):
		return res.Where(&c.RP.Pages.AccentColor)
	}
	return res.Where(&c.RP.Pages.TemplatesDir)
}
