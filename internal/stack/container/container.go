// Package container builds FROM-scratch images from prebuilt binaries and
// runs them on a private Docker network for one test, removing containers,
// images and the network when the test ends, also when it fails.
package container

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// Docker is the tool a Docker test needs: a Docker engine answering on
// DOCKER_HOST or the default socket. `make ci-deps` does not install one.
var Docker = stack.Tool{Name: "Docker engine", Env: "REQUIRE_DOCKER", Probe: probe,
	Hint: "start a Docker engine, or point DOCKER_HOST at one"}

// probe says why no Docker engine can be used, or nil when one answers.
func probe() error {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return fmt.Errorf("no Docker engine: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(ctx); err != nil {
		return fmt.Errorf("no Docker engine answering: %w", err)
	}
	return nil
}

// Label marks every container, image and network this package creates, so
// that leftovers of a killed run can be found:
// `docker ps -aq --filter label=foyer.test`.
const Label = "foyer.test"

// healthTimeout bounds Container.WaitHealthy.
const healthTimeout = 90 * time.Second

// Engine runs containers for one test on a private network of their own.
// Everything it creates is removed when the test ends, also when it fails.
type Engine struct {
	// Pool is the dockertest connection to the engine.
	Pool *dockertest.Pool
	// Network is the private network the containers join.
	Network *dc.Network
	t       testing.TB
	id      string // random suffix shared by this test's names
}

// New connects to the Docker engine (skipping or failing t when there is
// none, see [stack.Require] and [Docker]) and creates a private network for t.
func New(t testing.TB) *Engine {
	t.Helper()
	stack.Require(t, Docker)
	pool, err := dockertest.NewPool("")
	if err != nil {
		t.Fatalf("docker: %v", err)
	}
	d := &Engine{Pool: pool, t: t, id: randomID()}
	d.Network, err = pool.Client.CreateNetwork(dc.CreateNetworkOptions{
		Name:   "foyer-test-" + d.id,
		Driver: "bridge",
		Labels: map[string]string{Label: t.Name()},
	})
	if err != nil {
		t.Fatalf("docker network: %v", err)
	}
	t.Cleanup(func() {
		if err := pool.Client.RemoveNetwork(d.Network.ID); err != nil {
			t.Errorf("removing network %s: %v", d.Network.Name, err)
		}
	})
	return d
}

// Image builds an image named after name from a build context holding only
// binary (under its own base name) and dockerfile (as "Dockerfile"), and
// returns its reference. The image is removed when the test ends.
func (d *Engine) Image(name, binary, dockerfile string) string {
	d.t.Helper()
	ctxDir := d.t.TempDir()
	copyFile(d.t, binary, filepath.Join(ctxDir, filepath.Base(binary)), 0o755)
	copyFile(d.t, dockerfile, filepath.Join(ctxDir, "Dockerfile"), 0o644)
	ref := "foyer-test/" + name + ":" + d.id
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	err := d.Pool.Client.BuildImage(dc.BuildImageOptions{
		Name:                ref,
		ContextDir:          ctxDir,
		Dockerfile:          "Dockerfile",
		OutputStream:        &out,
		RmTmpContainer:      true,
		ForceRmTmpContainer: true,
		Labels:              map[string]string{Label: d.t.Name()},
		Context:             ctx,
	})
	if err != nil {
		d.t.Fatalf("docker build %s: %v\n%s", ref, err, out.String())
	}
	d.t.Cleanup(func() {
		if err := d.Pool.Client.RemoveImageExtended(ref, dc.RemoveImageOptions{Force: true}); err != nil {
			d.t.Errorf("removing image %s: %v", ref, err)
		}
	})
	return ref
}

// Config describes a container to run on the test's network.
type Config struct {
	// Image is the reference returned by Engine.Image.
	Image string
	// Alias is the container's name on the private network (its service
	// name, e.g. "mockidp"), by which the other containers reach it.
	Alias string
	// Env and Cmd are passed as `docker run -e` and arguments.
	Env, Cmd []string
	// Publish maps container ports to ports on 127.0.0.1; a host port of 0
	// picks a free one. See Container.Addr.
	Publish map[int]int
}

// Container is a running container created by Engine.Run.
type Container struct {
	// ID is the engine's id of the container.
	ID    string
	cfg   Config
	d     *Engine
	ports map[int]int
}

