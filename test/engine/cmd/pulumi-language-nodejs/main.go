// Command pulumi-language-nodejs is the Pulumi language host for Node.js
// programs, written for acp-extend's test engine: upstream's host is a module
// of its own (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// that the Go module proxy does not serve here.
//
// It implements the LanguageRuntime gRPC service of
// github.com/pulumi/pulumi/sdk/v3/proto/go on the Node.js entry points that
// @pulumi/pulumi ships, resolved from the program's own node_modules:
//
//   - Run: node @pulumi/pulumi/cmd/run (program, dry-run, monitor, config);
//   - RunPlugin: node @pulumi/pulumi/cmd/run-policy-pack for policy packs
//     (kind "analyzer") and @pulumi/pulumi/cmd/run-plugin for plugins;
//   - GetRequiredPackages: the resource plugins that node_modules packages
//     declare in their package.json ("pulumi": {"resource": true});
//   - InstallDependencies: the package manager's install, as upstream's host
//     runs it for `pulumi install` and for source plugins that `pulumi package
//     add` or a project's `packages:` name (a local directory or a git URL).
//
// Like every plugin it prints the port it serves on, then serves until killed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"acp-extend/test/langhost"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func main() {
	node, err := exec.LookPath("node")
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not find node on $PATH: %w", err))
	}
	langhost.Serve(func(engineAddress string) pulumirpc.LanguageRuntimeServer {
		return &languageHost{Base: langhost.NewBase(engineAddress), node: node}
	})
}

type languageHost struct {
	langhost.Base

	node string
}

