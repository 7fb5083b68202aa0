package storage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Kafka's checkpoint files in a log directory.
const (
	RecoveryPointCheckpointFile = "recovery-point-offset-checkpoint"
	ReplicationCheckpointFile   = "replication-offset-checkpoint"
	LogStartCheckpointFile      = "log-start-offset-checkpoint"
)

// checkpointVersion is the only version of Kafka's checkpoint files.
const checkpointVersion = 0

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return tp.Topic + "-" + strconv.Itoa(int(tp.Partition)) }

// ReadOffsetCheckpoint reads one of Kafka's offset checkpoint files: a
// version line "0", a count line, then "topic partition offset" lines. A
// missing file reads as empty.
func ReadOffsetCheckpoint(path string) (map[TopicPartition]int64, error) {
	lines, err := readCheckpointLines(path)
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]int64, len(lines))
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		off, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		out[TopicPartition{Topic: f[0], Partition: int32(p)}] = off
	}
	return out, nil
}

// WriteOffsetCheckpoint replaces an offset checkpoint file durably. Lines
// are sorted so that the file is deterministic.
func WriteOffsetCheckpoint(path string, offsets map[TopicPartition]int64) error {
	tps := make([]TopicPartition, 0, len(offsets))
	for tp := range offsets {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	lines := make([]string, len(tps))
	for i, tp := range tps {
		lines[i] = fmt.Sprintf("%s %d %d", tp.Topic, tp.Partition, offsets[tp])
	}
	if err := writeCheckpointLines(path, lines); err != nil {
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	return nil
}

// readCheckpointLines returns the entry lines of a checkpoint file after
// checking its version and count lines.
func readCheckpointLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var head []string
	for len(head) < 2 && sc.Scan() {
		head = append(head, sc.Text())
	}
	if len(head) == 0 {
		return nil, nil
	}
	if v, err := strconv.Atoi(head[0]); err != nil || v != checkpointVersion {
		return nil, fmt.Errorf("read checkpoint %s: unknown version line %q", path, head[0])
	}
	if len(head) < 2 {
		return nil, nil
	}
	count, err := strconv.Atoi(head[1])
	if err != nil || count < 0 {
		return nil, fmt.Errorf("read checkpoint %s: malformed count line %q", path, head[1])
	}
	lines := make([]string, 0, min(count, 1<<16))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	if len(lines) != count {
		return nil, fmt.Errorf("read checkpoint %s: expected %d entries, found %d", path, count, len(lines))
	}
	return lines, nil
}

func writeCheckpointLines(path string, lines []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(lines))
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return writeFileDurably(path, b.Bytes())
}
