// Command pulumi-language-python is the Python language host of our engine:
// the upstream host's Go module is not served by the Go module proxy (see
// ../go.mod), so this serves pulumirpc.LanguageRuntime with the `pulumi`
// Python SDK from PyPI and the Python toolchain support (pip, poetry, uv) of
// github.com/pulumi/pulumi/sdk/v3/python/toolchain, as upstream's host does:
//
//   - Run: the project's Python (runtime options "toolchain" and
//     "virtualenv", relative to the project) runs exec.py, which configures
//     the SDK from the engine's settings and runs the program;
//   - InstallDependencies: `pulumi install`, and `pulumi package add` after
//     Link: the toolchain makes the virtualenv and installs requirements.txt;
//   - Link: `pulumi package add` adds the generated SDK's directory to
//     requirements.txt (pyproject.toml for poetry and uv);
//   - GeneratePackage: the SDK's code, with the Python code generator of
//     github.com/pulumi/pulumi/pkg/v3;
//   - GetRequiredPlugins/Packages: none of its own; packages come from the
//     project's `packages:` (Pulumi.yaml), which the engine resolves itself.
//
// Like every plugin it prints the port it serves on, then serves until killed.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"acp-extend/test/langhost"
	"github.com/blang/semver"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

//go:embed exec.py
var execScript []byte

func main() {
	// exec.py is written once per host process, next to nothing the user owns.
	dir, err := os.MkdirTemp("", "pulumi-language-python-")
	if err != nil {
		cmdutil.Exit(err)
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "exec.py")
	if err := os.WriteFile(script, execScript, 0o600); err != nil {
		cmdutil.Exit(err)
	}
	langhost.Serve(func(engineAddress string) pulumirpc.LanguageRuntimeServer {
		return &languageHost{Base: langhost.NewBase(engineAddress), execScript: script}
	})
}

type languageHost struct {
	langhost.Base

	execScript string
}

// pythonOptions reads the runtime options as upstream's host does: the
// toolchain (pip unless named or a uv.lock/poetry.lock says otherwise) and
// the virtualenv, relative to the project's root.
func pythonOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["virtualenv"]; ok {
		venv, ok := v.(string)
		if !ok {
			return opts, errors.New("the runtime option virtualenv must be a string")
		}
		opts.Virtualenv = venv
	}
	if v, ok := raw["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("the runtime option toolchain must be pip, poetry or uv, not %v", v)
		}
	}
	return opts, nil
}

func projectToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts, err := pythonOptions(info)
	if err != nil {
		return nil, err
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := projectToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: about.PythonExecutable, Version: about.PythonVersion.String()}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	tc, err := projectToolchain(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := append([]string{"-u", h.execScript}, langhost.RunFlags(req, h.Engine())...)
	program := info.GetProgramDirectory()
	if entry := info.GetEntryPoint(); entry != "" && entry != "." {
		program = filepath.Join(program, entry)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	configEnv, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd.Dir = req.GetPwd()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(append(cmd.Env, configEnv...), "PYTHONUNBUFFERED=1")
	return langhost.RunProgram(cmd), nil
}

// InstallDependencies makes the project's virtualenv and installs its
// requirements with its toolchain, as upstream's host does.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := pythonOptions(req.GetInfo())
	if err != nil {
		return err
	}
	if req.GetIsPlugin() && opts.Toolchain != toolchain.Poetry && opts.Toolchain != toolchain.Uv && opts.Virtualenv == "" {
		// As upstream: plugins never run in the global Python.
		opts.Virtualenv = "venv"
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	return langhost.InstallDependencies(req, server, func(ctx context.Context, stdout, stderr io.Writer) error {
		return tc.InstallDependencies(ctx, req.GetInfo().GetProgramDirectory(), req.GetUseLanguageVersionTools(),
			true /* showOutput */, stdout, stderr)
	})
}

// Link adds generated SDKs to the project's dependencies, as `pulumi package
// add` asks before it installs them: each SDK's directory, relative to the
// project, replaces any requirement of the same Python package.
func (h *languageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	info := req.GetInfo()
	opts, err := pythonOptions(info)
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	packages := map[string]string{} // Python distribution name → path
	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		desc := dep.GetPackage()
		if desc.GetName() == "pulumi" {
			packages["pulumi"] = dep.GetPath()
			continue
		}
		pkgDesc := &schema.PackageDescriptor{Name: desc.GetName(), DownloadURL: desc.GetServer()}
		if v, err := semver.ParseTolerant(desc.GetVersion()); err == nil {
			pkgDesc.Version = &v
		}
		if p := desc.GetParameterization(); p != nil {
			param := &schema.ParameterizationDescriptor{Name: p.GetName(), Value: p.GetValue()}
			if v, err := semver.ParseTolerant(p.GetVersion()); err == nil {
				param.Version = v
			}
			pkgDesc.Parameterization = param
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, pkgDesc)
		if err != nil {
			return nil, fmt.Errorf("loading the schema of %s: %w", desc.GetName(), err)
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"python": pythongen.Importer}); err != nil {
			return nil, err
		}
		name := pythongen.PyPack(ref.Namespace(), ref.Name())
		importName := strings.ReplaceAll(ref.Name(), "-", "_")
		if info, ok := pkg.Language["python"].(pythongen.PackageInfo); ok && info.PackageName != "" {
			name, importName = info.PackageName, info.PackageName
		}
		packages[name] = dep.GetPath()
		fmt.Fprintf(&imports, "  import %s as %s\n", name, importName)
	}

	if opts.Toolchain != toolchain.Pip {
		// As upstream: a poetry or uv project that has not been installed yet
		// still lists its requirements in requirements.txt.
		if _, err := os.Stat(filepath.Join(info.GetProgramDirectory(), "pyproject.toml")); errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(filepath.Join(info.GetProgramDirectory(), "requirements.txt")); errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no pyproject.toml or requirements.txt found in %s", info.GetProgramDirectory())
			}
			opts.Toolchain = toolchain.Pip
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, packages); err != nil {
		return nil, fmt.Errorf("adding the SDKs to the project's requirements: %w", err)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Python code with:\n\n" + imports.String(),
	}, nil
}

// GeneratePackage writes the Python SDK of a package schema, as
// `pulumi package gen-sdk --language python` and `pulumi package add` ask.
func (h *languageHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, status.Errorf(codes.InvalidArgument, "the package schema is not valid: %s", diags.Error())
	}
	files, err := pythongen.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{}, nil
}
