package serve

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// ApplyEnv sets every flag of fs that was not given on the command line from
// the environment variable prefix + its name in upper snake case (with prefix
// "RP_", --client-id is RP_CLIENT_ID). An empty variable counts as unset, so
// flags win over the environment, which wins over the flag's default. Call it
// after fs.Parse; it reports every variable whose value the flag refuses.
func ApplyEnv(fs *flag.FlagSet, prefix string, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := EnvName(prefix, f.Name)
		if v := getenv(env); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	})
	return errors.Join(errs...)
}

// EnvName is the environment variable ApplyEnv reads for the flag name:
// EnvName("RP_", "client-id") is "RP_CLIENT_ID".
func EnvName(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
