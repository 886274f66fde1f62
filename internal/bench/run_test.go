package bench_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/bench"
)

// TestRunEndToEnd runs the whole tool briefly against rp and mockidp
// binaries ($FOYER_BIN_DIR when set, else a fresh build) and checks that
// every scenario produced its figures. It takes several seconds (a few
// dozen processes), so -short skips it.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the end-to-end run of the load tool")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// No binaries given: Run takes those of `make test` (FOYER_BIN_DIR),
	// else an up-to-date bin/, else builds them.
	var log bytes.Buffer
	report, err := bench.Run(ctx, bench.Config{
		Scenarios: []string{"all"},
		Starts:    2,
		Algs:      []string{"EdDSA"},
		VUs:       2,
		Warmup:    100 * time.Millisecond,
		Duration:  300 * time.Millisecond,
		Runs:      1,
		Rate:      200,
		Users:     50,
		Log:       &log,
	})
	if err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, log.String())
	}
	_, lookErr := exec.LookPath("redis-server")
	haveRedis := lookErr == nil
	var scenarios []string
	for _, row := range report.Rows {
		if row.Case == "redis" && row.Value == nil && (haveRedis || os.Getenv("REQUIRE_REDIS") == "1") {
			t.Errorf("%s %s: %s not measured: %s", row.Scenario, row.Case, row.Metric, row.NA)
		}
		if row.Metric == "error" || strings.HasPrefix(row.Metric, "failed") {
			t.Errorf("%s %s: %s %s%s", row.Scenario, row.Case, row.Metric, row.Formatted(), row.NA)
		}
		if !slices.Contains(scenarios, row.Scenario) {
			scenarios = append(scenarios, row.Scenario)
		}
	}
	if want := bench.Scenarios; !slices.Equal(scenarios, want) {
		t.Errorf("scenarios in the report = %v, want %v", scenarios, want)
	}
	want := map[string]bool{ // figures that must be measured, not n/a
		"start/exec → first 200 /jwks, p50 of 2":      false,
		"signin/sign-ins/s (2 VUs)":                   false,
		"proxy/proxy @ 200 req/s: p50":                false,
		"verify/verify @ 200 req/s: p50":              false,
		"memory/rp RSS after 50 more signed-in users": false,
	}
	for _, row := range report.Rows {
		key := row.Scenario + "/" + row.Metric
		if _, ok := want[key]; ok && row.Value != nil && *row.Value != 0 {
			want[key] = true
		}
	}
	for key, found := range want {
		if !found {
			t.Errorf("no measured figure %q in the report\nlog:\n%s", key, log.String())
		}
	}
	var table bytes.Buffer
	if err := report.WriteTable(&table); err != nil || !strings.Contains(table.String(), "sign-ins/s") {
		t.Errorf("WriteTable: %v\n%s", err, table.String())
	}
}
