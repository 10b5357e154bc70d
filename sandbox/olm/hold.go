package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// runHold runs a command while holding --addr (e.g. 127.0.0.1:8080) open.
//
// Upstream's olm and catalog operators serve health and metrics on ":8080",
// every interface, with no flag to change it; a failed bind is only logged.
// Linux refuses a wildcard bind of a port that a loopback socket already
// listens on, so holding 127.0.0.1:8080 keeps them off the machine's other
// interfaces. When the port is held already (another sandbox's operator
// wrapper), the operator fails its bind just the same.
func runHold(args []string) int {
	flags := flag.NewFlagSet("hold", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:8080", "loopback address to hold while the command runs")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	cmdline := flags.Args()
	if len(cmdline) == 0 {
		fmt.Fprintln(os.Stderr, "acp-olm hold: usage: acp-olm hold [--addr 127.0.0.1:8080] -- COMMAND [ARGS]")
		return 2
	}
	if l, err := net.Listen("tcp", *addr); err == nil {
		defer l.Close()
		fmt.Fprintf(os.Stderr, "acp-olm hold: holding %s so the command cannot bind it on every interface\n", *addr)
	} else if errors.Is(err, syscall.EADDRINUSE) {
		fmt.Fprintf(os.Stderr, "acp-olm hold: %s is held already (another sandbox)\n", *addr)
	} else {
		fmt.Fprintf(os.Stderr, "acp-olm hold: %v\n", err)
		return 1
	}
	cmd := exec.Command(cmdline[0], cmdline[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "acp-olm hold: %v\n", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "acp-olm hold: %v\n", err)
		return 1
	}
	return 0
}
