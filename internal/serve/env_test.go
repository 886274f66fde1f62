package serve

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestApplyEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    string // "addr timeout verbose" after ApplyEnv; "": not checked
		wantErr []string
	}{
		{"defaults", nil, nil, "def 1s false", nil},
		{"environment fills unset flags", nil,
			map[string]string{"X_ADDR": "env", "X_TIMEOUT": "2s", "X_VERBOSE": "true"}, "env 2s true", nil},
		{"flags win", []string{"-addr", "flag", "-timeout", "3s"},
			map[string]string{"X_ADDR": "env", "X_TIMEOUT": "2s"}, "flag 3s false", nil},
		{"a flag given with its default still wins", []string{"-addr", "def"}, map[string]string{"X_ADDR": "env"}, "def 1s false", nil},
		{"empty variable is unset", nil, map[string]string{"X_ADDR": ""}, "def 1s false", nil},
		{"other prefixes ignored", nil, map[string]string{"Y_ADDR": "env", "ADDR": "env"}, "def 1s false", nil},
		{"every bad value reported", nil, map[string]string{"X_TIMEOUT": "soon", "X_VERBOSE": "maybe"},
			"", []string{"X_TIMEOUT", "X_VERBOSE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addr := fs.String("addr", "def", "")
			timeout := fs.Duration("timeout", time.Second, "")
			verbose := fs.Bool("verbose", false, "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := ApplyEnv(fs, "X_", func(k string) string { return tc.env[k] })
			if got := fmt.Sprint(*addr, " ", *timeout, " ", *verbose); tc.want != "" && got != tc.want {
				t.Errorf("flags: got %q, want %q", got, tc.want)
			}
			if tc.wantErr == nil && err != nil {
				t.Errorf("error: got %v, want nil", err)
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error: got %v, want it to name %s", err, w)
				}
			}
		})
	}
}

func ExampleEnvName() {
	fmt.Println(EnvName("RP_", "client-secret-file"))
	// Output: RP_CLIENT_SECRET_FILE
}
