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

func runEtcd(args []string) int {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "etcd data directory (required)")
	clientURLs := fs.String("listen-client-urls", "http://127.0.0.1:2379", "comma-separated client URLs")
	peerURL := fs.String("listen-peer-urls", "http://127.0.0.1:0", "peer URL (a single-member cluster)")
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
	cfg.Name = "sandbox"
	cfg.LogLevel = "warn"
	cfg.QuotaBackendBytes = *quota
	// The sandbox is a test bed: fsync on every write only slows tests down.
	cfg.UnsafeNoFsync = true
	var curls []url.URL
	for _, s := range strings.Split(*clientURLs, ",") {
		u, err := url.Parse(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "etcd: bad client URL %q: %v\n", s, err)
			return 2
		}
		curls = append(curls, *u)
	}
	purl, err := url.Parse(*peerURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: bad peer URL %q: %v\n", *peerURL, err)
		return 2
	}
	cfg.ListenClientUrls = curls
	cfg.AdvertiseClientUrls = curls
	cfg.ListenPeerUrls = []url.URL{*purl}
	cfg.AdvertisePeerUrls = []url.URL{*purl}
	cfg.InitialCluster = fmt.Sprintf("%s=%s", cfg.Name, purl.String())

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
