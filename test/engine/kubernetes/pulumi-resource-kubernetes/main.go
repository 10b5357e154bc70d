// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider of
// github.com/pulumi/pulumi-kubernetes/provider/v4. Upstream's own main embeds
// schema files its build generates (schema-embed.json), which the module zip
// lacks; gen-kubernetes-schema generates them here the same way, from the
// schema.json the module ships.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
