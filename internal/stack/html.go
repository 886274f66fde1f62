package stack

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Form is an HTML form found in a page.
type Form struct {
	// ID and TestID are the form's id and data-testid attributes.
	ID, TestID string
	// Action is the resolved URL the form submits to.
	Action *url.URL
	// Method is GET or POST.
	Method string
	// Fields holds the successful controls other than buttons: inputs
	// (checkboxes and radios only when checked), textareas and selects.
	Fields url.Values
	// Buttons are the submit buttons, in page order.
	Buttons []Button
}

// Button is a submit button of a Form.
type Button struct {
	// ID, TestID, Name and Value are its attributes; Text its visible text.
	ID, TestID, Name, Value, Text string
}

// matches reports whether key names the button: its id, data-testid, name,
// "name=value", value or visible text (case-insensitive, trimmed).
func (b Button) matches(key string) bool {
	key = strings.TrimSpace(key)
	for _, s := range []string{b.ID, b.TestID, b.Name, b.Name + "=" + b.Value, b.Value, strings.TrimSpace(b.Text)} {
		if s != "" && s != "=" && strings.EqualFold(s, key) {
			return true
		}
	}
	return false
}

// HasButton reports whether a button of f matches key (see Form.Values).
func (f Form) HasButton(key string) bool {
	for _, b := range f.Buttons {
		if b.matches(key) {
			return true
		}
	}
	return false
}

// Values returns what submitting f sends when the button matching key (its
// id, data-testid, name, "name=value", value or text) is pressed, with set
// applied on top. It fails t when key matches no button.
func (f Form) Values(t testing.TB, key string, set url.Values) url.Values {
	t.Helper()
	v := url.Values{}
	for k, vs := range f.Fields {
		v[k] = append([]string(nil), vs...)
	}
	if key != "" {
		found := false
		for _, b := range f.Buttons {
			if b.matches(key) {
				if b.Name != "" {
					v.Add(b.Name, b.Value)
				}
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("form %s has no button %q; buttons: %+v", f.Action, key, f.Buttons)
		}
	}
	for k, vs := range set {
		v[k] = vs
	}
	return v
}

// Forms returns the forms of an HTML page, with actions resolved against
// the page's URL.
func (r *Response) Forms() []Form { return ParseForms(r.URL, string(r.Body)) }

// Form returns the first form that has a button matching button (any form
// when button is ""), failing t with the page when there is none.
func (r *Response) Form(t testing.TB, button string) Form {
	t.Helper()
	for _, f := range r.Forms() {
		if button == "" || f.HasButton(button) {
			return f
		}
	}
	t.Fatalf("no form with button %q on the page\n%s", button, r)
	return Form{}
}

var (
	tagRE  = regexp.MustCompile(`(?is)<(/?)([a-z][a-z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	attrRE = regexp.MustCompile(`(?s)([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
)

// tag is one start or end tag and where it ends in the page.
type tag struct {
	end   bool
	name  string
	attrs map[string]string
	stop  int // index just past '>'
}

// ParseForms extracts the forms of page, resolving actions against base.
// It reads well-formed server-rendered HTML such as html/template output,
// not every page on the web.
func ParseForms(base *url.URL, page string) []Form {
	var forms []Form
	var cur *Form
	var button *Button
	buttonStart := 0
	textareaName, textareaStart := "", -1
	selectName, selectFirst, selectChosen := "", "", false
	haveSelect := false
	for _, m := range tagRE.FindAllStringSubmatchIndex(page, -1) {
		tg := tag{end: m[3] > m[2], name: strings.ToLower(page[m[4]:m[5]]), attrs: parseAttrs(page[m[6]:m[7]]), stop: m[1]}
		switch {
		case tg.name == "form" && !tg.end:
			action := base
			if a, ok := tg.attrs["action"]; ok && a != "" {
				if u, err := base.Parse(a); err == nil {
					action = u
				}
			}
			method := strings.ToUpper(tg.attrs["method"])
			if method == "" {
				method = "GET"
			}
			forms = append(forms, Form{ID: tg.attrs["id"], TestID: tg.attrs["data-testid"], Action: action, Method: method, Fields: url.Values{}})
			cur = &forms[len(forms)-1]
		case tg.name == "form" && tg.end:
			cur = nil
		case cur == nil:
		case tg.name == "input" && !tg.end:
			addInput(cur, tg.attrs)
		case tg.name == "button" && !tg.end:
			typ := strings.ToLower(tg.attrs["type"])
			if typ == "" || typ == "submit" {
				button = &Button{ID: tg.attrs["id"], TestID: tg.attrs["data-testid"], Name: tg.attrs["name"], Value: tg.attrs["value"]}
				buttonStart = tg.stop
			}
		case tg.name == "button" && tg.end:
			if button != nil {
				button.Text = textOf(page[buttonStart:m[0]])
				cur.Buttons = append(cur.Buttons, *button)
				button = nil
			}
		case tg.name == "textarea" && !tg.end:
			textareaName, textareaStart = tg.attrs["name"], tg.stop
		case tg.name == "textarea" && tg.end:
			if textareaName != "" && textareaStart >= 0 {
				cur.Fields.Add(textareaName, html.UnescapeString(page[textareaStart:m[0]]))
			}
			textareaName, textareaStart = "", -1
		case tg.name == "select" && !tg.end:
			selectName, selectFirst, selectChosen, haveSelect = tg.attrs["name"], "", false, false
		case tg.name == "option" && !tg.end && selectName != "":
			v := tg.attrs["value"]
			if !haveSelect {
				selectFirst, haveSelect = v, true
			}
			if _, ok := tg.attrs["selected"]; ok && !selectChosen {
				cur.Fields.Add(selectName, v)
				selectChosen = true
			}
		case tg.name == "select" && tg.end:
			if selectName != "" && !selectChosen && haveSelect {
				cur.Fields.Add(selectName, selectFirst)
			}
			selectName = ""
		}
	}
	return forms
}

// addInput records an <input> of form f as a field or a button.
func addInput(f *Form, a map[string]string) {
	name := a["name"]
	switch typ := strings.ToLower(a["type"]); typ {
	case "submit", "image":
		f.Buttons = append(f.Buttons, Button{ID: a["id"], TestID: a["data-testid"], Name: name, Value: a["value"], Text: a["value"]})
	case "button", "reset", "file":
	case "checkbox", "radio":
		if _, checked := a["checked"]; checked && name != "" {
			v, ok := a["value"]
			if !ok {
				v = "on"
			}
			f.Fields.Add(name, v)
		}
	default:
		if name != "" {
			f.Fields.Add(name, a["value"])
		}
	}
}

// parseAttrs reads a tag's attributes, unescaping their values.
func parseAttrs(s string) map[string]string {
	attrs := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		name := strings.ToLower(m[1])
		if _, dup := attrs[name]; dup {
			continue
		}
		attrs[name] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return attrs
}

var (
	anyTagRE = regexp.MustCompile(`(?s)<[^>]*>`)
	scriptRE = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
)

// textOf returns the visible text of an HTML fragment, spaces collapsed.
func textOf(fragment string) string {
	return strings.Join(strings.Fields(html.UnescapeString(anyTagRE.ReplaceAllString(fragment, " "))), " ")
}

// Text returns the page's visible text (tags removed, spaces collapsed),
// for assertions on what a person reads.
func (r *Response) Text() string {
	body := scriptRE.ReplaceAllString(string(r.Body), " ")
	return textOf(body)
}
