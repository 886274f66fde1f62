package integration

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/foyer-oidc/foyer/integration/harness"
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
	for _, name := range []string{"mockidp", "rp"} {
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

// TestContainers runs the FROM-scratch images of mockidp and rp on a private
// Docker network, configured as examples/docker-compose.yml configures them.
// rp reaches the provider by its service name (http://mockidp:9400); the test
// plays the browser through the published ports, resolving "mockidp:9400" to
// the provider's published port as an /etc/hosts entry would, so that the
// issuer is one URL for everyone. Both containers must become healthy through
// their image's HEALTHCHECK (the binaries' healthcheck subcommand), tell the
// full story, and exit with status 0 on `docker stop`.
func TestContainers(t *testing.T) {
	t.Parallel()
	d := harness.NewDocker(t)
	bins := programs.Binaries(t)
	idpImage := d.Image("mockidp", bins.Path("mockidp"), "../build/mockidp/Dockerfile")
	rpImage := d.Image("rp", bins.Path("rp"), "../build/rp/Dockerfile")

	env := composeEnv(t)
	issuer := env["mockidp"]["MOCKIDP_ISSUER"]
	if got := env["rp"]["RP_ISSUER"]; got != issuer {
		t.Fatalf("%s: rp's RP_ISSUER %q differs from mockidp's MOCKIDP_ISSUER %q", composeFile, got, issuer)
	}
	idp := d.Run(harness.ContainerConfig{
		Image: idpImage, Alias: "mockidp", Env: envList(env["mockidp"]), Publish: map[int]int{9400: 0},
	})
	// The example publishes rp on 127.0.0.1:8080; the test picks a free port
	// instead, and tells rp its public URL accordingly.
	rpPort := harness.FreePort(t)
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", rpPort)
	env["rp"]["RP_PUBLIC_URL"] = rpURL
	rp := d.Run(harness.ContainerConfig{
		Image: rpImage, Alias: "rp", Env: envList(env["rp"]), Publish: map[int]int{8080: rpPort},
	})
	idp.WaitHealthy()
	rp.WaitHealthy()

	s := newStory(t, rpURL, issuer, harness.WithHostMap(map[string]string{"mockidp:9400": idp.Addr(9400)}))
	s.fullStory(alice, "/", issuer)

	for _, c := range []*harness.Container{rp, idp} {
		if code := c.Stop(5 * time.Second); code != 0 {
			t.Errorf("exit code after docker stop: got %d, want 0\n%s", code, c.Logs())
		}
	}
}
