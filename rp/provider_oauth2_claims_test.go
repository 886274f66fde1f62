package rp

import (
	"errors"
	"strings"
	"testing"
)

// TestMapClaims is the mapping table: paths into nested answers, ids as numbers
// (kept exactly, also beyond 2^53), nulls and missing members, and the email kept only
// when verified (and then dropped from the answer too).
func TestMapClaims(t *testing.T) {
	t.Parallel()
	kakao := ClaimMapping{Subject: "id", Email: "kakao_account.email",
		EmailVerified: "kakao_account.is_email_valid,kakao_account.is_email_verified", Name: "kakao_account.profile.nickname"}
	tests := []struct {
		name    string
		doc     string
		m       ClaimMapping
		trust   bool
		want    map[string]any // claim -> value; nil value: must be absent
		wantErr bool
	}{
		{name: "numeric id beyond 2^53 stays exact", doc: `{"id": 9007199254740993, "login": "octo"}`,
			m: ClaimMapping{Subject: "id", PreferredUsername: "login"}, want: map[string]any{"sub": "9007199254740993", "preferred_username": "octo"}},
		{name: "64-bit snowflake string", doc: `{"id": "1234567890123456789"}`, m: ClaimMapping{Subject: "id"},
			want: map[string]any{"sub": "1234567890123456789"}},
		{name: "negative integer", doc: `{"id": -42}`, m: ClaimMapping{Subject: "id"}, want: map[string]any{"sub": "-42"}},
		{name: "nested (Naver)", doc: `{"resultcode":"00","response":{"id":"abc","email":"a@naver.com","nickname":null}}`,
			m: ClaimMapping{Subject: "response.id", Email: "response.email", PreferredUsername: "response.nickname"}, trust: true,
			want: map[string]any{"sub": "abc", "email": "a@naver.com", "email_verified": true, "preferred_username": nil}},
		{name: "nested email not trusted is dropped everywhere", doc: `{"response":{"id":"abc","email":"a@naver.com"}}`,
			m: ClaimMapping{Subject: "response.id", Email: "response.email"}, want: map[string]any{"sub": "abc", "email": nil}},
		{name: "kakao verified", doc: `{"id":1,"kakao_account":{"email":"k@kakao.com","is_email_valid":true,"is_email_verified":true,"profile":{"nickname":"k"}}}`,
			m: kakao, want: map[string]any{"sub": "1", "email": "k@kakao.com", "email_verified": true, "name": "k"}},
		{name: "kakao valid but unverified", doc: `{"id":1,"kakao_account":{"email":"k@kakao.com","is_email_valid":true,"is_email_verified":false}}`,
			m: kakao, want: map[string]any{"sub": "1", "email": nil, "email_verified": nil}},
		{name: "kakao verified but invalid", doc: `{"id":1,"kakao_account":{"email":"k@kakao.com","is_email_valid":false,"is_email_verified":true}}`,
			m: kakao, want: map[string]any{"sub": "1", "email": nil}},
		{name: "verified as the string true", doc: `{"id":"1","email":"e@x.com","verified":"true"}`,
			m: ClaimMapping{Subject: "id", Email: "email", EmailVerified: "verified"}, want: map[string]any{"email": "e@x.com"}},
		{name: "verified missing", doc: `{"id":"1","email":"e@x.com"}`,
			m: ClaimMapping{Subject: "id", Email: "email", EmailVerified: "verified"}, trust: true, want: map[string]any{"email": nil}},
		{name: "a raw email_verified is not believed", doc: `{"id":"1","email":"e@x.com","email_verified":true}`,
			m: ClaimMapping{Subject: "id", Email: "email"}, want: map[string]any{"email": nil, "email_verified": nil}},
		{name: "member name with dots", doc: `{"user.id":"7","user":{"id":"8"}}`, m: ClaimMapping{Subject: "user.id"},
			want: map[string]any{"sub": "7"}},
		{name: "number as name", doc: `{"id":"1","name":12}`, m: ClaimMapping{Subject: "id", Name: "name"},
			want: map[string]any{"name": "12"}},
		{name: "object as name is left out", doc: `{"id":"1","name":{"first":"a"}}`, m: ClaimMapping{Subject: "id", Name: "name"},
			want: map[string]any{"name": nil}},
		{name: "groups", doc: `{"id":"1","roles":["a","b",3,"a"]}`, m: ClaimMapping{Subject: "id", Groups: "roles"},
			want: map[string]any{"groups": []any{"a", "b"}}},
		{name: "picture nested (Facebook)", doc: `{"id":"1","picture":{"data":{"url":"https://p.example/x.jpg"}}}`,
			m: ClaimMapping{Subject: "id", Picture: "picture.data.url"}, want: map[string]any{"picture": "https://p.example/x.jpg"}},
		{name: "id missing", doc: `{"login":"x"}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id null", doc: `{"id":null}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id empty", doc: `{"id":""}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id blank", doc: `{"id":" \t"}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id fraction", doc: `{"id":1.5}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id exponent", doc: `{"id":1e3}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id boolean", doc: `{"id":true}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id object", doc: `{"id":{"n":1}}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id list", doc: `{"id":["1"]}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id with a newline", doc: `{"id":"a\nb"}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "id too long", doc: `{"id":"` + strings.Repeat("x", 256) + `"}`, m: ClaimMapping{Subject: "id"}, wantErr: true},
		{name: "nested id under a non-object", doc: `{"response":"x"}`, m: ClaimMapping{Subject: "response.id"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := decodeUserInfo([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			before := fmtJSON(doc)
			claims, err := mapClaims(doc, tt.m, tt.trust)
			if tt.wantErr {
				if !errors.Is(err, errNoSubject) {
					t.Errorf("err = %v, want errNoSubject", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				got, ok := claims[k]
				if want == nil && ok {
					t.Errorf("%s = %v, want it absent", k, got)
				}
				if want != nil && fmtJSON(got) != fmtJSON(want) {
					t.Errorf("%s = %s, want %s", k, fmtJSON(got), fmtJSON(want))
				}
			}
			if _, has := claims["email"]; !has && strings.Contains(fmtJSON(claims), "@") && strings.Contains(tt.doc, "email") {
				t.Errorf("an unverified address stayed in the claims: %s", fmtJSON(claims))
			}
			if fmtJSON(doc) != before {
				t.Errorf("the answer was modified: %s, was %s", fmtJSON(doc), before)
			}
		})
	}
}

func TestDecodeUserInfo(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"a":1}{"b":2}`, `{"a":`, `<html>`} {
		if _, err := decodeUserInfo([]byte(body)); err == nil {
			t.Errorf("%q: decoded, want an error", body)
		}
	}
}

func TestLinkNext(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]string{
		`<https://api.github.com/user/orgs?page=2>; rel="next", <https://api.github.com/user/orgs?page=5>; rel="last"`: "https://api.github.com/user/orgs?page=2",
		`<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"`:                                           "https://a/x?page=3",
		`<https://a/x?page=1>; rel="prev"`: "",
		`https://a/x; rel="next"`:          "",
		``:                                 "",
	} {
		if got := linkNext(h); got != want {
			t.Errorf("linkNext(%q) = %q, want %q", h, got, want)
		}
	}
}
