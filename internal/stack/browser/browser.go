// Package browser drives a headless Chromium for foyer's end-to-end tests,
// with a screenshot after each step; the last one is kept when a test fails.
package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// chromiumFlags are the exact flags a Browser starts Chromium with (plus a
// fresh --user-data-dir and chromedp's own --remote-debugging-port). The
// machines have no outside network, so nothing may phone home.
var chromiumFlags = []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
	"disable-component-update", "disable-sync", "no-first-run"}

// stepTimeout bounds one Browser.Run.
const stepTimeout = 30 * time.Second

// Browser is a headless Chromium driven by chromedp. Run takes a screenshot
// into the test's temporary directory after each step; when the test fails,
// the last screenshot is copied out and its path logged.
type Browser struct {
	t     testing.TB
	ctx   context.Context
	close func()
	dir   string
	step  int
	last  string
}

// New starts Debian's Chromium for t (skipping or failing t when it is
// missing, see [stack.Require] and [stack.Chromium]) and stops it when t ends.
func New(t testing.TB) *Browser {
	t.Helper()
	path := stack.Require(t, stack.Chromium)
	b := &Browser{t: t, dir: t.TempDir()}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
	}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	b.ctx = ctx
	b.close = sync.OnceFunc(func() {
		cancel()
		cancelAlloc()
	})
	t.Cleanup(func() {
		b.close()
		b.keepLast()
	})
	// The first run starts the browser and must not carry a timeout (it
	// would stop the whole browser when it ends).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768)); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return b
}

// Run performs actions as one named step, then takes a screenshot. A failed
// step takes a screenshot too and fails t with the error and its path.
func (b *Browser) Run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	shot := b.screenshot(step)
	if err != nil {
		b.t.Fatalf("browser step %q: %v (screenshot: %s)", step, err, shot)
	}
}

// Open navigates to url and waits until the element matching the CSS
// selector ready is visible, as one step.
func (b *Browser) Open(step, url, ready string) {
	b.t.Helper()
	b.Run(step, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(ready)))
}

// Click clicks the element matching the CSS selector sel and waits until the
// element matching next is visible (on this page or the one the click
// leads to), as one step.
func (b *Browser) Click(step, sel, next string) {
	b.t.Helper()
	b.Run(step, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(next)))
}

// Text returns the visible text of the first element matching the CSS
// selector sel, spaces collapsed.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return strings.Join(strings.Fields(get(b, "read "+sel, chromedp.Text(chromedp.CSS(sel)))), " ")
}

// Location returns the URL of the current page.
func (b *Browser) Location() string {
	b.t.Helper()
	return get(b, "location", chromedp.Location())
}

// get runs one action that returns a value, failing the test on error.
func get[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser %s: %v (last screenshot: %s)", what, err, b.last)
	}
	return v
}

// Close stops Chromium now (it also stops when the test ends), closing its
// connections, for example before the servers it talked to are stopped:
// browsers keep idle and speculative connections open.
func (b *Browser) Close() { b.close() }

// Context is the browser tab's context, for chromedp calls of one's own.
func (b *Browser) Context() context.Context { return b.ctx }

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// screenshot saves the viewport as NN-step.png and returns its path, or a
// note saying why there is none.
func (b *Browser) screenshot(step string) string {
	b.step++
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Sprintf("(none: %v)", err)
	}
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.step, strings.Trim(unsafeName.ReplaceAllString(step, "-"), "-")))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Sprintf("(none: %v)", err)
	}
	b.last = path
	return path
}

// ScreenshotsEnv names a variable that, when set to a directory, makes every
// Browser copy all its screenshots there (under the test's name) to be
// looked at after the run.
const ScreenshotsEnv = "FOYER_SCREENSHOTS"

// keepLast copies the last screenshot out of the temporary directory when
// the test failed, so that it outlives the test, and logs where it is. With
// ScreenshotsEnv set, it copies every screenshot there instead.
func (b *Browser) keepLast() {
	if dir := os.Getenv(ScreenshotsEnv); dir != "" {
		dst := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name(), "_"))
		if err := os.CopyFS(dst, os.DirFS(b.dir)); err != nil {
			b.t.Logf("copying screenshots to %s: %v", dst, err)
		} else {
			b.t.Logf("screenshots in %s", dst)
		}
	}
	if !b.t.Failed() || b.last == "" {
		return
	}
	dir, err := os.MkdirTemp("", "foyer-screenshot-")
	if err == nil {
		data, rerr := os.ReadFile(b.last)
		dst := filepath.Join(dir, filepath.Base(b.last))
		if rerr == nil && os.WriteFile(dst, data, 0o644) == nil {
			b.t.Logf("last screenshot kept at %s", dst)
			return
		}
	}
	b.t.Logf("last screenshot (not kept): %s", b.last)
}
