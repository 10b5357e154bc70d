package main

import (
	"fmt"
	"os"

	"github.com/operator-framework/operator-lifecycle-manager/pkg/lib/signals"
	"github.com/operator-framework/operator-lifecycle-manager/pkg/package-server/server"
)

// runPackageServer is upstream's cmd/package-server with DisableAuthForTesting:
// upstream's delegated authentication falls back to an in-cluster login when
// it runs outside a pod and retries it forever. Skipping it is safe here
// because the server listens on loopback only and the kube-apiserver
// authenticates and authorizes (RBAC) every request before it proxies it
// through the APIService.
func runPackageServer(args []string) int {
	ctx := signals.Context()
	options := server.NewPackageServerOptions(os.Stdout, os.Stderr)
	options.DisableAuthForTesting = true
	cmd := server.NewCommandStartPackageServer(ctx, options)
	cmd.Use = "acp-olm packageserver"
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "acp-olm packageserver: %v\n", err)
		return 1
	}
	return 0
}
