package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newServerCommand is the placeholder for `spool server`, which runs the
// broker. The broker's command replaces it, either by rewriting this
// function or by passing its own command to Run with WithCommands; until
// then `spool server` (and bin/kafka-server-start.sh) says so and fails.
func newServerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "server [config/server.properties]",
		Short: "Run a Spool broker (kafka-server-start.sh)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.ErrOrStderr(), "spool server: the broker is not wired into this build yet")
			return exitCode(1)
		},
	}
}
