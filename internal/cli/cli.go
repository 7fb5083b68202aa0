// Package cli is the spool command line: the broker (`spool server`) and
// the Kafka tools (`spool topics`, `spool console-producer`, ...) that take
// the same flags and print the same output as Apache Kafka's kafka-*.sh
// scripts, so that a Kafka user's commands and scripts run unchanged.
//
// Every tool talks to the cluster through franz-go (kgo, kadm, kmsg), the
// same way an ordinary client would; nothing here reaches into the broker.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Option changes how Run builds the command tree.
type Option func(*runConfig)

type runConfig struct {
	extra []*cobra.Command
}

// WithCommands adds commands to the root `spool` command. A command named
// like a built-in one replaces it: this is how the broker's `server` command
// plugs in, e.g.
//
//	cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, cli.WithCommands(newServerCmd()))
//
// A command added this way should write through cmd.OutOrStdout() and
// cmd.ErrOrStderr() and honour cmd.Context(), which Run wires to its own
// arguments.
func WithCommands(cmds ...*cobra.Command) Option {
	return func(c *runConfig) { c.extra = append(c.extra, cmds...) }
}

// Run executes the spool command line args (without the program name) and
// returns the process exit code. Cancelling ctx (Ctrl-C, SIGTERM) stops a
// running tool, which then reports what it did so far, as Kafka's tools do
// from their shutdown hooks.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, opts ...Option) int {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	root := newRootCommand(cfg.extra...)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return exitStatus(err, stderr)
}

// exitStatus turns the error a command returned into an exit code, printing
// whatever has not been printed yet.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	var uerr *usageError
	if errors.As(err, &uerr) {
		uerr.print(stderr)
		return 1
	}
	fmt.Fprintf(stderr, "Error: %v\n", err)
	return 1
}

// exitCode is returned by a tool that has already reported its outcome the
// way the Kafka tool does and only needs the process to exit with it.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// newRootCommand builds the whole command tree; a fresh tree per Run keeps
// flag values from leaking between runs (tests run many in one process).
func newRootCommand(extra ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "spool",
		Short: "Spool: an event streaming platform that speaks the Apache Kafka protocol",
		Long: "Spool is a Kafka-compatible broker and its tools in one binary.\n\n" +
			"`spool server` runs a broker; the other commands take the same flags as\n" +
			"Apache Kafka's kafka-*.sh scripts (bin/ holds wrappers with those names).",
		SilenceErrors: true,
		SilenceUsage:  true,
		// No `spool completion`: the tools mirror Kafka's scripts, which have none.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	builtin := []*cobra.Command{
		newServerCommand(),
		newTopicsCommand(),
		newConsoleProducerCommand(),
		newConsoleConsumerCommand(),
		newConfigsCommand(),
		newGetOffsetsCommand(),
		newDeleteRecordsCommand(),
		newDumpLogCommand(),
		newProducerPerfCommand(),
		newConsumerPerfCommand(),
		newBrokerAPIVersionsCommand(),
		newConsumerGroupsCommand(),
		newStorageCommand(),
		newMetadataQuorumCommand(),
		newLeaderElectionCommand(),
		newReassignPartitionsCommand(),
	}
	replaced := make(map[string]bool, len(extra))
	for _, c := range extra {
		replaced[c.Name()] = true
	}
	for _, c := range builtin {
		if !replaced[c.Name()] {
			root.AddCommand(c)
		}
	}
	root.AddCommand(extra...)
	return root
}
