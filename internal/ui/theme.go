package ui

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	_ "embed"
)

//go:embed style.css
var baseCSS string

// Branding is what an operator may put on the pages: the app's name, a logo
// and an accent colour. The zero value shows the program's own name.
type Branding struct {
	// AppName is shown in the header and the tab title. Empty: the program's name.
	AppName string
	// LogoURL is an image shown beside the name: an https URL, a path on this
	// site ("/static/logo.png"), or a data:image/...;base64 URL (see [LogoDataURL]).
	// The page's Content-Security-Policy allows exactly that image.
	LogoURL string
	// AccentColor colours buttons and links: "#rgb" or "#rrggbb".
	AccentColor string
}

// Theme is validated branding ready to render: the stylesheet, the logo and the
// Content-Security-Policy that allows exactly them. It is immutable.
type Theme struct {
	AppName string
	logo    string // validated image URL, "" for none
	css     string // the contents of the one <style> element
	imgSrc  string // CSP img-src source for the logo, "" for none
	csp     string
}

// Limits on branding values.
const (
	maxAppName  = 80
	maxLogoData = 96 << 10 // bytes of a data: logo after decoding
	maxCSS      = 64 << 10
)

var colorRE = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}){1,2}$`)

// NewTheme checks b and builds the theme; name is the program's own name, used
// when b has none; extraCSS (an operator's style.css) is appended to the
// built-in stylesheet. Every problem is reported at once.
func NewTheme(b Branding, name, extraCSS string) (*Theme, error) {
	t := &Theme{AppName: name}
	var errs []error
	if b.AppName != "" {
		if err := checkAppName(b.AppName); err != nil {
			errs = append(errs, err)
		}
		t.AppName = b.AppName
	}
	if b.LogoURL != "" {
		src, imgSrc, err := checkLogo(b.LogoURL)
		if err != nil {
			errs = append(errs, err)
		}
		t.logo, t.imgSrc = src, imgSrc
	}
	css := baseCSS
	if b.AccentColor != "" {
		if !colorRE.MatchString(b.AccentColor) {
			errs = append(errs, fmt.Errorf("accent colour %q: want #rgb or #rrggbb, e.g. #0b7285", b.AccentColor))
		} else {
			c := strings.ToLower(b.AccentColor)
			css += fmt.Sprintf(":root{--accent:%s;--on-accent:%s}\n", c, onColor(c))
		}
	}
	if extraCSS != "" {
		if err := checkCSS(extraCSS); err != nil {
			errs = append(errs, err)
		}
		css += extraCSS
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	t.css = css
	t.csp = "default-src 'none'; style-src " + hashSource(css)
	if t.imgSrc != "" {
		t.csp += "; img-src " + t.imgSrc
	}
	t.csp += "; frame-ancestors 'none'; base-uri 'none'"
	return t, nil
}

// CSP is the Content-Security-Policy of the theme's pages: nothing but its own
// stylesheet (by hash) and its logo.
func (t *Theme) CSP() string { return t.csp }

// CSPWithScript is CSP also allowing one inline script, by its hash.
func (t *Theme) CSPWithScript(script string) string {
	return t.csp + "; script-src " + hashSource(script)
}

// hashSource is the CSP hash source of an inline element's exact text.
func hashSource(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func checkAppName(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("app name: not valid UTF-8")
	case utf8.RuneCountInString(s) > maxAppName:
		return fmt.Errorf("app name: longer than %d characters", maxAppName)
	case strings.TrimSpace(s) == "":
		return errors.New("app name: only spaces")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("app name: contains a control character")
	}
	return nil
}

func checkCSS(css string) error {
	switch {
	case len(css) > maxCSS:
		return fmt.Errorf("style.css: larger than %d KiB", maxCSS>>10)
	case !utf8.ValidString(css):
		return errors.New("style.css: not valid UTF-8")
	case strings.Contains(css, "<"):
		return errors.New(`style.css: contains "<" (it would end the inline <style> element)`)
	case strings.Contains(strings.ToLower(css), "@import") || strings.Contains(strings.ToLower(css), "url("):
		return errors.New("style.css: loads other resources (@import or url()); pages load nothing but themselves: inline images as data: URLs in the logo instead")
	}
	return nil
}

var logoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/svg+xml": true}

// checkLogo returns the URL to put in <img src> and the CSP source allowing it.
func checkLogo(raw string) (src, imgSrc string, err error) {
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("logo %q: %s; want an https:// URL, a path on this site (/logo.png) or a data:image/...;base64 URL", truncate(raw, 60), why)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return bad("contains spaces or control characters")
	}
	if rest, ok := strings.CutPrefix(raw, "data:"); ok {
		mediaType, data, ok := strings.Cut(rest, ";base64,")
		if !ok || !logoTypes[mediaType] {
			return bad("a data: logo must be data:image/png, jpeg, gif, webp or svg+xml with ;base64,")
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return bad("its base64 does not decode")
		}
		if len(b) > maxLogoData {
			return bad(fmt.Sprintf("larger than %d KiB", maxLogoData>>10))
		}
		return raw, "data:", nil
	}
	if strings.ContainsAny(raw, `;,'"\`) {
		return bad(`contains one of ; , ' " \`)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//"):
		return u.String(), "'self'", nil
	case u.Scheme == "https" && u.Host != "" && u.User == nil:
		return u.String(), "https://" + u.Host + cspPath(u), nil
	case u.Scheme == "http" && isLoopback(u.Hostname()) && u.User == nil:
		return u.String(), "http://" + u.Host + cspPath(u), nil
	}
	return bad("unsupported scheme or form")
}

// cspPath is the URL's path as a CSP source path: exact, query left out (CSP
// matching ignores it).
func cspPath(u *url.URL) string {
	return u.EscapedPath()
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LogoDataURL turns an image file's bytes into a data: URL for [Branding.LogoURL];
// the type comes from the file name's extension.
func LogoDataURL(name string, b []byte) (string, error) {
	types := map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
	mt, ok := types[strings.ToLower(path.Ext(name))]
	if !ok {
		return "", fmt.Errorf("logo file %s: want .png, .jpg, .gif, .webp or .svg", name)
	}
	if len(b) > maxLogoData {
		return "", fmt.Errorf("logo file %s: larger than %d KiB", name, maxLogoData>>10)
	}
	return "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// onColor is the text colour readable on background c (#rgb or #rrggbb):
// near-black on light colours, white on dark ones (WCAG relative luminance).
func onColor(c string) string {
	h := c[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			s /= 12.92
		} else {
			s = math.Pow((s+0.055)/1.055, 2.4)
		}
		lum += w * s
	}
	// Contrast with white (1.05/(L+0.05)) against contrast with #111 ((L+0.05)/0.0556).
	if 1.05/(lum+0.05) >= (lum+0.05)/0.0556 {
		return "#fff"
	}
	return "#111"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
