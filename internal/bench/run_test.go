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
		Sessions:  20,
		Conns:     2,
		// With PEER_OAUTH2_PROXY set, oauth2-proxy is measured beside foyer.
		OAuth2Proxy: os.Getenv(bench.PeerEnv),
		Log:         &log,
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
	// The test's own list: dropping a scenario from bench.Scenarios must fail here.
	if want := []string{"start", "signin", "verify", "proxy", "sessions", "idle", "memory"}; !slices.Equal(scenarios, want) {
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
	// Figures that may be 0 but must be measured.
	for _, key := range []string{
		"sessions/forward auth, 20 sessions, 2 conns: throughput",
		"sessions/reverse proxy, 20 sessions, 2 conns: server CPU per request",
		"sessions/forward auth, 20 sessions, 2 conns: answers with Set-Cookie (all runs)",
		"idle/active user refused, first cookie kept",
	} {
		want[key] = false
	}
	if os.Getenv(bench.PeerEnv) != "" {
		want["sessions/forward auth: server CPU per request"] = false // foyer ÷ oauth2-proxy
		want["sessions/reverse proxy: throughput"] = false
	}
	for _, row := range report.Rows {
		key := row.Scenario + "/" + row.Metric
		if _, ok := want[key]; ok && row.Value != nil && (row.Scenario == "sessions" || row.Scenario == "idle") {
			want[key] = true
		}
	}
	for key, found := range want {
		if !found {
			t.Errorf("no measured figure %q in the report\nlog:\n%s", key, log.String())
		}
	}
	if len(report.Verdicts) != 6 {
		t.Errorf("got %d verdicts, want one per goal of issue 18 (6): %+v", len(report.Verdicts), report.Verdicts)
	}
	var table bytes.Buffer
	if err := report.WriteTable(&table); err != nil || !strings.Contains(table.String(), "sign-ins/s") {
		t.Errorf("WriteTable: %v\n%s", err, table.String())
	}
}
