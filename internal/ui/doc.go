// Package ui is what rp's and mockidp's pages share: the frame every page is drawn
// in ([Document], layout.templ), the stylesheet and the [Theme] (app name, logo,
// accent colour, a templates directory's overrides) with the Content-Security-Policy
// that allows exactly them, the message catalogues (locales/en.json and ko.json) with
// Accept-Language matching ([Locale], T for a message, N for a count), times and
// durations in words, and [Render], which writes a page with its headers.
//
// The pages themselves are templ components beside their handlers (rp/pages.templ,
// mockidp/pages.templ); `make generate` turns each .templ file into its _templ.go,
// and TestGeneratedCodeUpToDate fails when a committed one is stale. The catalogue
// tests fail on a message key used but missing, present in one catalogue but not
// another, unused, or with placeholders that differ from the English message.
package ui
