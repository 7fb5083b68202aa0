package cli

import "github.com/spf13/cobra"

func newDumpLogCommand() *cobra.Command      { return &cobra.Command{Use: "dump-log"} }
func newProducerPerfCommand() *cobra.Command { return &cobra.Command{Use: "producer-perf-test"} }
func newConsumerPerfCommand() *cobra.Command { return &cobra.Command{Use: "consumer-perf-test"} }
