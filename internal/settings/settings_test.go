package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// demo is a command's configuration for the tests.
type demo struct {
	File    string
	Addr    string
	Skew    time.Duration
	Verbose bool
	Format  string
	Tags    []string
	Nets    []netip.Prefix
	Secret  string
	Tries   int
	PIN     int
	Nested  string
	Params  map[string]string
	Claims  map[string]any
	Roles   map[string][]string
	Items   []*item
	Remote  url.URL // a struct of another package, for FieldName
	Pinned  item    // flag-configured item
}

type item struct {
	ID   string
	Name string
	Tags []string
}

func itemRows(it *item) []Setting {
	return []Setting{
		{Flag: "item-id", YAML: "id", Doc: "the item's id", Value: String(&it.ID)},
		{YAML: "name", Default: "unnamed", Doc: "its name", Value: String(&it.Name)},
		{YAML: "tags", Doc: "its tags", Value: List(&it.Tags)},
	}
}

func demoTable(d *demo) *Table {
	return &Table{Program: "demo", EnvPrefix: "DEMO_", Usage: "Usage: demo [flags]", Root: d, ConfigFile: &d.File,
		Sections: []Section{
			{Title: "Main", Settings: []Setting{
				{Flag: "config", Doc: "YAML file", Value: String(&d.File)},
				{Flag: "addr", YAML: "addr", Default: "127.0.0.1:1", Doc: "listen address", Value: String(&d.Addr)},
				{Flag: "skew", YAML: "skew", Default: "1m", Doc: "clock skew", Value: Duration(&d.Skew)},
				{Flag: "verbose", YAML: "verbose", Doc: "say more", Value: Bool(&d.Verbose)},
				{Flag: "format", YAML: "format", Default: "text", Doc: "text | json", Value: OneOf(&d.Format, "text", "json")},
				{Flag: "tags", YAML: "tags", Default: "a b", Doc: "tags", Value: List(&d.Tags)},
				{Flag: "nets", YAML: "nets", Doc: "networks", Value: Prefixes(&d.Nets)},
				{Flag: "secret", YAML: "secret", Doc: "a secret", Value: String(&d.Secret), Secret: true},
				{Flag: "tries", YAML: "tries", Doc: "tries", Value: Int(&d.Tries)},
				{Flag: "pin", YAML: "pin", Doc: "a secret number", Value: Int(&d.PIN), Secret: true},
				{Flag: "nested", YAML: "outer.inner", Doc: "a nested key", Value: String(&d.Nested), Env: "DEMO_NESTED_KEY"},
				{YAML: "params", Doc: "parameters", Value: StringMap(&d.Params)},
				{YAML: "claims", Doc: "claims", Value: AnyMap(&d.Claims)},
				{YAML: "roles", Doc: "roles", Value: ListMap(&d.Roles)},
				{Flag: "host", Doc: "remote host", Value: String(&d.Remote.Host), Env: "-"},
				{YAML: "items", Doc: "the items", Value: Items(&d.Items, itemRows)},
			}},
			{Title: "Pinned item", Settings: Under("items", itemRows(&d.Pinned)...)},
		}}
}

