package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// deleteRecordsOptions are kafka-delete-records.sh's options.
type deleteRecordsOptions struct {
	bootstrap, offsetJSONFile, commandConfig string
}

func newDeleteRecordsCommand() *cobra.Command {
	return toolSpec{
		name:  "delete-records",
		short: "Delete records below given offsets (kafka-delete-records.sh)",
		about: "This tool helps to delete records of the given partitions down to the specified offset.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &deleteRecordsOptions{}
			addString(fs, &o.bootstrap, "bootstrap-server", "String: server(s) to use for bootstrapping", "", "REQUIRED: The server to connect to.")
			addString(fs, &o.offsetJSONFile, "offset-json-file", "String: Offset json file path", "",
				"REQUIRED: The JSON file with offset per partition. The format to use is:\n{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n \"version\":1\n}")
			addString(fs, &o.commandConfig, "command-config", "String: command config property file path", "", "A property file containing configs to be passed to Admin Client.")
			return o.run
		},
	}.command()
}

// recordsToDelete is one entry of the offset JSON file.
type recordsToDelete struct {
	topic     string
	partition int32
	offset    int64
}

func (o *deleteRecordsOptions) run(ctx context.Context, t *toolEnv) error {
	for _, name := range []string{"bootstrap-server", "offset-json-file"} {
		if !t.changed(name) {
			return t.usageErr(`Missing required argument "[%s]"`, name)
		}
	}
	data, err := os.ReadFile(o.offsetJSONFile)
	if err != nil {
		return plainErr(t, err.Error())
	}
	entries, err := parseOffsetJSON(data)
	if err != nil {
		return plainErr(t, err.Error())
	}
	adm, err := connectAdmin(o.bootstrap, o.commandConfig, t.stderr)
	if err != nil {
		return plainErr(t, err.Error())
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()

	fmt.Fprintln(t.stdout, "Executing records delete operation")
	results := deleteRecords(ctx, adm, entries)
	fmt.Fprintln(t.stdout, "Records delete operation completed:")
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(t.stdout, "partition: %s-%d\terror: %s\n", r.topic, r.partition, exceptionString(r.err))
		} else {
			fmt.Fprintf(t.stdout, "partition: %s-%d\tlow_watermark: %d\n", r.topic, r.partition, r.lowWatermark)
		}
	}
	return nil
}

// parseOffsetJSON reads {"partitions": [{"topic", "partition", "offset"}],
// "version": 1}; a partition may appear only once.
func parseOffsetJSON(data []byte) ([]recordsToDelete, error) {
	var doc struct {
		Version    *int `json:"version"`
		Partitions *[]struct {
			Topic     *string `json:"topic"`
			Partition *int32  `json:"partition"`
			Offset    *int64  `json:"offset"`
		} `json:"partitions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, errors.New("The input string is not a valid JSON")
	}
	if doc.Version != nil && *doc.Version != 1 {
		return nil, fmt.Errorf("Not supported version field value %d", *doc.Version)
	}
	if doc.Partitions == nil {
		return nil, errors.New("Missing partitions field")
	}
	var out []recordsToDelete
	seen := map[string]int{}
	for _, p := range *doc.Partitions {
		switch {
		case p.Topic == nil:
			return nil, errors.New("No such field exists: `topic`")
		case p.Partition == nil:
			return nil, errors.New("No such field exists: `partition`")
		case p.Offset == nil:
			return nil, errors.New("No such field exists: `offset`")
		}
		seen[fmt.Sprintf("%s-%d", *p.Topic, *p.Partition)]++
		out = append(out, recordsToDelete{topic: *p.Topic, partition: *p.Partition, offset: *p.Offset})
	}
	var dups []string
	for tp, n := range seen {
		if n > 1 {
			dups = append(dups, tp)
		}
	}
	if len(dups) > 0 {
		sort.Strings(dups)
		return nil, fmt.Errorf("Offset json file contains duplicate topic partitions: %s", strings.Join(dups, ","))
	}
	return out, nil
}

// deleteResult is one partition's outcome.
type deleteResult struct {
	topic        string
	partition    int32
	lowWatermark int64
	err          error
}

// deleteRecords sends DeleteRecords to each partition's leader and returns
// every partition's outcome sorted by topic and partition.
func deleteRecords(ctx context.Context, adm *adminClient, entries []recordsToDelete) []deleteResult {
	req := kmsg.NewPtrDeleteRecordsRequest()
	req.TimeoutMillis = adm.timeoutMillis()
	byTopic := map[string]int{}
	for _, e := range entries {
		i, ok := byTopic[e.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[e.topic] = i
			rt := kmsg.NewDeleteRecordsRequestTopic()
			rt.Topic = e.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewDeleteRecordsRequestTopicPartition()
		rp.Partition, rp.Offset = e.partition, e.offset
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	var out []deleteResult
	for _, shard := range adm.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			for _, rt := range shard.Req.(*kmsg.DeleteRecordsRequest).Topics {
				for _, rp := range rt.Partitions {
					out = append(out, deleteResult{topic: rt.Topic, partition: rp.Partition, err: shard.Err})
				}
			}
			continue
		}
		for _, rt := range shard.Resp.(*kmsg.DeleteRecordsResponse).Topics {
			for _, rp := range rt.Partitions {
				out = append(out, deleteResult{topic: rt.Topic, partition: rp.Partition, lowWatermark: rp.LowWatermark, err: codeErr(rp.ErrorCode, nil)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].topic < out[j].topic || out[i].topic == out[j].topic && out[i].partition < out[j].partition
	})
	return out
}
