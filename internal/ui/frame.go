package ui

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// Frame is what [Document] needs besides the page's body.
type Frame struct {
	Theme  *Theme
	Locale *Locale
	// Title is the page's own title ("Sign in"); the tab shows it with the app's name.
	Title string
}

// TabTitle is "Title · AppName", or the app's name alone when the page has no title
// or its title is the app's name.
func (f Frame) TabTitle() string {
	if f.Title == "" || f.Title == f.Theme.AppName {
		return f.Theme.AppName
	}
	return f.Title + " · " + f.Theme.AppName
}

// styleElement writes <style>css</style> byte for byte, so that the CSP hash of
// css allows it. css was checked by [NewTheme] to hold no "<".
func styleElement(css string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<style>"+css+"</style>")
		return err
	})
}

// Script writes <script>js</script> byte for byte, for a script whose hash is in
// the page's CSP ([Theme.CSPWithScript]). js must be a constant of the program.
func Script(js string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<script>"+js+"</script>")
		return err
	})
}
