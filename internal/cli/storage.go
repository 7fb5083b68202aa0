package cli

import (
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/storage"
)

// newStorageCommand is kafka-storage.sh: random-uuid, format and info.
func newStorageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage",
		Short: "Format and describe a node's directories (kafka-storage.sh)",
		Long: "The Kafka storage tool. A node of a cluster with several controllers, or a broker-only or\n" +
			"controller-only node, must be formatted with the cluster's id before it starts.",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "random-uuid",
		Short: "Print a random UUID, for a new cluster id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), metadata.NewUUID().String())
			return nil
		},
	})
	cmd.AddCommand(newStorageFormatCommand(), newStorageInfoCommand())
	return cmd
}

func newStorageFormatCommand() *cobra.Command {
	var configFile, clusterID string
	var ignoreFormatted bool
	cmd := &cobra.Command{
		Use:   "format --config server.properties --cluster-id ID",
		Short: "Format the node's log directories for a cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServerConfig([]string{configFile}, nil, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			if err := broker.Format(broker.Dirs(cfg), clusterID, cfg.NodeID, ignoreFormatted, time.Now()); err != nil {
				return err
			}
			for _, d := range broker.Dirs(cfg) {
				fmt.Fprintf(cmd.OutOrStdout(), "Formatting data directory %s with metadata.version 4.0-IV3.\n", d)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configFile, "config", "c", "", "The Kafka configuration file to use.")
	f.StringVarP(&clusterID, "cluster-id", "t", "", "The cluster ID to use.")
	f.BoolVarP(&ignoreFormatted, "ignore-formatted", "g", false, "When this option is passed, the format command will skip over already formatted directories rather than failing.")
	cmd.MarkFlagRequired("config")
	cmd.MarkFlagRequired("cluster-id")
	return cmd
}

func newStorageInfoCommand() *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "info --config server.properties",
		Short: "Describe the node's log directories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServerConfig([]string{configFile}, nil, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var found, missing []string
			var meta []storage.MetaProperties
			for _, d := range broker.Dirs(cfg) {
				if _, err := os.Stat(d); err != nil {
					missing = append(missing, d)
					continue
				}
				found = append(found, d)
				if m, err := storage.ReadMetaProperties(d); err == nil {
					meta = append(meta, m)
				}
			}
			sort.Strings(found)
			if len(found) > 0 {
				fmt.Fprintln(out, "Found log directories:")
				for _, d := range found {
					fmt.Fprintf(out, "  %s\n", d)
				}
				fmt.Fprintln(out)
			}
			if len(meta) > 0 {
				m := meta[0]
				fmt.Fprintf(out, "Found metadata: {cluster.id=%s, directory.id=%s, node.id=%d, version=%d}\n\n",
					m.ClusterID, m.DirectoryID, m.NodeID, m.Version)
			}
			if len(missing) > 0 || len(meta) < len(found) {
				fmt.Fprintf(out, "Found problem:\n")
				for _, d := range missing {
					fmt.Fprintf(out, "  %s does not exist\n", d)
				}
				if len(meta) < len(found) {
					fmt.Fprintf(out, "  %d log directories are not formatted\n", len(found)-len(meta))
				}
				fmt.Fprintln(out)
				return exitCode(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "c", "", "The Kafka configuration file to use.")
	cmd.MarkFlagRequired("config")
	return cmd
}