// load runs Load on a fresh demo with the file "c.yaml" holding yml.
func load(t *testing.T, args []string, env map[string]string, yml string) (*demo, *Result) {
	t.Helper()
	d := &demo{}
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	slices.Sort(environ)
	read := func(name string) ([]byte, error) {
		if name != "c.yaml" {
			return nil, fs.ErrNotExist
		}
		return []byte(yml), nil
	}
	return d, demoTable(d).Load(args, environ, read)
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		yml  string
		want string // addr skew verbose format tags
	}{
		{"defaults", nil, nil, "", "127.0.0.1:1 1m0s false text [a b]"},
		{"file over default", []string{"--config", "c.yaml"}, nil, "addr: f\nskew: 2m\nverbose: yes\nformat: json\ntags: [x, y z]",
			"f 2m0s true json [x y z]"},
		{"env over file", nil, map[string]string{"DEMO_CONFIG": "c.yaml", "DEMO_ADDR": "e", "DEMO_SKEW": "3m", "DEMO_TAGS": "p,q"},
			"addr: f\nskew: 2m\ntags: [x]", "e 3m0s false text [p q]"},
		{"flag over env", []string{"--config=c.yaml", "-addr", "g", "--skew=4m", "--verbose=false", "--tags", "m", "--tags", "n,o"},
			map[string]string{"DEMO_ADDR": "e", "DEMO_SKEW": "3m", "DEMO_VERBOSE": "on", "DEMO_TAGS": "p"},
			"addr: f\nverbose: true", "g 4m0s false text [m n o]"},
		{"empty variable is unset", nil, map[string]string{"DEMO_ADDR": ""}, "", "127.0.0.1:1 1m0s false text [a b]"},
		{"bare boolean flag", []string{"--verbose"}, nil, "", "127.0.0.1:1 1m0s true text [a b]"},
		{"null YAML value keeps the default", []string{"--config", "c.yaml"}, nil, "addr:\nskew: ~", "127.0.0.1:1 1m0s false text [a b]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, res := load(t, tc.args, tc.env, tc.yml)
			if err := res.Err(); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := fmt.Sprint(d.Addr, " ", d.Skew, " ", d.Verbose, " ", d.Format, " ", d.Tags); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFileValues(t *testing.T) {
	t.Parallel()
	d, res := load(t, []string{"--config", "c.yaml", "--item-id", "pin"}, nil, `
nets: [10.1.2.3/8, "::1"]
tries: 3
outer: {inner: deep}
params: {prompt: login, hd: example.com}
claims: {email: a@example.com, groups: [x, y], n: 1}
roles: {admin: [alice, bob], viewer: carol}
items:
  - id: one
    tags: [a, b]
  - id: two
    name: Two
`)
	if err := res.Err(); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := fmt.Sprint(d.Nets, d.Tries, d.Nested, d.Params); got != "[10.0.0.0/8 ::1/128] 3deepmap[hd:example.com prompt:login]" {
		t.Errorf("got %s", got)
	}
	if fmt.Sprint(d.Claims) != "map[email:a@example.com groups:[x y] n:1]" || fmt.Sprint(d.Roles) != "map[admin:[alice bob] viewer:[carol]]" {
		t.Errorf("claims %v, roles %v", d.Claims, d.Roles)
	}
	if len(d.Items) != 2 || d.Items[0].ID != "one" || d.Items[1].ID != "two" || d.Items[1].Name != "Two" || d.Items[0].Name != "unnamed" || !slices.Equal(d.Items[0].Tags, []string{"a", "b"}) {
		t.Errorf("items = %+v %+v", d.Items[0], d.Items[1])
	}
	if d.Pinned.ID != "pin" || d.Pinned.Name != "unnamed" {
		t.Errorf("pinned item = %+v, want its flag and its default", d.Pinned)
	}
	if !res.IsSet(&d.Nested) || res.IsSet(&d.Addr) || !res.FromFile(&d.Items[1].Name) || res.FromFile(&d.Pinned.ID) {
		t.Error("IsSet/FromFile disagree with the sources")
	}
	if got := res.Where(&d.Items[1].Name); got != "c.yaml:12:5: items[1].name" {
		t.Errorf("Where(items[1].name) = %q", got)
	}
	if got := res.Where(&d.Pinned.ID); got != "--item-id" {
		t.Errorf("Where(pinned id) = %q", got)
	}
	if got := res.Where(&d.Secret); got != "--secret" {
		t.Errorf("Where(unset secret) = %q, want its flag", got)
	}

	d, res = load(t, []string{"--config", "c.yaml"}, nil, "items: []\n")
	if res.Err() != nil || d.Items == nil || len(d.Items) != 0 {
		t.Errorf("items: [] gave %v, %v; want an empty, non-nil list", d.Items, res.Err())
	}
	d, _ = load(t, nil, nil, "")
	if d.Items != nil {
		t.Errorf("no items key gave %v, want nil", d.Items)
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		yml  string
		want []string // every problem, in order
	}{
		{"unknown flag", []string{"--adr", "x", "y", "--zzz", "--tries=3"}, nil, "",
			[]string{"unknown flag --adr; did you mean --addr?", "unexpected argument \"y\" (flags start with --)", "unknown flag --zzz"}},
		{"flag without value", []string{"--addr"}, nil, "", []string{"--addr: needs a value"}},
		{"bad flag values", []string{"--skew", "soon", "--format", "jsno", "--tries", "3.5", "--verbose=maybe", "--nets", "10.0.0.0/33,nope"}, nil, "",
			[]string{`--skew "soon": not a duration (write e.g. 90s, 20m or 1h30m)`, `--format "jsno": want text or json; did you mean json?`,
				`--tries "3.5": not a whole number`, `--verbose "maybe": want true or false`,
				`--nets: "10.0.0.0/33" is not an IP address or CIDR (e.g. 10.0.0.0/8)`, `--nets: "nope" is not an IP address or CIDR (e.g. 10.0.0.0/8)`}},
		{"secret not repeated", []string{"--secret=hunter2", "--config", "c.yaml", "--pin", "hunter5"}, map[string]string{"DEMO_SKEW": "later", "DEMO_PIN": "hunter6"},
			"secret: [hunter4]\npin: hunter7",
			[]string{"c.yaml:1:1: secret: want a single value, not a list", "c.yaml:2:1: pin: not a whole number",
				`DEMO_SKEW="later": not a duration (write e.g. 90s, 20m or 1h30m)`, "DEMO_PIN: not a whole number", "--pin: not a whole number"}},
		{"unknown variables warn", nil, map[string]string{"DEMO_ADR": "x", "DEMO_ZZZZZZZ": "y", "OTHER_ADR": "z"}, "",
			[]string{"warning DEMO_ADR: not a setting of demo, ignored; did you mean DEMO_ADDR?", "warning DEMO_ZZZZZZZ: not a setting of demo, ignored"}},
		{"the variable of a flag without one", nil, map[string]string{"DEMO_HOST": "h"}, "",
			[]string{"warning DEMO_HOST: not a setting of demo, ignored"}},
		{"unreadable file", []string{"--config", "missing.yaml"}, nil, "", []string{`--config "missing.yaml": cannot read the configuration file: file does not exist`}},
		{"YAML syntax", []string{"--config", "c.yaml"}, nil, "addr: x\n  skew: 1m\n", []string{"c.yaml:2: not valid YAML: mapping values are not allowed in this context"}},
		{"not a map", []string{"--config", "c.yaml"}, nil, "- a\n", []string{"c.yaml:1:1: want settings as key: value lines at the top of the file"}},
		{"YAML keys", []string{"--config", "c.yaml"}, nil, `
adr: x
skew: 10 minutes
format: xml
outer: {iner: x}
verbose: true
verbose: false
id: x
items:
  - id: a
    nmae: b
  - just a string
params: [a]
roles: {a: {b: c}}
claims: x
tries: {a: 1}
`, []string{
			`c.yaml:2:1: unknown key "adr"; did you mean "addr"?`,
			`c.yaml:3:1: skew "10 minutes": not a duration (write e.g. 90s, 20m or 1h30m)`,
			`c.yaml:4:1: format "xml": want text or json`,
			`c.yaml:5:9: unknown key "iner" in outer; did you mean "inner"?`,
			"c.yaml:7:1: verbose: set twice (first on line 6)",
			"c.yaml:8:1: id belongs in an item of items, not at the top of the file",
			`c.yaml:11:5: unknown key "nmae" in items[0]; did you mean "name"?`,
			"c.yaml:12:5: items[1]: want key: value lines, not a single value",
			"c.yaml:13:1: params: want a map of key: value",
			"c.yaml:14:1: roles: a: want a list",
			"c.yaml:15:1: claims: want a map of key: value",
			"c.yaml:16:1: tries: want a single value, not a map",
		}},
		{"YAML-only setting from a flag", []string{"--host", "x"}, nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, res := load(t, tc.args, tc.env, tc.yml)
			var got []string
			for _, p := range res.Problems {
				s := p.String()
				if p.Warning {
					s = "warning " + s
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
			if strings.Contains(fmt.Sprint(got), "hunter") {
				t.Errorf("a secret value is in the messages: %q", got)
			}
		})
	}
}

func TestHelpFlag(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, res := load(t, []string{arg}, nil, ""); !res.Help || res.Err() != nil {
			t.Errorf("%s: Help %v, err %v", arg, res.Help, res.Err())
		}
	}
	_, res := load(t, []string{"--addr", "x", "--", "rest", "--skew"}, nil, "")
	if res.Err() != nil || !slices.Equal(res.Args, []string{"rest", "--skew"}) {
		t.Errorf("after --: args %q, err %v", res.Args, res.Err())
	}
}

func TestReportErr(t *testing.T) {
	t.Parallel()
	var r Report
	r.Warnf("W", "only a warning")
	if r.Err() != nil {
		t.Fatal("a report with only warnings is an error")
	}
	r.Errorf("--a", "bad")
	if got := r.Err().Error(); got != "--a: bad\n  warning: W: only a warning" {
		t.Errorf("one problem: %q", got)
	}
	r.Errorf("", "also bad")
	var e *Error
	if err := r.Err(); !errors.As(err, &e) || len(e.Problems) != 2 || err.Error() != "2 problems in the configuration:\n  --a: bad\n  also bad\n  warning: W: only a warning" {
		t.Errorf("two problems: %q", err)
	}
	if w := r.Warnings(); len(w) != 1 || w[0].String() != "W: only a warning" {
		t.Errorf("warnings = %v", w)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	cands := []string{"upstream", "issuer", "RP_ISSUER", "public_url", "log_format", "id"}
	for word, want := range map[string]string{
		"upstrem": "upstream", "ISUER": "issuer", "RP_ISUER": "RP_ISSUER", "pubilc_url": "public_url",
		"logformat": "log_format", "Upstream": "upstream", "zebra": "", "idd": "id", "xy": "", "provders": "",
	} {
		if got := Suggest(word, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestHowToSet(t *testing.T) {
	t.Parallel()
	d := &demo{}
	tab := demoTable(d)
	for _, tc := range []struct {
		p    any
		want string
	}{
		{&d.Addr, "--addr, DEMO_ADDR or addr in the configuration file"},
		{&d.Nested, "--nested, DEMO_NESTED_KEY or outer.inner in the configuration file"},
		{&d.Remote.Host, "--host"},
		{&d.Claims, "claims in the configuration file"},
		{&d.Pinned.ID, "--item-id, DEMO_ITEM_ID or id in an item of items in the configuration file"},
		{&d.Tries, "--tries, DEMO_TRIES or tries in the configuration file"},
	} {
		if got := tab.HowToSet(tc.p); got != tc.want {
			t.Errorf("HowToSet = %q, want %q", got, tc.want)
		}
	}
}

func TestFieldName(t *testing.T) {
	t.Parallel()
	d := &demo{}
	for _, tc := range []struct {
		p    any
		want string
	}{
		{&d.Remote.Host, "url.URL.Host"},
		{&d.Remote.User, "url.URL.User"},
		{&d.Addr, ""},
		{&d.Pinned.ID, ""},
		{new(string), ""},
	} {
		if got := FieldName(d, tc.p); got != tc.want {
			t.Errorf("FieldName = %q, want %q", got, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{time.Minute: "1m", time.Hour: "1h", 24 * time.Hour: "24h",
		90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", 0: "0s", 30 * time.Second: "30s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	type wrapper struct{ url.URL }
	w := &wrapper{}
	if got := FieldName(w, &w.Path); got != "url.URL.Path" {
		t.Errorf("embedded: %q", got)
	}
}

func TestHelpAndMarkdown(t *testing.T) {
	t.Parallel()
	d := &demo{}
	var help, md strings.Builder
	demoTable(d).Help(&help)
	demoTable(d).Markdown(&md)
	for _, want := range []string{
		"Usage: demo [flags]\n\nMain:\n",
		"  --addr string\n        listen address (default 127.0.0.1:1)\n        DEMO_ADDR, YAML addr\n",
		"  --verbose\n        say more\n        DEMO_VERBOSE, YAML verbose\n",
		"  --format text|json\n",
		"  --host string\n        remote host\n",
		"Pinned item:\n  --item-id string\n        the item's id\n        DEMO_ITEM_ID, YAML items[].id\n",
	} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, help.String())
		}
	}
	if strings.Contains(help.String(), "params") {
		t.Error("help lists a YAML-only setting")
	}
	for _, want := range []string{
		"### Main\n\n| flag | environment | YAML key | default | meaning | feeds |\n| --- | --- | --- | --- | --- | --- |\n",
		"| `--addr` | `DEMO_ADDR` | `addr` | `127.0.0.1:1` | listen address |  |\n",
		"| `--host` |  |  |  | remote host | `url.URL.Host` |\n",
		"| `--format` | `DEMO_FORMAT` | `format` | `text` | text \\| json |  |\n",
		"Each item of `items`:\n\n| YAML key | flag | environment | default | meaning | feeds |\n| --- | --- | --- | --- | --- | --- |\n" +
			"| `id` | `--item-id` | `DEMO_ITEM_ID` |  | the item's id |  |\n| `name` |  |  | `unnamed` | its name |  |\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "Pinned item") {
		t.Error("markdown has a section of rows shown in their list's table")
	}
}
