// Command acp-sandbox is one multi-call binary for the local control plane of
// the acp-extend sandbox. Each component runs as its own process:
//
//	acp-sandbox etcd --data-dir D --listen-client-urls U
//	acp-sandbox kube-apiserver <kube-apiserver flags>
//	acp-sandbox kube-controller-manager <kube-controller-manager flags>
//	acp-sandbox kubectl <kubectl args>
//	acp-sandbox pki --dir D
//
// When invoked through a symlink named after a component (e.g. "kubectl"),
// the symlink name selects the component.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if !isComponent(name) {
		if len(args) == 0 {
			usage()
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	var code int
	switch name {
	case "etcd":
		code = runEtcd(args)
	case "kube-apiserver":
		code = runAPIServer(args)
	case "kube-controller-manager":
		code = runControllerManager(args)
	case "kubectl":
		code = runKubectl(args)
	case "pki":
		code = runPKI(args)
	case "version":
		code = runVersion()
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "acp-sandbox: unknown component %q\n", name)
		usage()
		code = 2
	}
	os.Exit(code)
}

func isComponent(name string) bool {
	switch strings.TrimSuffix(name, ".exe") {
	case "etcd", "kube-apiserver", "kube-controller-manager", "kubectl":
		return true
	}
	return false
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: acp-sandbox <component> [flags]

components:
  etcd                     embedded etcd (--data-dir, --listen-client-urls)
  kube-apiserver           the Kubernetes API server
  kube-controller-manager  the Kubernetes controller manager
  kubectl                  the Kubernetes CLI
  pki                      generate CA, serving and client certificates (--dir, --hosts)
  version                  print the Kubernetes version this binary embeds`)
}
