package leakcheck

import (
	"slices"
	"testing"
)

func TestFind(t *testing.T) {
	const idToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"
	cases := []struct {
		name, log string
		secrets   []string
		want      []string
	}{
		{"clean", `{"msg":"sign-in","session":"vuYeyJvD"}`, nil, nil},
		{"eyJ inside a random id", `{"session":"abceyJhbGciOiJFUzI1NiJ9"}`, nil, nil},
		{"short eyJ at a boundary", `{"session":"eyJvDq12"}`, nil, nil},
		{"ID token in a JSON value", `{"id_token":"` + idToken + `"}`, nil, []string{idToken}},
		{"token at the start of the log", idToken, nil, []string{idToken}},
		{"token after an equals sign", "token=" + idToken + " rest", nil, []string{idToken}},
		{"header alone, cut at the dot", `{"t":"eyJhbGciOiJFUzI1NiJ9"}`, nil, []string{"eyJhbGciOiJFUzI1NiJ9"}},
		{"named secret", `{"user":"alice@example.com"}`, []string{"alice@example.com", "demo-secret"}, []string{"alice@example.com"}},
		{"empty secret is no match", `{"msg":"x"}`, []string{""}, nil},
		{"token and secret", idToken + " demo-secret", []string{"demo-secret"}, []string{idToken, "demo-secret"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Find(c.log, c.secrets...); !slices.Equal(got, c.want) {
				t.Errorf("Find(%q) = %q, want %q", c.log, got, c.want)
			}
		})
	}
}
