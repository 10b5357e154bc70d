// Command acp-olm holds the parts of the sandbox's OLM that upstream ships
// only as container images or in-cluster programs. Upstream's own `olm` and
// `catalog` operators are built unchanged from this module's `tool` directive.
//
//	acp-olm packageserver <upstream package-server flags>
//	acp-olm registry --catalog NAME=DIR [--catalog …]
//	acp-olm cert --ca-dir D --host H --out D
//	acp-olm crds
//	acp-olm hold [--addr 127.0.0.1:8080] -- COMMAND [ARGS]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var code int
	switch os.Args[1] {
	case "packageserver":
		code = runPackageServer(os.Args[2:])
	case "registry":
		code = runRegistry(os.Args[2:])
	case "cert":
		code = runCert(os.Args[2:])
	case "crds":
		code = runCRDs(os.Args[2:])
	case "hold":
		code = runHold(os.Args[2:])
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "acp-olm: unknown command %q\n", os.Args[1])
		usage()
		code = 2
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: acp-olm <command> [flags]

commands:
  packageserver  OLM's package server (packages.operators.coreos.com), authentication left to the kube-apiserver
  registry       file-based catalogs served over operator-registry's gRPC API on 127.0.0.1; SIGHUP reloads them
  cert           a serving certificate signed by the sandbox CA
  crds           print OLM's CustomResourceDefinitions (YAML documents)
  hold           run a command while holding a loopback port it would otherwise bind on every interface`)
}
