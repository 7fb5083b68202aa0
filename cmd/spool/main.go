// Command spool is the Spool broker and every Kafka-compatible tool in one
// binary; see `spool --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spoolhq/spool/internal/cli"
)

func main() {
	// Ctrl-C and SIGTERM cancel the context; tools then finish the way
	// Kafka's do from their shutdown hooks (flush, print totals, exit).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
