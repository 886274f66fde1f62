package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/foyer-oidc/foyer/internal/stack/browser"
	"github.com/foyer-oidc/foyer/rp"
)

// watchCSP is run by Chromium before any script of a page (DevTools-added
// scripts are not subject to the page's CSP): it records every Content
// Security Policy violation of the page in window.__csp.
const watchCSP = `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));`

// newPageBrowser is a Chromium that asks for lang (Accept-Language) and
// records CSP violations.
func newPageBrowser(t *testing.T, lang string) *browser.Browser {
	t.Helper()
	b := browser.New(t)
	b.Run("language "+lang, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchCSP})
		return err
	}))
	return b
}

// pageState is what checkInBrowser reads from the page.
type pageState struct {
	Lang     string   `json:"lang"`
	Watched  bool     `json:"watched"`
	CSP      []string `json:"csp"`
	Styled   bool     `json:"styled"`
	Heading  string   `json:"heading"`
	External []string `json:"external"`
}

// checkInBrowser asserts that the page Chromium shows is in lang, was not
// refused anything by its CSP, has its stylesheet applied, loads nothing from
// another origin, and has the heading want.
func checkInBrowser(t *testing.T, b *browser.Browser, what, lang, want string) {
	t.Helper()
	st := evaluate[pageState](t, b, what, `({
		lang: document.documentElement.lang,
		watched: Array.isArray(window.__csp),
		csp: window.__csp || [],
		styled: getComputedStyle(document.querySelector("main")).maxWidth !== "none",
		heading: (document.querySelector("h1") || {}).textContent || "",
		external: performance.getEntriesByType("resource").map(e => e.name).filter(n => !n.startsWith(location.origin) && !n.startsWith("data:")),
	})`)
	if st.Lang != lang {
		t.Errorf("%s: <html lang=%q>, want %q", what, st.Lang, lang)
	}
	if !st.Watched || len(st.CSP) > 0 {
		t.Errorf("%s: CSP violations %v (watched: %v)", what, st.CSP, st.Watched)
	}
	if !st.Styled {
		t.Errorf("%s: the stylesheet was not applied", what)
	}
	if len(st.External) > 0 {
		t.Errorf("%s: loaded from elsewhere: %v", what, st.External)
	}
	if strings.TrimSpace(st.Heading) != want {
		t.Errorf("%s: heading %q, want %q", what, strings.TrimSpace(st.Heading), want)
	}
}

// evaluate runs a JavaScript expression in the page and returns its value.
func evaluate[T any](t *testing.T, b *browser.Browser, what, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("reading %s in the browser: %v", what, err)
	}
	return v
}

// tourWords are the headings of each page in one language.
type tourWords struct {
	welcome, chooser, idpLogin, hello, notFound, signOut, signedOut, cancelled, idpRefused, idpSignedOut string
}

