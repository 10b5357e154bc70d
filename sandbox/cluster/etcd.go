package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// runEtcd starts a single-member embedded etcd. It accepts the flag names of
// upstream etcd that a single member needs, so the sandbox passes the same
// arguments to it and to an envtest etcd (KUBEBUILDER_ASSETS).
func runEtcd(args []string) int {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "etcd data directory (required)")
	name := fs.String("name", "sandbox", "member name")
	clientURLs := fs.String("listen-client-urls", "http://127.0.0.1:2379", "comma-separated client URLs")
	advertiseClientURLs := fs.String("advertise-client-urls", "", "comma-separated advertised client URLs (default: the listen URLs)")
	peerURL := fs.String("listen-peer-urls", "http://127.0.0.1:0", "peer URL (a single-member cluster)")
	advertisePeerURL := fs.String("initial-advertise-peer-urls", "", "advertised peer URL (default: the listen URL)")
	initialCluster := fs.String("initial-cluster", "", "initial cluster (default: <name>=<peer URL>)")
	noFsync := fs.Bool("unsafe-no-fsync", true, "skip fsync: the sandbox is a test bed")
	logLevel := fs.String("log-level", "warn", "log level")
	quota := fs.Int64("quota-backend-bytes", 2<<30, "backend quota in bytes")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "etcd: --data-dir is required")
		return 2
	}
	cfg := embed.NewConfig()
	cfg.Dir = *dataDir
	cfg.Name = *name
	cfg.LogLevel = *logLevel
	cfg.QuotaBackendBytes = *quota
	cfg.UnsafeNoFsync = *noFsync
	curls, err := parseURLs(*clientURLs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: --listen-client-urls: %v\n", err)
		return 2
	}
	aurls := curls
	if *advertiseClientURLs != "" {
		if aurls, err = parseURLs(*advertiseClientURLs); err != nil {
			fmt.Fprintf(os.Stderr, "etcd: --advertise-client-urls: %v\n", err)
			return 2
		}
	}
	purls, err := parseURLs(*peerURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: --listen-peer-urls: %v\n", err)
		return 2
	}
	apurls := purls
	if *advertisePeerURL != "" {
		if apurls, err = parseURLs(*advertisePeerURL); err != nil {
			fmt.Fprintf(os.Stderr, "etcd: --initial-advertise-peer-urls: %v\n", err)
			return 2
		}
	}
	cfg.ListenClientUrls = curls
	cfg.AdvertiseClientUrls = aurls
	cfg.ListenPeerUrls = purls
	cfg.AdvertisePeerUrls = apurls
	cfg.InitialCluster = *initialCluster
	if cfg.InitialCluster == "" {
		cfg.InitialCluster = fmt.Sprintf("%s=%s", cfg.Name, apurls[0].String())
	}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		return 1
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintln(os.Stderr, "etcd: ready")
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		fmt.Fprintln(os.Stderr, "etcd: not ready after 60s")
		return 1
	}
	ctx, cancel := signalContext()
	defer cancel()
	select {
	case <-ctx.Done():
		return 0
	case err := <-e.Err():
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		return 1
	}
}

func parseURLs(list string) ([]url.URL, error) {
	var urls []url.URL
	for _, s := range strings.Split(list, ",") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("bad URL %q: %v", s, err)
		}
		urls = append(urls, *u)
	}
	return urls, nil
}
