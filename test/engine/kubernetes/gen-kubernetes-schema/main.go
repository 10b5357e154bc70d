// Command gen-kubernetes-schema writes the schema files that
// pulumi-resource-kubernetes embeds: it reads schema.json and
// terraform-mapping.json from the pulumi-kubernetes provider module (as
// resolved by this module's go.mod), stamps the provider version into the
// schema and writes both minified, as upstream's generate.go does.
//
//	go run ./gen-kubernetes-schema -version 4.x.y -out pulumi-resource-kubernetes
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

func main() {
	version := flag.String("version", "", "provider version to stamp into the schema")
	out := flag.String("out", ".", "directory to write schema-embed.json and terraform-mapping-embed.json to")
	flag.Parse()
	if *version == "" {
		fail(fmt.Errorf("-version is required"))
	}
	dir, err := moduleDir()
	if err != nil {
		fail(err)
	}
	src := filepath.Join(dir, "cmd", "pulumi-resource-kubernetes")

	var spec schema.PackageSpec
	if err := readJSON(filepath.Join(src, "schema.json"), &spec); err != nil {
		fail(err)
	}
	spec.Version = *version
	if err := writeJSON(filepath.Join(*out, "schema-embed.json"), spec); err != nil {
		fail(err)
	}

	var mapping any
	if err := readJSON(filepath.Join(src, "terraform-mapping.json"), &mapping); err != nil {
		fail(err)
	}
	if err := writeJSON(filepath.Join(*out, "terraform-mapping-embed.json"), mapping); err != nil {
		fail(err)
	}
}

func moduleDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", providerModule)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", providerModule, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", err
	}
	if info.Error != "" || strings.TrimSpace(info.Dir) == "" {
		return "", fmt.Errorf("go mod download %s: %s", providerModule, info.Error)
	}
	return info.Dir, nil
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gen-kubernetes-schema: %v\n", err)
	os.Exit(1)
}
