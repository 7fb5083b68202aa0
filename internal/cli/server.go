package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
)

// newServerCommand is `spool server [server.properties] [--override k=v]...`,
// kafka-server-start.sh: it runs a node until SIGTERM or Ctrl-C, then shuts
// it down cleanly.
func newServerCommand() *cobra.Command {
	var (
		overrides []string
		logLevel  string
		logFormat string
	)
	cmd := &cobra.Command{
		Use:   "server [config/server.properties] [--override property=value]...",
		Short: "Run a Spool broker (kafka-server-start.sh)",
		Long: "Run a Spool node: broker and controller in one process. With no file it is a single-node\n" +
			"cluster on localhost:9092 keeping its data in ./data. The file uses Kafka's server.properties keys.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(cmd, logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg, err := loadServerConfig(args, overrides, logger)
			if err != nil {
				return err
			}
			b, err := broker.Start(cmd.Context(), cfg, logger)
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			logger.Info("shutting down")
			// A controlled shutdown first: the controller moves this
			// broker's leaderships away (bounded as Kafka's
			// controlled.shutdown wait is by the broker's patience).
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := b.Shutdown(ctx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			logger.Info("shut down cleanly")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&overrides, "override", nil, "Override a property of the configuration file: --override property=value (repeatable)")
	f.StringVar(&logLevel, "log-level", "info", "Log level: debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "Log format: text or json")
	return cmd
}

func newLogger(cmd *cobra.Command, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("invalid --log-level %q: use debug, info, warn or error", level), fs: cmd.Flags()}
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), opts)), nil
	}
	return nil, &usageError{msg: fmt.Sprintf("invalid --log-format %q: use text or json", format), fs: cmd.Flags()}
}

// loadServerConfig reads the properties file (if any), applies the
// overrides, and reports unknown keys as warnings.
func loadServerConfig(args, overrides []string, logger *slog.Logger) (*config.Broker, error) {
	props := map[string]string{}
	if len(args) == 1 {
		p, err := config.ReadProperties(args[0])
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("configuration file %s does not exist", args[0])
			}
			return nil, err
		}
		props = p
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("invalid --override %q: expected property=value", o)
		}
		props[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	cfg, warnings, err := config.Parse(props)
	for _, w := range warnings {
		logger.Warn(w)
	}
	if err != nil {
		return nil, err
	}
	return cfg, nil
}
