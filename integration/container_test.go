package integration

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/internal/stack/container"
)

// composeFile is the docker-compose example the container suite follows.
const composeFile = "../examples/docker-compose.yml"

// composeEnv returns the environment of each service of composeFile, as
// "KEY=value" lines, so that the suite runs the images exactly as the
// example tells users to.
func composeEnv(t *testing.T) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatalf("reading the compose example: %v", err)
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parsing %s: %v", composeFile, err)
	}
	env := map[string]map[string]string{}
	for name, svc := range doc.Services {
		env[name] = svc.Environment
	}
	for _, name := range []string{"mockidp", "rp", "app"} {
		if env[name] == nil {
			t.Fatalf("%s: no environment for service %q", composeFile, name)
		}
	}
	return env
}

// envList turns a map into sorted "KEY=value" lines.
func envList(m map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}

// TestContainers runs the FROM-scratch images of mockidp, rp and the example
// app (whoami) on a private Docker network, configured as
// examples/docker-compose.yml configures them: rp reaches the provider by its
// service name (issuer http://mockidp:9400) and proxies to the app
// (http://app:8000); the test plays the browser through the published ports.
// The issuer must be one URL for everyone, which works two ways:
//
//   - split horizon (the compose example): the provider advertises its
//     browser-facing endpoints on its published port (MOCKIDP_PUBLIC_URL);
//     the test's client cannot resolve "mockidp" at all.
//   - hosts entry: no MOCKIDP_PUBLIC_URL; the client resolves "mockidp:9400"
//     to the published port, as an /etc/hosts line does for a browser.
//
// Every container must turn healthy through its image's HEALTHCHECK (the
// binaries' healthcheck subcommand), the full story must hold with the app
// receiving the user's identity (never a client's forged one, nor rp's
// cookies), and every container must exit with status 0 on `docker stop`.
func TestContainers(t *testing.T) {
	t.Parallel()
	t.Run("split horizon", func(t *testing.T) {
		t.Parallel()
		runContainers(t, false)
	})
	t.Run("hosts entry", func(t *testing.T) {
		t.Parallel()
		runContainers(t, true)
	})
}

// runContainers tells the story against the compose example's containers;
// with hostsEntry, the provider has no public URL and the client resolves its
// service name instead.
func runContainers(t *testing.T, hostsEntry bool) {
	d := container.New(t)
	bins := programs.Binaries(t)
	idpImage := d.Image("mockidp", bins.Path("mockidp"), "../build/mockidp/Dockerfile")
	rpImage := d.Image("rp", images.Binaries(t).Path("rp"), "../build/rp/Dockerfile")
	appImage := d.Image("whoami", bins.Path("whoami"), "../build/whoami/Dockerfile")

	env := composeEnv(t)
	issuer := env["mockidp"]["MOCKIDP_ISSUER"]
	if got := env["rp"]["RP_ISSUER"]; got != issuer {
		t.Fatalf("%s: rp's RP_ISSUER %q differs from mockidp's MOCKIDP_ISSUER %q", composeFile, got, issuer)
	}
	if env["mockidp"]["MOCKIDP_PUBLIC_URL"] == "" {
		t.Fatalf("%s: mockidp has no MOCKIDP_PUBLIC_URL", composeFile)
	}
	// The example publishes 127.0.0.1:9400 and :8080; the test picks free
	// ports instead and sets the public URLs to match.
	idpPort, rpPort := stack.FreePort(t), stack.FreePort(t)
	idpPublic := fmt.Sprintf("http://localhost:%d", idpPort)
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", rpPort)
	env["mockidp"]["MOCKIDP_PUBLIC_URL"] = idpPublic
	if hostsEntry {
		delete(env["mockidp"], "MOCKIDP_PUBLIC_URL")
	}
	env["rp"]["RP_PUBLIC_URL"] = rpURL

	idp := d.Run(container.Config{
		Image: idpImage, Alias: "mockidp", Env: envList(env["mockidp"]), Publish: map[int]int{9400: idpPort},
	})
	app := d.Run(container.Config{Image: appImage, Alias: "app", Env: envList(env["app"])})
	rp := d.Run(container.Config{
		Image: rpImage, Alias: "rp", Env: envList(env["rp"]), Publish: map[int]int{8080: rpPort},
	})
	idp.WaitHealthy()
	app.WaitHealthy()
	rp.WaitHealthy()

	s := newStory(t, rpURL, idpPublic)
	if hostsEntry {
		s = newStory(t, rpURL, issuer, stack.WithHostMap(map[string]string{"mockidp:9400": idp.Addr(9400)}))
	}
	s.landed = func(r *stack.Response, u user) {
		t.Helper()
		assertWhoami(t, r, u, "/reports/2026")
		// A client cannot pose as someone else: its identity headers are
		// replaced by rp's.
		req := s.c.NewRequest("GET", rpURL+"/forged", nil)
		req.Header.Set("X-Forwarded-User", "mallory")
		req.Header.Set("X-Forwarded-Email", "mallory@example.com")
		assertWhoami(t, s.c.Do(req), u, "/forged")
	}
	s.fullStory(alice, "/reports/2026?q=1", issuer)

	for _, c := range []*container.Container{rp, app, idp} {
		if code := c.Stop(5 * time.Second); code != 0 {
			t.Errorf("exit code after docker stop: got %d, want 0\n%s", code, c.Logs())
		}
	}
}

// whoami is the answer of the example app (examples/whoami).
type whoami struct {
	User              string   `json:"user"`
	Email             string   `json:"email"`
	PreferredUsername string   `json:"preferred_username"`
	Groups            []string `json:"groups"`
	Path              string   `json:"path"`
	Cookies           []string `json:"cookies"`
}

// assertWhoami fails unless r is the app's answer at path for u, with no
// cookie passed on: neither rp's own nor the provider's (which a browser sends
// to every port of a host, hence the provider's "localhost" public URL).
func assertWhoami(t *testing.T, r *stack.Response, u user, path string) {
	t.Helper()
	if r.StatusCode != 200 {
		t.Fatalf("app page: want 200\n%s", r)
	}
	var got whoami
	r.JSON(t, &got)
	if got.User != u.Sub || got.Email != u.Email || got.PreferredUsername != u.Sub || !slices.Equal(got.Groups, u.Groups) || got.Path != path {
		t.Errorf("identity at the app: got %+v, want user=%s email=%s groups=%v path=%s", got, u.Sub, u.Email, u.Groups, path)
	}
	if len(got.Cookies) != 0 {
		t.Errorf("cookies passed to the app: got %q, want none", got.Cookies)
	}
}
