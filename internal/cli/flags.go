package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// Flag registration helpers. arg describes an option's value in the option
// table the way Kafka's does ("String: topic" prints as "<String: topic>").
// A non-empty def is the default value, also shown in the table.

const (
	annotArg     = "kafka-arg"
	annotDefault = "kafka-default"
)

func annotate(fs *pflag.FlagSet, name, arg, def string) {
	f := fs.Lookup(name)
	f.Annotations = map[string][]string{annotArg: {arg}}
	if def != "" {
		f.Annotations[annotDefault] = []string{def}
	}
}

func addString(fs *pflag.FlagSet, p *string, name, arg, def, usage string) {
	fs.StringVar(p, name, def, usage)
	annotate(fs, name, arg, def)
}

// addStrings registers an option that may be repeated; every value is kept.
func addStrings(fs *pflag.FlagSet, p *[]string, name, arg, usage string) {
	fs.StringArrayVar(p, name, nil, usage)
	annotate(fs, name, arg, "")
}

// addOptional registers an option whose value may be left out, in which case
// it takes ifBare.
func addOptional(fs *pflag.FlagSet, p *string, name, arg, def, ifBare, usage string) {
	fs.StringVar(p, name, def, usage)
	annotate(fs, name, arg, def)
	fs.Lookup(name).NoOptDefVal = ifBare
}

func addBool(fs *pflag.FlagSet, p *bool, name, usage string) {
	fs.BoolVar(p, name, false, usage)
}

func addInt(fs *pflag.FlagSet, p *int, name, arg string, def int, showDef bool, usage string) {
	fs.IntVar(p, name, def, usage)
	annotate(fs, name, arg, defString(showDef, strconv.Itoa(def)))
}

func addInt64(fs *pflag.FlagSet, p *int64, name, arg string, def int64, showDef bool, usage string) {
	fs.Int64Var(p, name, def, usage)
	annotate(fs, name, arg, defString(showDef, strconv.FormatInt(def, 10)))
}

func addFloat(fs *pflag.FlagSet, p *float64, name, arg string, def float64, showDef bool, usage string) {
	fs.Float64Var(p, name, def, usage)
	annotate(fs, name, arg, defString(showDef, strconv.FormatFloat(def, 'f', -1, 64)))
}

func defString(show bool, s string) string {
	if show {
		return s
	}
	return ""
}

// Layout of the option table, as Kafka's (jopt-simple) help prints it.
const (
	tableWidth  = 80
	optionWidth = 39
	columnGap   = 2
	wrapIndent  = "  "
)

// writeOptionTable prints the options of fs sorted by name in two columns,
// "Option" and "Description".
func writeOptionTable(w io.Writer, fs *pflag.FlagSet) {
	descWidth := tableWidth - optionWidth - columnGap
	row := func(left, right []string) {
		for i := 0; i < max(len(left), len(right)); i++ {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			line := fmt.Sprintf("%-*s%s", optionWidth+columnGap, l, r)
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	row([]string{"Option"}, []string{"Description"})
	row([]string{"------"}, []string{"-----------"})
	fs.VisitAll(func(f *pflag.Flag) {
		row(wrap(optionSyntax(f), optionWidth), wrap(optionHelp(f), descWidth))
	})
}

func optionSyntax(f *pflag.Flag) string {
	s := "--" + f.Name
	arg := f.Annotations[annotArg]
	switch {
	case len(arg) == 0:
	case f.NoOptDefVal != "":
		s += " [" + arg[0] + "]"
	default:
		s += " <" + arg[0] + ">"
	}
	return s
}

func optionHelp(f *pflag.Flag) string {
	if def := f.Annotations[annotDefault]; len(def) > 0 {
		return f.Usage + " (default: " + def[0] + ")"
	}
	return f.Usage
}

// wrap breaks text into lines of at most width runes at spaces, keeping the
// text's own line breaks; lines after the first are indented.
func wrap(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		if len(lines) > 0 {
			line = wrapIndent
		}
		for _, word := range strings.Fields(para) {
			started := strings.TrimSpace(line) != ""
			if started && len(line)+1+len(word) > width {
				lines = append(lines, line)
				line, started = wrapIndent, false
			}
			if started {
				line += " "
			}
			line += word
		}
		lines = append(lines, line)
	}
	return lines
}
