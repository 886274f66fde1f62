package rp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/foyer-oidc/foyer/internal/ui"
)

// PagesConfig puts an app's own name, logo and colour on rp's pages, and lets an
// operator change their words and look from a directory ([Config.Pages]).
// Pages pick their language from the browser's Accept-Language (English and
// Korean are built in; docs/pages.md shows how to add one).
type PagesConfig struct {
	// AppName is shown in the header and the tab title. Empty: the public URL's host.
	AppName string
	// LogoURL is an image shown beside the name: an https URL, a path on this
	// site ("/static/logo.png"), or a data:image/...;base64 URL ([LogoDataURL]).
	// The pages' Content-Security-Policy allows exactly that image.
	LogoURL string
	// AccentColor colours buttons and links: "#rgb" or "#rrggbb". Empty: blue.
	AccentColor string
	// TemplatesDir holds the operator's overrides, each optional: style.css (added
	// to the built-in stylesheet) and messages.<language>.json (replacing built-in
	// messages, or adding a language). Problems in it fail [New] with the file
	// name. Empty: none.
	TemplatesDir string
}

// pageKit is everything pages need, built once from PagesConfig.
type pageKit struct {
	theme    *ui.Theme
	catalogs *ui.Catalogs
}

// LogoDataURL turns an image file's contents into a data: URL for
// [PagesConfig.LogoURL]; the type comes from name's extension (.png, .jpg,
// .gif, .webp or .svg).
func LogoDataURL(name string, b []byte) (string, error) { return ui.LogoDataURL(name, b) }

// buildPages checks c and loads the overrides; host names the app when c does
// not. Every problem is reported at once, each as "pages: ...".
func buildPages(c PagesConfig, host string) (*pageKit, error) {
	var errs []error
	var over fs.FS
	css := ""
	if c.TemplatesDir != "" {
		dirErr := func(err error) error { return fmt.Errorf("templates directory %q: %w", c.TemplatesDir, err) }
		if st, err := os.Stat(c.TemplatesDir); err != nil || !st.IsDir() {
			errs = append(errs, dirErr(errors.New("not a readable directory")))
		} else {
			over = os.DirFS(c.TemplatesDir)
			if err := checkTemplateFiles(over); err != nil {
				errs = append(errs, dirErr(err))
				over = nil
			} else if b, err := fs.ReadFile(over, "style.css"); err == nil {
				css = string(b)
			} else if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, dirErr(err))
			}
		}
	}
	b := ui.Branding{AppName: c.AppName, LogoURL: c.LogoURL, AccentColor: c.AccentColor}
	theme, err := ui.NewTheme(b, host, css)
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = append(errs, j.Unwrap()...)
	} else if err != nil {
		errs = append(errs, err)
	}
	cats, err := ui.LoadCatalogs(over)
	if err != nil {
		errs = append(errs, fmt.Errorf("templates directory %q: %w", c.TemplatesDir, err))
	}
	if len(errs) > 0 {
		for i, e := range errs {
			errs[i] = fmt.Errorf("pages: %w", e)
		}
		return nil, errors.Join(errs...)
	}
	return &pageKit{theme: theme, catalogs: cats}, nil
}

// checkTemplateFiles refuses files the directory may not hold, so that a
// misspelt name ("style.ccs", "messages-ko.json") is an error, not silently ignored.
func checkTemplateFiles(dir fs.FS) error {
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if name == "style.css" || (len(name) > len("messages..json") && name[:9] == "messages." && name[len(name)-5:] == ".json") {
			continue
		}
		if name[0] == '.' { // editor and VCS files
			continue
		}
		return fmt.Errorf("unexpected file %q (allowed: style.css, messages.<language>.json)", name)
	}
	return nil
}
