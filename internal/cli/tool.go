package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// toolFunc runs a tool once its flags are parsed.
type toolFunc func(ctx context.Context, t *toolEnv) error

// toolSpec describes one Kafka tool. Tools parse their own flags instead of
// letting cobra do it, because Kafka's option syntax has shapes cobra does
// not: options with an optional value (`--compression-codec [codec]`), options
// taking several values (`--producer-props a=1 b=2`), and Kafka's own
// messages for bad options.
type toolSpec struct {
	name  string // subcommand name
	short string // one line for `spool --help`
	// about is the sentence Kafka prints above the option table on --help
	// or when the tool runs without arguments.
	about string
	// multiValue names options that take every following non-option
	// argument as another value, as argparse's nargs='+' does.
	multiValue []string
	// setup registers the tool's flags and returns the function that runs
	// the tool with them.
	setup func(fs *pflag.FlagSet) toolFunc
}

// toolEnv is what a running tool sees of the world.
type toolEnv struct {
	args   []string // as given, for messages that quote the command line
	fs     *pflag.FlagSet
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageErr reports a command-line mistake: the message, then the option
// table, on stderr, and exit status 1, as Kafka's printUsageAndExit does.
func (t *toolEnv) usageErr(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), fs: t.fs}
}

// changed reports whether the option was given on the command line.
func (t *toolEnv) changed(name string) bool { return t.fs.Changed(name) }

func (s toolSpec) command() *cobra.Command {
	cmd := &cobra.Command{
		Use:                s.name + " [options]",
		Short:              s.short,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.execute(cmd, args)
		},
	}
	// `spool help <tool>` shows what `spool <tool> --help` shows.
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fs, _, _, _ := s.flagSet()
		s.printHelp(c.OutOrStdout(), fs)
	})
	return cmd
}

// flagSet builds the tool's options, plus --help and --version.
func (s toolSpec) flagSet() (fs *pflag.FlagSet, run toolFunc, help, version *bool) {
	fs = pflag.NewFlagSet(s.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = true
	run = s.setup(fs)
	help = fs.Bool("help", false, "Print usage information.")
	version = fs.Bool("version", false, "Display Kafka version.")
	return fs, run, help, version
}

func (s toolSpec) printHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, s.about)
	writeOptionTable(w, fs)
}

func (s toolSpec) execute(cmd *cobra.Command, args []string) error {
	fs, run, help, version := s.flagSet()

	env := &toolEnv{args: args, fs: fs, stdin: cmd.InOrStdin(), stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr()}
	if len(args) == 0 {
		return &usageError{msg: s.about, fs: fs}
	}
	err := fs.Parse(s.normalize(fs, args))
	switch {
	case errors.Is(err, pflag.ErrHelp) || err == nil && *help: // ErrHelp: -h, which Kafka lacks
		s.printHelp(env.stdout, fs)
		return nil
	case err != nil:
		return flagError(fs, err)
	case *version:
		fmt.Fprintln(env.stdout, spoolVersion())
		return nil
	case fs.NArg() > 0:
		return env.usageErr("Found non-option argument(s): %s", strings.Join(fs.Args(), " "))
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return run(ctx, env)
}

// normalize rewrites Kafka's option shapes into ones pflag parses:
// `--opt value` for an option whose value is optional becomes `--opt=value`,
// and `--multi a b` becomes `--multi=a --multi=b`.
func (s toolSpec) normalize(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name, hasValue := strings.CutPrefix(a, "--")
		if !hasValue || strings.Contains(name, "=") {
			out = append(out, a)
			continue
		}
		f := fs.Lookup(name)
		switch {
		case f != nil && contains(s.multiValue, name):
			n := 0
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				n++
				out = append(out, "--"+name+"="+args[i])
			}
			if n == 0 {
				out = append(out, a) // let pflag report the missing value
			}
		case f != nil && f.NoOptDefVal != "" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-"):
			i++
			out = append(out, a+"="+args[i])
		default:
			out = append(out, a)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// usageError is a command-line mistake; printing it shows the option table
// unless the message alone says everything.
type usageError struct {
	msg     string
	fs      *pflag.FlagSet
	noTable bool
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) print(w io.Writer) {
	fmt.Fprintln(w, e.msg)
	if !e.noTable && e.fs != nil {
		writeOptionTable(w, e.fs)
	}
}

// flagError words pflag's parse errors the way Kafka's option parser does,
// and answers options Kafka itself has removed with what to use instead.
func flagError(fs *pflag.FlagSet, err error) error {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		if msg := removedOption(name); msg != "" {
			return &usageError{msg: msg, noTable: true}
		}
		if notExist.GetSpecifiedShortnames() != "" {
			name = "-" + notExist.GetSpecifiedShortnames()
		}
		return &usageError{msg: name + " is not a recognized option", fs: fs}
	case errors.As(err, &needsValue):
		return &usageError{msg: fmt.Sprintf("Option %s requires an argument", needsValue.GetSpecifiedName()), fs: fs}
	case errors.As(err, &invalid):
		return &usageError{msg: fmt.Sprintf("Cannot parse argument '%s' of option %s", invalid.GetValue(), invalid.GetFlag().Name), fs: fs}
	}
	return &usageError{msg: err.Error(), fs: fs}
}

// removedOption explains options of older Kafka tools that point at
// ZooKeeper or at the pre-bootstrap-server way of finding brokers.
func removedOption(name string) string {
	switch name {
	case "zookeeper":
		return "The --zookeeper option is not supported: Spool keeps its metadata in its own Raft quorum, " +
			"not in ZooKeeper (as Kafka does since 4.0). Use --bootstrap-server <host:port> to connect to a broker instead."
	case "broker-list":
		return "The --broker-list option was removed in Kafka 4.0; use --bootstrap-server <host:port> instead."
	}
	return ""
}

// spoolVersion is what --version prints: the module version the binary was
// built from, or "dev" for a build from a work tree.
func spoolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
