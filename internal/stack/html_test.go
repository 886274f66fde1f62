package stack

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseForms(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:9400/authorize?client_id=demo")
	page := `<!doctype html><html><body>
<form method="post" action="/login?x=1&amp;y=2" id="login" data-testid="login-form">
  <input type="hidden" name="request" value="a&quot;b">
  <input type=checkbox name=remember checked>
  <input type="radio" name="r" value="no">
  <textarea name="claims">{"a": 1}</textarea>
  <select name="alg"><option value="RS256">RS256</option><option value="ES256" selected>ES256</option></select>
  <button type="submit" name="user" value="alice" data-testid="user-alice">Sign in as <b>Alice</b></button>
  <button name="user" value="bob" id="bob">Bob</button>
  <button type="button" name="ignored">No</button>
  <input type="submit" name="deny" value="Deny access">
</form>
<form action="https://rp.example/cb"><input name="code" value="c"></form>
<script>if (a < b && c) { document.forms[0].submit() }</script>
</body></html>`
	forms := ParseForms(base, page)
	if got, want := len(forms), 2; got != want {
		t.Fatalf("got %d forms, want %d", got, want)
	}
	f := forms[0]
	if got, want := f.Action.String(), "http://127.0.0.1:9400/login?x=1&y=2"; got != want {
		t.Errorf("action: got %q, want %q", got, want)
	}
	if f.Method != "POST" || f.ID != "login" || f.TestID != "login-form" {
		t.Errorf("method/id/testid: got %q %q %q, want POST login login-form", f.Method, f.ID, f.TestID)
	}
	wantFields := url.Values{"request": {`a"b`}, "remember": {"on"}, "claims": {`{"a": 1}`}, "alg": {"ES256"}}
	if !reflect.DeepEqual(f.Fields, wantFields) {
		t.Errorf("fields: got %v, want %v", f.Fields, wantFields)
	}
	wantButtons := []Button{
		{TestID: "user-alice", Name: "user", Value: "alice", Text: "Sign in as Alice"},
		{ID: "bob", Name: "user", Value: "bob", Text: "Bob"},
		{Name: "deny", Value: "Deny access", Text: "Deny access"},
	}
	if !reflect.DeepEqual(f.Buttons, wantButtons) {
		t.Errorf("buttons: got %+v, want %+v", f.Buttons, wantButtons)
	}
	if got, want := forms[1].Method, "GET"; got != want {
		t.Errorf("second form method: got %q, want %q", got, want)
	}

	tests := []struct {
		key  string
		want url.Values
	}{
		{"user-alice", url.Values{"user": {"alice"}}},
		{"Sign in as Alice", url.Values{"user": {"alice"}}},
		{"user=bob", url.Values{"user": {"bob"}}},
		{"bob", url.Values{"user": {"bob"}}},
		{"Deny access", url.Values{"deny": {"Deny access"}}},
	}
	for _, tt := range tests {
		got := f.Values(t, tt.key, url.Values{"claims": {"{}"}})
		for k, v := range tt.want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("Values(%q)[%s]: got %v, want %v", tt.key, k, got[k], v)
			}
		}
		if got.Get("claims") != "{}" || got.Get("request") != `a"b` {
			t.Errorf("Values(%q): got %v, want claims overridden and request kept", tt.key, got)
		}
	}
	if f.HasButton("nobody") {
		t.Errorf("HasButton(nobody): got true, want false")
	}
}
