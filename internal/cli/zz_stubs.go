package cli

import "github.com/spf13/cobra"

func newDumpLogCommand() *cobra.Command { return &cobra.Command{Use: "dump-log"} }