// TestPagesInChromium walks every page of rp and mockidp in Chromium, in
// English and in Korean, checking language, headings, CSP and no external
// loads, with a screenshot of each ($FOYER_SCREENSHOTS keeps them).
func TestPagesInChromium(t *testing.T) {
	t.Parallel()
	tours := []struct {
		lang  string
		words tourWords
	}{
		{"en", tourWords{
			welcome: "Welcome to Foyer Demo", chooser: "Sign in to Foyer Demo", idpLogin: "Sign in to demo", hello: "Hello, Alice Example",
			notFound: "This page does not exist", signOut: "Sign out of Foyer Demo?", signedOut: "You are signed out",
			cancelled: "Sign-in was cancelled", idpRefused: "Request refused", idpSignedOut: "Signed out"}},
		{"ko", tourWords{
			welcome: "Foyer Demo에 오신 것을 환영합니다", chooser: "Foyer Demo에 로그인", idpLogin: "demo에 로그인", hello: "안녕하세요, Alice Example님",
			notFound: "존재하지 않는 페이지입니다", signOut: "Foyer Demo에서 로그아웃할까요?", signedOut: "로그아웃되었습니다",
			cancelled: "로그인이 취소되었습니다", idpRefused: "요청이 거부되었습니다", idpSignedOut: "로그아웃되었습니다"}},
	}
	for _, tour := range tours {
		t.Run(tour.lang, func(t *testing.T) {
			st := startInProcess(t, inprocConfig{login: "form", second: "Second IdP", pages: rp.PagesConfig{AppName: "Foyer Demo"}})
			b := newPageBrowser(t, tour.lang)
			w, lang := tour.words, tour.lang
			b.Open("home, signed out", st.rpURL+"/", `[data-testid="home-signed-out"]`)
			checkInBrowser(t, b, "home, signed out", lang, w.welcome)
			b.Click("sign in", selSignIn, `[data-testid="chooser"]`)
			checkInBrowser(t, b, "chooser", lang, w.chooser)
			b.Click("choose mock", `[data-testid="provider-mock"]`, `[data-testid="login"]`)
			checkInBrowser(t, b, "mockidp login", lang, w.idpLogin)
			b.Click("pick alice", selPickUser("alice"), selUserSub)
			checkInBrowser(t, b, "home, signed in", lang, w.hello)
			b.Click("open details", `[data-testid="details"] summary`, `[data-testid="details"] table`)
			b.Open("no such page", st.rpURL+"/no/such/page", `[data-testid="error-not_found"]`)
			checkInBrowser(t, b, "not found", lang, w.notFound)
			b.Open("sign-out page", st.rpURL+"/auth/logout", selSignOut)
			checkInBrowser(t, b, "sign-out page", lang, w.signOut)
			b.Click("sign out", selSignOut, selSignedOut)
			checkInBrowser(t, b, "signed out", lang, w.signedOut)
			b.Open("sign in to cancel", st.rpURL+"/auth/login?provider=mock", `[data-testid="deny"]`)
			b.Click("deny access", `[data-testid="deny"]`, `[data-testid="error-cancelled"]`)
			checkInBrowser(t, b, "cancelled", lang, w.cancelled)
			b.Open("mockidp refuses", st.idp.Issuer+"/authorize?client_id=nobody&response_type=code", `[data-testid="error"]`)
			checkInBrowser(t, b, "mockidp error", lang, w.idpRefused)
			b.Open("mockidp signed out", st.idp.Issuer+"/end_session", `[data-testid="signed-out"]`)
			checkInBrowser(t, b, "mockidp signed out", lang, w.idpSignedOut)
		})
	}
	t.Run("branding", func(t *testing.T) {
		dir := t.TempDir()
		for name, content := range map[string]string{
			"style.css":        ".card{border-top:6px solid var(--accent)}",
			"messages.en.json": `{"rp.home.welcome": "Good to see you at {app}"}`,
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		pages := rp.PagesConfig{AppName: "Acme <Wiki>", LogoURL: logoPNG(t), AccentColor: "#0b7285", TemplatesDir: dir}
		st := startInProcess(t, inprocConfig{login: "form", pages: pages})
		b := newPageBrowser(t, "en")
		b.Open("branded home", st.rpURL+"/", `[data-testid="logo"]`)
		checkInBrowser(t, b, "branded home", "en", "Good to see you at Acme <Wiki>")
		got := evaluate[struct {
			Name      string `json:"name"`
			Button    string `json:"button"`
			Border    string `json:"border"`
			LogoWidth int    `json:"logoWidth"`
		}](t, b, "branding", `({
			name: document.querySelector('[data-testid="app-name"]').textContent,
			button: getComputedStyle(document.querySelector('[data-testid="sign-in"]')).backgroundColor,
			border: getComputedStyle(document.querySelector(".card")).borderTopWidth,
			logoWidth: document.querySelector('[data-testid="logo"]').naturalWidth,
		})`)
		if got.Name != "Acme <Wiki>" || got.Button != "rgb(11, 114, 133)" || got.Border != "6px" || got.LogoWidth != 48 {
			t.Errorf("branding in the browser: %+v, want name Acme <Wiki>, button rgb(11, 114, 133), the override's 6px border, a 48 px logo", got)
		}
	})
}

// logoPNG is a 48×48 PNG logo as a data: URL.
func logoPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 48))
	for x := range 48 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{11, 114, 133, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
