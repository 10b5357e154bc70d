package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	health "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/operator-framework/operator-registry/pkg/api"
	"github.com/operator-framework/operator-registry/pkg/cache"
	"github.com/operator-framework/operator-registry/pkg/server"
)

type catalogFlags []string

func (c *catalogFlags) String() string     { return strings.Join(*c, ",") }
func (c *catalogFlags) Set(v string) error { *c = append(*c, v); return nil }

// catalog is one file-based catalog served on its own loopback port. `opm
// serve` would do the same but listens on every interface and opens a pprof
// port that collides between instances.
type catalog struct {
	name, dir, addr string
	log             *logrus.Entry
	mu              sync.Mutex
	srv             *grpc.Server
	store           cache.Cache
	cacheDir        string
	// fingerprint of the directory last loaded: a reload skips unchanged catalogs, so their clients keep their connections.
	fingerprint string
}

func fingerprint(dir string) string {
	h := sha256.New()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

func (c *catalog) load(ctx context.Context) (cache.Cache, string, error) {
	cacheDir, err := os.MkdirTemp("", "acp-olm-registry-")
	if err != nil {
		return nil, "", err
	}
	store, err := cache.New(cacheDir, cache.WithLog(c.log))
	if err == nil {
		err = cache.LoadOrRebuild(ctx, store, os.DirFS(c.dir))
	}
	if err != nil {
		os.RemoveAll(cacheDir)
		return nil, "", fmt.Errorf("catalog %s (%s): %w", c.name, c.dir, err)
	}
	return store, cacheDir, nil
}

// serve (re)starts the gRPC server on c.addr with a freshly loaded store. The
// old server is stopped first, closing every connection: OLM's catalog
// operator and package server re-list a catalog when their connection to it
// becomes ready again, which is how they learn about new bundles.
func (c *catalog) serve(ctx context.Context) error {
	print := fingerprint(c.dir)
	if c.srv != nil && print == c.fingerprint {
		return nil
	}
	store, cacheDir, err := c.load(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		c.srv.Stop()
		c.store.Close()
		os.RemoveAll(c.cacheDir)
	}
	lis, err := net.Listen("tcp", c.addr)
	if err != nil {
		store.Close()
		os.RemoveAll(cacheDir)
		return fmt.Errorf("catalog %s: %w", c.name, err)
	}
	c.addr = lis.Addr().String()
	srv := grpc.NewServer()
	api.RegisterRegistryServer(srv, server.NewRegistryServer(store))
	health.RegisterHealthServer(srv, server.NewHealthServer())
	c.srv, c.store, c.cacheDir, c.fingerprint = srv, store, cacheDir, print
	c.log.WithField("address", c.addr).Info("serving")
	go func() {
		if err := srv.Serve(lis); err != nil {
			c.log.WithError(err).Error("serving stopped")
		}
	}()
	return nil
}

func (c *catalog) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		c.srv.Stop()
		c.store.Close()
		os.RemoveAll(c.cacheDir)
		c.srv = nil
	}
}

// runRegistry serves each --catalog NAME=DIR on its own 127.0.0.1 port and
// prints one JSON line {"ready":true,"catalogs":{NAME:"127.0.0.1:PORT"}} once
// all listen. SIGHUP reloads every catalog whose directory changed, on the
// same port (a catalog that fails to load keeps serving its previous content).
func runRegistry(args []string) int {
	flags := flag.NewFlagSet("registry", flag.ContinueOnError)
	var catalogs catalogFlags
	flags.Var(&catalogs, "catalog", "NAME=DIR: a file-based catalog directory to serve (repeatable)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if len(catalogs) == 0 {
		fmt.Fprintln(os.Stderr, "acp-olm registry: at least one --catalog NAME=DIR is required")
		return 2
	}
	logger := logrus.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var served []*catalog
	for _, spec := range catalogs {
		name, dir, ok := strings.Cut(spec, "=")
		if !ok || name == "" || dir == "" {
			fmt.Fprintf(os.Stderr, "acp-olm registry: --catalog %q is not NAME=DIR\n", spec)
			return 2
		}
		c := &catalog{name: name, dir: dir, addr: "127.0.0.1:0", log: logger.WithField("catalog", name)}
		if err := c.serve(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "acp-olm registry: %v\n", err)
			return 1
		}
		served = append(served, c)
	}
	addrs := map[string]string{}
	for _, c := range served {
		addrs[c.name] = c.addr
	}
	line, _ := json.Marshal(map[string]any{"ready": true, "catalogs": addrs})
	fmt.Println(string(line))

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	for sig := range sigs {
		if sig != syscall.SIGHUP {
			break
		}
		for _, c := range served {
			if err := c.serve(ctx); err != nil {
				c.log.WithError(err).Error("reload failed; still serving the previous content")
				continue
			}
		}
	}
	for _, c := range served {
		c.stop()
	}
	return 0
}
