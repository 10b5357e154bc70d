package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/operator-framework/api/crds"
)

// runCRDs prints the CustomResourceDefinitions of OLM v0 as YAML documents,
// exactly as github.com/operator-framework/api embeds them for this OLM
// release, so the sandbox installs the schema its operators were built with.
func runCRDs(args []string) int {
	if len(args) != 0 {
		fmt.Fprintln(os.Stderr, "acp-olm crds takes no arguments")
		return 2
	}
	names := crds.AssetNames()
	sort.Strings(names)
	for _, name := range names {
		data, err := crds.Asset(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "acp-olm crds: %s: %v\n", name, err)
			return 1
		}
		fmt.Printf("---\n%s\n", data)
	}
	return 0
}