func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.CommandContext(ctx, h.node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", h.node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: h.node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := requiredPackages(req.GetInfo())
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := requiredPackages(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out := make([]*pulumirpc.PackageDependency, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, &pulumirpc.PackageDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: out}, nil
}

type pluginPackage struct{ Name, Kind, Version, Server string }

// requiredPackages lists the resource plugins declared by the packages that
// Node's module resolution can see from the program directory: each
// node_modules directory from there up to the filesystem root, nearest first.
func requiredPackages(info *pulumirpc.ProgramInfo) ([]pluginPackage, error) {
	if info == nil || info.GetProgramDirectory() == "" {
		return nil, status.Error(codes.InvalidArgument, "program info with a program directory is required")
	}
	seen := map[string]bool{}
	var pkgs []pluginPackage
	for dir := info.GetProgramDirectory(); ; dir = filepath.Dir(dir) {
		manifests, _ := filepath.Glob(filepath.Join(dir, "node_modules", "*", "package.json"))
		scoped, _ := filepath.Glob(filepath.Join(dir, "node_modules", "@*", "*", "package.json"))
		for _, manifest := range append(manifests, scoped...) {
			p, ok, err := readPluginPackage(manifest)
			if err != nil {
				return nil, err
			}
			if ok && !seen[p.Name] {
				seen[p.Name] = true
				pkgs = append(pkgs, p)
			}
		}
		if parent := filepath.Dir(dir); parent == dir {
			return pkgs, nil
		}
	}
}

func readPluginPackage(manifest string) (pluginPackage, bool, error) {
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return pluginPackage{}, false, err
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Pulumi  struct {
			Resource bool   `json:"resource"`
			Name     string `json:"name"`
			Version  string `json:"version"`
			Server   string `json:"server"`
		} `json:"pulumi"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return pluginPackage{}, false, fmt.Errorf("%s: %w", manifest, err)
	}
	if !pkg.Pulumi.Resource {
		return pluginPackage{}, false, nil
	}
	name := pkg.Pulumi.Name
	if name == "" {
		// "@pulumi/kubernetes" provides plugin "kubernetes"; other scopes keep
		// their scope without the "@".
		name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
	}
	ver := pkg.Pulumi.Version
	if ver == "" {
		ver = pkg.Version
	}
	if ver == "" {
		return pluginPackage{}, false, fmt.Errorf("%s: plugin package has no version", manifest)
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	return pluginPackage{Name: name, Kind: "resource", Version: ver, Server: pkg.Pulumi.Server}, true, nil
}

// resolve finds a module the way the program's own require() would.
func (h *languageHost) resolve(ctx context.Context, fromDir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, h.node, "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = fromDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s from %s (is @pulumi/pulumi installed there?): %v: %s",
			module, fromDir, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := h.resolve(ctx, programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	opts := info.GetOptions().AsMap()
	args := nodeArgs(opts)
	args = append(args, runScript)
	args = append(args, langhost.RunFlags(req, h.Engine())...)
	program := programDir
	if entry := info.GetEntryPoint(); entry != "" && entry != "." {
		program = filepath.Join(programDir, entry)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	configEnv, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, h.node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(append(os.Environ(), configEnv...), typeScriptEnv(opts)...)
	return langhost.RunProgram(cmd), nil
}

// nodeArgs turns the project's runtime option "nodeargs" into node flags.
func nodeArgs(opts map[string]any) []string {
	if s, ok := opts["nodeargs"].(string); ok && strings.TrimSpace(s) != "" {
		return strings.Fields(s)
	}
	return nil
}

// typeScriptEnv passes the runtime options "typescript" (default true, as
// upstream) and "tsconfig" to @pulumi/pulumi/cmd/run.
func typeScriptEnv(opts map[string]any) []string {
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env := []string{fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", typescript)}
	if ts, ok := opts["tsconfig"].(string); ok && ts != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+ts)
	}
	return env
}

func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	ctx := server.Context()
	info := req.GetInfo()
	pluginDir := info.GetProgramDirectory()
	if pluginDir == "" {
		pluginDir = req.GetProgram()
	}
	if pluginDir == "" {
		return status.Error(codes.InvalidArgument, "plugin program directory is required")
	}

	var args []string
	switch req.GetKind() {
	case "analyzer":
		// run-policy-pack takes the engine address, then the policy pack.
		script, err := h.resolve(ctx, pluginDir, "@pulumi/pulumi/cmd/run-policy-pack")
		if err != nil {
			return err
		}
		args = append(append([]string{script}, req.GetArgs()...), pluginDir)
	case "resource", "":
		script, err := h.resolve(ctx, pluginDir, "@pulumi/pulumi/cmd/run-plugin")
		if err != nil {
			return err
		}
		args = append([]string{script, pluginDir}, req.GetArgs()...)
	default:
		return status.Errorf(codes.Unimplemented, "running %q plugins is not supported", req.GetKind())
	}
	args = append(nodeArgs(info.GetOptions().AsMap()), args...)

	cmd := exec.CommandContext(ctx, h.node, args...)
	// As upstream: a policy pack runs in its own directory, any other plugin in
	// the directory the engine runs in (the program's), so relative paths in
	// its inputs mean what they mean to the program's author.
	cmd.Dir = req.GetPwd()
	if req.GetKind() == "analyzer" || cmd.Dir == "" {
		cmd.Dir = pluginDir
	}
	cmd.Env = append(append(os.Environ(), req.GetEnv()...), typeScriptEnv(info.GetOptions().AsMap())...)
	return langhost.RunPlugin(cmd, server)
}

// InstallDependencies installs a program's or a source plugin's npm
// dependencies as upstream's host does: the package manager of the runtime
// option "packagemanager" (else the one the lock file names, else npm) runs
// its install in the directory, or in the root of the npm/yarn/pnpm
// workspace the directory belongs to. For a plugin directory without a
// package.json of its own (acp-extend's provider/), npm installs for the
// package that contains it, whose "prepare" script builds it from a git clone.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		return status.Error(codes.InvalidArgument, "program info with a program directory is required")
	}
	packageManager, _ := req.GetInfo().GetOptions().AsMap()["packagemanager"].(string)
	return langhost.InstallDependencies(req, server, func(ctx context.Context, stdout, stderr io.Writer) error {
		root := dir
		if ws, err := npm.FindWorkspaceRoot(dir); err == nil {
			fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
			root = ws
		} else if !errors.Is(err, npm.ErrNotInWorkspace) {
			return fmt.Errorf("looking for the workspace root of %s: %w", dir, err)
		}
		_, err := npm.Install(ctx, npm.PackageManagerType(packageManager), root, false /* production */, stdout, stderr)
		return err
	})
}

// GetProgramDependencies reports the program's direct npm dependencies with
// the versions installed, for `pulumi about`.
func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		return nil, status.Error(codes.InvalidArgument, "program info with a program directory is required")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	} else if err != nil {
		return nil, err
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
	}
	var deps []*pulumirpc.DependencyInfo
	for name, wanted := range manifest.Dependencies {
		ver := wanted
		if installed, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json")); err == nil {
			var pkg struct{ Version string }
			if json.Unmarshal(installed, &pkg) == nil && pkg.Version != "" {
				ver = pkg.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: ver})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
