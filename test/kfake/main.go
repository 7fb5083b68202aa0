// Command kfake runs franz-go's in-memory fake Kafka broker (pkg/kfake) on one
// port until SIGINT or SIGTERM. It is the reference point for side-by-side
// performance comparisons with Spool, and a stand-in broker while the interop
// suite in test/interop is developed:
//
//	go run ./test/kfake -port 9092 -seed-topics bench:6
//	INTEROP_BOOTSTRAP=127.0.0.1:9092 make interop
//
// Records live in memory only; they are gone when the process exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("kfake", flag.ContinueOnError)
	port := fs.Int("port", 9092, "port to listen on (127.0.0.1)")
	partitions := fs.Int("partitions", 1, "partitions of auto-created topics and of CreateTopics with -1 partitions")
	seeds := fs.String("seed-topics", "", "topics to create at start, as name[:partitions],... (partitions default to -partitions)")
	autoCreate := fs.Bool("auto-create", true, "create unknown topics on Metadata requests (Kafka's auto.create.topics.enable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	opts := []kfake.Opt{
		kfake.Ports(*port),
		kfake.DefaultNumPartitions(*partitions),
	}
	if *autoCreate {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	topics, err := parseSeeds(*seeds)
	if err != nil {
		return err
	}
	for _, t := range topics {
		opts = append(opts, kfake.SeedTopics(t.partitions, t.name))
	}

	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(os.Stderr, "kfake: listening on %s\n", strings.Join(c.ListenAddrs(), ","))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "kfake: shutting down")
	return nil
}

type seedTopic struct {
	name       string
	partitions int32 // non-positive means the cluster default
}

// parseSeeds parses "a,b:3" into topics; a topic without a count gets -1,
// which kfake.SeedTopics reads as the default partition count.
func parseSeeds(s string) ([]seedTopic, error) {
	var topics []seedTopic
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, count, hasCount := strings.Cut(item, ":")
		t := seedTopic{name: name, partitions: -1}
		if hasCount {
			n, err := strconv.ParseInt(count, 10, 32)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("seed topic %q: partitions must be a positive number", item)
			}
			t.partitions = int32(n)
		}
		if t.name == "" {
			return nil, fmt.Errorf("seed topic %q: empty name", item)
		}
		topics = append(topics, t)
	}
	return topics, nil
}