// Run creates and starts a container and registers its removal (with its
// logs written to the test log when the test failed).
func (d *Engine) Run(cfg Config) *Container {
	d.t.Helper()
	c := &Container{cfg: cfg, d: d, ports: map[int]int{}}
	exposed := map[dc.Port]struct{}{}
	bindings := map[dc.Port][]dc.PortBinding{}
	for cport, hport := range cfg.Publish {
		if hport == 0 {
			hport = stack.FreePort(d.t)
		}
		c.ports[cport] = hport
		p := dc.Port(strconv.Itoa(cport) + "/tcp")
		exposed[p] = struct{}{}
		bindings[p] = []dc.PortBinding{{HostIP: "127.0.0.1", HostPort: strconv.Itoa(hport)}}
	}
	created, err := d.Pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: cfg.Alias + "-" + d.id,
		Config: &dc.Config{
			Image:        cfg.Image,
			Env:          cfg.Env,
			Cmd:          cfg.Cmd,
			ExposedPorts: exposed,
			Labels:       map[string]string{Label: d.t.Name()},
		},
		HostConfig: &dc.HostConfig{PortBindings: bindings},
		NetworkingConfig: &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{
			d.Network.Name: {Aliases: []string{cfg.Alias}},
		}},
	})
	if err != nil {
		d.t.Fatalf("docker create %s: %v", cfg.Alias, err)
	}
	c.ID = created.ID
	d.t.Cleanup(func() {
		if d.t.Failed() {
			d.t.Logf("logs of container %s:\n%s", cfg.Alias, c.Logs())
		}
		if err := d.Pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true}); err != nil {
			d.t.Errorf("removing container %s: %v", cfg.Alias, err)
		}
	})
	if err := d.Pool.Client.StartContainer(c.ID, nil); err != nil {
		d.t.Fatalf("docker start %s: %v", cfg.Alias, err)
	}
	return c
}

// Addr returns the "127.0.0.1:PORT" address at which the test reaches the
// container's port cport.
func (c *Container) Addr(cport int) string {
	hport, ok := c.ports[cport]
	if !ok {
		c.d.t.Fatalf("container %s does not publish port %d", c.cfg.Alias, cport)
	}
	return "127.0.0.1:" + strconv.Itoa(hport)
}

// WaitHealthy waits until the engine reports the container healthy, that is
// until its image's HEALTHCHECK has passed, and fails t when it turns
// unhealthy, exits, or takes too long.
func (c *Container) WaitHealthy() {
	t := c.d.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	err := stack.Poll(ctx, 250*time.Millisecond, func() error {
		info, err := c.d.Pool.Client.InspectContainerWithContext(c.ID, ctx)
		if err != nil {
			return err
		}
		switch st := info.State; {
		case !st.Running:
			return stack.Permanent(fmt.Errorf("not running: %s (exit code %d)", st.Status, st.ExitCode))
		case st.Health.Status == "healthy":
			return nil
		case st.Health.Status == "unhealthy":
			return stack.Permanent(fmt.Errorf("unhealthy: %+v", st.Health.Log))
		case st.Health.Status == "":
			return stack.Permanent(fmt.Errorf("image %s has no HEALTHCHECK", c.cfg.Image))
		default:
			return fmt.Errorf("health %q", st.Health.Status)
		}
	})
	if err != nil {
		t.Fatalf("container %s not healthy: %v\nlogs:\n%s", c.cfg.Alias, err, c.Logs())
	}
}

// Stop sends the container SIGTERM (`docker stop`, which kills it after
// grace) and returns its exit code.
func (c *Container) Stop(grace time.Duration) int {
	t := c.d.t
	t.Helper()
	if err := c.d.Pool.Client.StopContainer(c.ID, uint(grace.Seconds())); err != nil {
		t.Fatalf("docker stop %s: %v", c.cfg.Alias, err)
	}
	info, err := c.d.Pool.Client.InspectContainer(c.ID)
	if err != nil {
		t.Fatalf("docker inspect %s: %v", c.cfg.Alias, err)
	}
	return info.State.ExitCode
}

// Logs returns what the container wrote to stdout and stderr.
func (c *Container) Logs() string {
	var out bytes.Buffer
	err := c.d.Pool.Client.Logs(dc.LogsOptions{
		Container: c.ID, OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Timestamps: false,
	})
	if err != nil {
		return fmt.Sprintf("(no logs: %v)", err)
	}
	return out.String()
}

// copyFile copies src to dst with mode perm.
func copyFile(t testing.TB, src, dst string, perm os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if err := os.WriteFile(dst, data, perm); err != nil {
		t.Fatalf("copy: %v", err)
	}
}

// randomID returns 8 random hex digits.
func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
