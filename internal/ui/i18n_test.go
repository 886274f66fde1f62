package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// readLocale reads one built-in catalogue file as it is on disk.
func readLocale(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("locales", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("locales/%s.json: %v", lang, err)
	}
	return m
}

// builtinLanguages lists locales/*.json.
func builtinLanguages(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("locales", "*.json"))
	if err != nil || len(names) < 2 {
		t.Fatalf("locales: %v %v, want at least en and ko", names, err)
	}
	var out []string
	for _, n := range names {
		out = append(out, strings.TrimSuffix(filepath.Base(n), ".json"))
	}
	return out
}

// TestCataloguesComplete: every catalogue has every key of English (a ".one"
// plural form is optional for languages without one) and no other, with the
// same placeholders, and no message is empty.
func TestCataloguesComplete(t *testing.T) {
	t.Parallel()
	en := readLocale(t, "en")
	for _, lang := range builtinLanguages(t) {
		m := readLocale(t, lang)
		for k, v := range en {
			got, ok := m[k]
			switch {
			case !ok && strings.HasSuffix(k, ".one"):
			case !ok:
				t.Errorf("%s.json lacks %q (English: %q)", lang, k, v)
			case !slices.Equal(Placeholders(got), Placeholders(v)):
				t.Errorf("%s.json %q has placeholders %v, English has %v", lang, k, Placeholders(got), Placeholders(v))
			}
		}
		for k, v := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has %q, which English lacks", lang, k)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.json %q is empty", lang, k)
			}
			if !ValidKey(k) {
				t.Errorf("%s.json key %q: want rp.*, idp.* or ui.* in lowercase", lang, k)
			}
		}
	}
}

// TestKoreanIsTranslated: a Korean message that equals the English one was
// most likely copied and forgotten; the few that are the same on purpose are
// listed here.
func TestKoreanIsTranslated(t *testing.T) {
	t.Parallel()
	same := map[string]bool{"ui.duration.hours_minutes": true, "ui.time.today_layout": true, "idp.login.sub": true}
	en, ko := readLocale(t, "en"), readLocale(t, "ko")
	for k, v := range ko {
		hangul := strings.IndexFunc(v, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0
		if !same[k] && (v == en[k] || !hangul) {
			t.Errorf("ko.json %q = %q: not translated", k, v)
		}
	}
}

// keyLiteral finds message keys written as string literals in Go and templ code.
var keyLiteral = regexp.MustCompile(`"((?:rp|idp|ui)(?:\.[a-z0-9_]+)+)"`)

// usedKeys returns every message key literal in the code of the packages that
// render pages (tests excluded), with the file it is in.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{}
	for _, dir := range []string{".", "../../rp", "../../mockidp"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		templs, _ := filepath.Glob(filepath.Join(dir, "*.templ"))
		for _, f := range append(files, templs...) {
			if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range keyLiteral.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = f
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message keys in the code: is the scan broken?", len(used))
	}
	return used
}

// TestUsedKeysExist: every key the code and templates use is in the English
// catalogue (directly, or as a counted message with .other).
func TestUsedKeysExist(t *testing.T) {
	t.Parallel()
	en := readLocale(t, "en")
	for k, file := range usedKeys(t) {
		_, ok := en[k]
		_, plural := en[k+".other"]
		if !ok && !plural {
			t.Errorf("%s uses message %q, which locales/en.json lacks", file, k)
		}
	}
}

// TestNoUnusedKeys: every English message is used somewhere, so catalogues
// do not fill up with words no page shows.
func TestNoUnusedKeys(t *testing.T) {
	t.Parallel()
	used := usedKeys(t)
	for k := range readLocale(t, "en") {
		base := strings.TrimSuffix(strings.TrimSuffix(k, ".one"), ".other")
		if _, ok := used[base]; !ok {
			t.Errorf("locales/en.json %q is used nowhere in rp, mockidp or internal/ui", k)
		}
	}
}

func TestT(t *testing.T) {
	t.Parallel()
	cats, err := LoadCatalogs(fstest.MapFS{"messages.de.json": {Data: []byte(`{"rp.home.sign_in": "Anmelden"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	en, de, ko := cats.Locale("en"), cats.Locale("de"), cats.Locale("ko")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"placeholder", en.T("rp.home.sign_in_with", "provider", "Acme <SSO>"), "Sign in with Acme <SSO>"},
		{"placeholder in Korean", ko.T("rp.home.sign_in_with", "provider", "Acme"), "Acme(으)로 로그인"},
		{"repeated placeholder", en.T("rp.error.cancelled.text", "provider", "P"), "Signing in with P was cancelled, or P did not allow it. You are not signed in. You can try again whenever you like."},
		{"value that looks like a placeholder is not expanded", en.T("rp.home.hello", "name", "{app}", "app", "X"), "Hello, {app}"},
		{"added language", de.T("rp.home.sign_in"), "Anmelden"},
		{"added language falls back to English", de.T("rp.home.sign_out"), "Sign out"},
		{"unknown key comes back as itself", en.T("rp.no.such.key"), "rp.no.such.key"},
		{"one", en.N("ui.duration.hours", 1), "1 hour"},
		{"other", en.N("ui.duration.hours", 2), "2 hours"},
		{"zero is other", en.N("ui.duration.minutes", 0), "0 minutes"},
		{"Korean has no singular", ko.N("ui.duration.hours", 1), "1시간"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got, want := cats.Languages(), []string{"en", "de", "ko"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %v, want %v", got, want)
	}
	if got := cats.Match("de-AT, en;q=0.5").Lang(); got != "de" {
		t.Errorf("Match(de-AT) = %s, want the added de", got)
	}
}

func TestLoadCatalogsOverrideErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"unknown key", fstest.MapFS{"messages.en.json": {Data: []byte(`{"rp.home.sign_inn": "Log in"}`)}}, `messages.en.json: unknown message "rp.home.sign_inn" (did you mean "rp.home.sign_in"?)`},
		{"placeholder dropped", fstest.MapFS{"messages.ko.json": {Data: []byte(`{"rp.home.sign_in_with": "로그인"}`)}}, `messages.ko.json: message "rp.home.sign_in_with" has placeholders [], want [{provider}]`},
		{"placeholder misspelt", fstest.MapFS{"messages.en.json": {Data: []byte(`{"rp.home.hello": "Hi {nmae}"}`)}}, `has placeholders [{nmae}], want [{name}]`},
		{"not JSON", fstest.MapFS{"messages.fr.json": {Data: []byte(`{"rp.home.sign_in": `)}}, "messages.fr.json: not a JSON object of strings"},
		{"not strings", fstest.MapFS{"messages.fr.json": {Data: []byte(`{"rp.home.sign_in": 1}`)}}, "messages.fr.json: not a JSON object of strings"},
		{"bad language tag", fstest.MapFS{"messages.fr_FR.json": {Data: []byte(`{}`)}}, `"fr_FR" is not a language tag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadCatalogs(tt.fs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	cats, err := LoadCatalogs(fstest.MapFS{"messages.ar.json": {Data: []byte(`{}`)}, "messages.fa-IR.json": {Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "ltr", "ko": "ltr", "ar": "rtl", "fa-IR": "rtl"} {
		if got := cats.Locale(lang).Dir(); got != want {
			t.Errorf("%s: Dir() = %s, want %s", lang, got, want)
		}
	}
}
