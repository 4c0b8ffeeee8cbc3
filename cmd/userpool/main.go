// Command userpool runs the Userpool server (serve, the default), applies migrations, manages
// admin access keys, and calls the management API as a CLI.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// env is what the commands read from the process: arguments aside, the environment and the
// output streams, so that tests and main share one entry point.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

func main() {
	e := env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(run(os.Args[1:], e))
}

// run executes one command and returns the exit code: 0 success, 1 failure, 2 usage error.
func run(args []string, e env) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, e)
	case "migrate":
		err = migrate(args, e)
	case "version":
		fmt.Fprintln(e.stdout, versionString())
	case "access-keys":
		err = accessKeys(args, e)
	case "bench":
		err = bench(args, e)
	case "help":
		usage(e.stdout)
	default:
		if subcommands(cmd) != nil || cmd == "api" {
			err = runAPI(cmd, args, e)
			break
		}
		fmt.Fprintf(e.stderr, "userpool: unknown command %q\n", cmd)
		usage(e.stderr)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(e.stderr, "userpool: "+oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintln(e.stderr, "userpool: "+oneLine(err.Error()))
		return 1
	}
}

// usageError is a mistake on the command line (exit code 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// oneLine keeps an error to the one line a failing command prints.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// versionString is the -ldflags version with the Go version and, when known, the module
// version or VCS revision the binary was built from.
func versionString() string {
	s := "userpool " + version + " (" + runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			s += ", module " + v
		}
		var rev, modified string
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				rev = st.Value
			case "vcs.modified":
				if st.Value == "true" {
					modified = "+modified"
				}
			}
		}
		if rev != "" {
			s += ", revision " + rev[:min(12, len(rev))] + modified
		}
	}
	return s + ")"
}
