// Package langhost holds what the language hosts of acp-extend's test engine
// share: test/engine's Node.js host and test/languages/python's Python host
// (upstream's hosts are Go modules of their own that the Go module proxy does
// not serve). Each host embeds Base and calls Serve from its main.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// ExitCodeErrorReported is the exit code with which the Node.js and Python
// SDKs say "the error was already reported to the engine": the engine then
// shows no second, less useful message.
const ExitCodeErrorReported = 32

// Serve starts the gRPC server of the host that newHost makes from the
// engine's address, prints the port it serves on (as every plugin does) and
// serves until killed. The engine passes its address as the last argument;
// flags before it (e.g. -tracing, -root) are accepted and ignored.
func Serve(newHost func(engineAddress string) pulumirpc.LanguageRuntimeServer) {
	var engineAddress string
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}
	host := newHost(engineAddress)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host gRPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host stopped serving: %w", err))
	}
}

// Base serves the calls every host answers the same way: the handshake that
// tells the host the engine's address, and the plugin's version.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
}

// NewBase starts a Base with the address the engine gave on the command line.
func NewBase(engineAddress string) Base { return Base{engineAddress: engineAddress} }

// Engine is the engine's address, for the program's --engine flag.
func (b *Base) Engine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.engineAddress
}

func (b *Base) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.GetEngineAddress() != "" {
		b.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// RunFlags are the settings of a Run as the SDKs' entry points take them
// (@pulumi/pulumi/cmd/run, and exec.py of our Python host, which takes the
// same): --name value for each one set, and --dry-run for a preview.
func RunFlags(req *pulumirpc.RunRequest, engineAddress string) []string {
	var args []string
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", fmt.Sprint(req.GetParallel()))
	return args
}

// ConfigEnv is the stack configuration as the SDKs read it from the
// environment: PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS (JSON).
func ConfigEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(config), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON)}, nil
}

// RunProgram runs the program's process with the host's own stdout and
// stderr (the engine shows them) and turns how it ended into the answer to Run.
func RunProgram(cmd *exec.Cmd) *pulumirpc.RunResponse {
	cmdutil.RegisterProcessGroup(cmd)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == ExitCodeErrorReported {
				return &pulumirpc.RunResponse{Bail: true}
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with %s: %v", cmd.Path, err)}
	}
	return &pulumirpc.RunResponse{}
}

// InstallDependencies streams what install writes to the engine, between the
// lines upstream's hosts print, as `pulumi install` and `pulumi package add` show it.
func InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
	install func(ctx context.Context, stdout, stderr io.Writer) error,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	stdout, stderr = serialized(stdout, stderr)
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if err := install(server.Context(), stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// RunPlugin runs a plugin's process, streaming its stdout and stderr to the
// engine and then its exit code, as RunPlugin answers.
func RunPlugin(cmd *exec.Cmd, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	stdout, stderr = serialized(stdout, stderr)
	cmdutil.RegisterProcessGroup(cmd)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not run the plugin with %s: %w", cmd.Path, err)
		}
		code = exitErr.ExitCode()
	}
	if err := closer.Close(); err != nil {
		return err
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// serialized makes the two streams of one gRPC call safe to write from the
// two goroutines exec.Cmd copies a process's stdout and stderr with: a gRPC
// stream must not be sent on concurrently.
func serialized(stdout, stderr io.Writer) (io.Writer, io.Writer) {
	mu := &sync.Mutex{}
	return lockedWriter{mu, stdout}, lockedWriter{mu, stderr}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
