package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:embed locales/*.json
var localeFS embed.FS

// DefaultLanguage is the catalogue every other one is checked against and the
// language shown when Accept-Language names none we have.
const DefaultLanguage = "en"

// Catalogs holds one message catalogue per language and picks one for a
// request from its Accept-Language header. It is built once and only read.
type Catalogs struct {
	tags  []string            // as in the file names; tags[0] is the fallback language
	lower []string            // tags lowercased, for matching
	msgs  []map[string]string // parallel to tags
}

// placeholderRE finds the {name} placeholders of a message.
var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// keyRE is the shape of a message key: a namespace ("rp", "idp" or "ui") and
// at least one more dotted part of lowercase letters, digits and '_'.
var keyRE = regexp.MustCompile(`^(rp|idp|ui)(\.[a-z0-9_]+)+$`)

// LoadCatalogs reads the built-in catalogues (locales/<tag>.json) and, when
// extra is not nil, every messages.<tag>.json in it: a file for a built-in
// language replaces the messages it names, a file for another language adds
// that language (messages it lacks are shown in English).
func LoadCatalogs(extra fs.FS) (*Catalogs, error) {
	byTag := map[string]map[string]string{}
	builtin, err := readCatalogs(localeFS, "locales", "")
	if err != nil {
		return nil, err
	}
	maps.Copy(byTag, builtin)
	en := byTag[DefaultLanguage]
	if extra != nil {
		over, err := readCatalogs(extra, ".", "messages.")
		if err != nil {
			return nil, err
		}
		for _, tag := range slices.Sorted(maps.Keys(over)) {
			m := over[tag]
			if err := checkOverride(tag, m, en); err != nil {
				return nil, err
			}
			merged := maps.Clone(byTag[tag])
			if merged == nil {
				merged = map[string]string{}
			}
			maps.Copy(merged, m)
			byTag[tag] = merged
		}
	}
	c := &Catalogs{}
	order := slices.DeleteFunc(slices.Sorted(maps.Keys(byTag)), func(t string) bool { return t == DefaultLanguage })
	for _, t := range append([]string{DefaultLanguage}, order...) {
		c.tags = append(c.tags, t)
		c.lower = append(c.lower, strings.ToLower(t))
		c.msgs = append(c.msgs, byTag[t])
	}
	return c, nil
}

// readCatalogs reads every <prefix><tag>.json of dir in fsys.
func readCatalogs(fsys fs.FS, dir, prefix string) (map[string]map[string]string, error) {
	names, err := fs.Glob(fsys, path.Join(dir, prefix+"*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		tag := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), prefix), ".json")
		if tag == "*" || !validRange(strings.ToLower(tag)) {
			return nil, fmt.Errorf("%s: %q is not a language tag (name files messages.<tag>.json, e.g. messages.de.json)", name, tag)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: not a JSON object of strings: %w", name, err)
		}
		out[tag] = m
	}
	return out, nil
}

// checkOverride refuses an operator's catalogue naming a key we do not have,
// or dropping or adding a placeholder.
func checkOverride(tag string, m, en map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		base, ok := en[k]
		if !ok {
			return fmt.Errorf("messages.%s.json: unknown message %q%s", tag, k, didYouMean(k, slices.Collect(maps.Keys(en))))
		}
		if got, want := Placeholders(m[k]), Placeholders(base); !slices.Equal(got, want) {
			return fmt.Errorf("messages.%s.json: message %q has placeholders %v, want %v", tag, k, got, want)
		}
	}
	return nil
}

// Placeholders returns the sorted, distinct {name} placeholders of msg.
func Placeholders(msg string) []string {
	p := placeholderRE.FindAllString(msg, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// Languages returns the language tags there are catalogues for, the default first.
func (c *Catalogs) Languages() []string {
	return slices.Clone(c.tags)
}

// Keys returns the sorted keys of the catalogue of lang (nil if there is none).
func (c *Catalogs) Keys(lang string) []string {
	if i := slices.Index(c.tags, lang); i >= 0 {
		return slices.Sorted(maps.Keys(c.msgs[i]))
	}
	return nil
}

// Match returns the locale that best fits an Accept-Language header: the
// highest-weighted language we have a catalogue for, by RFC 4647 lookup (so
// "ko-KR" finds "ko"); the default language when the header is empty,
// malformed or names none of ours.
func (c *Catalogs) Match(acceptLanguage string) *Locale {
	return c.locale(max(lookup(c.lower, acceptLanguage), 0))
}

// Locale returns the locale of exactly lang, or the default one.
func (c *Catalogs) Locale(lang string) *Locale {
	return c.locale(max(slices.Index(c.tags, lang), 0))
}

func (c *Catalogs) locale(i int) *Locale {
	return &Locale{tag: c.tags[i], msgs: c.msgs[i], fallback: c.msgs[0]}
}

// Locale is the language of one response: its messages, falling back to
// English for a message a catalogue lacks.
type Locale struct {
	tag      string
	msgs     map[string]string
	fallback map[string]string
}

// Lang is the BCP 47 tag of the locale, for <html lang> and Content-Language.
func (l *Locale) Lang() string { return l.tag }

// Dir is "rtl" for right-to-left scripts, else "ltr".
func (l *Locale) Dir() string {
	base, _, _ := strings.Cut(strings.ToLower(l.tag), "-")
	switch base {
	case "ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv", "ku":
		return "rtl"
	}
	return "ltr"
}

// T returns the message key with each {name} placeholder replaced: args are
// name, value pairs ("provider", "Acme SSO"). Values are plain text; the page
// escapes them where they are shown. A key no catalogue has comes back as itself
// (the catalogue test makes sure that never ships).
func (l *Locale) T(key string, args ...string) string {
	msg, ok := l.msgs[key]
	if !ok {
		if msg, ok = l.fallback[key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// N is T for a count: it uses key+".one" when n is 1 and that message exists,
// else key+".other", with {n} set to n.
func (l *Locale) N(key string, n int, args ...string) string {
	args = append(args, "n", strconv.Itoa(n))
	if _, ok := l.msgs[key+".one"]; ok && n == 1 { // languages without a singular form have no .one
		return l.T(key+".one", args...)
	}
	return l.T(key+".other", args...)
}

// ValidKey reports whether key has the shape of a message key.
func ValidKey(key string) bool { return keyRE.MatchString(key) }
