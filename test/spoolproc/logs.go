package spoolproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spoolhq/spool/internal/record"
)

// Batch is one record batch as a replica holds it on disk.
type Batch struct {
	BaseOffset, LastOffset int64
	LeaderEpoch            int32
	CRC                    uint32
}

func (b Batch) String() string {
	return fmt.Sprintf("[%d..%d epoch %d crc %08x]", b.BaseOffset, b.LastOffset, b.LeaderEpoch, b.CRC)
}

// Batches reads the node's replica of topic-partition from its segment
// files, in offset order, up to the first incomplete batch (a write in
// progress). It may run while the node runs.
func (n *Node) Batches(topic string, partition int32) ([]Batch, error) {
	dir := filepath.Join(n.DataDir(), fmt.Sprintf("%s-%d", topic, partition))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []string
	for _, e := range entries {
		// 20-digit base offset + ".log"; retired segments have other suffixes.
		if name := e.Name(); len(name) == 24 && strings.HasSuffix(name, ".log") {
			segs = append(segs, name)
		}
	}
	slices.Sort(segs)
	var out []Batch
	for _, s := range segs {
		data, err := os.ReadFile(filepath.Join(dir, s))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // retired meanwhile
			}
			return nil, err
		}
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil {
				break // the end of what is written
			}
			out = append(out, Batch{BaseOffset: b.BaseOffset(), LastOffset: b.LastOffset(),
				LeaderEpoch: b.PartitionLeaderEpoch(), CRC: b.CRC()})
			data = rest
		}
	}
	return out, nil
}

// Diverge compares the replicas of topic-partition on nodes and describes
// the first difference, or returns "" when they hold the same batches.
func Diverge(topic string, partition int32, nodes []*Node) (string, error) {
	var first []Batch
	for i, n := range nodes {
		bs, err := n.Batches(topic, partition)
		if err != nil {
			return "", fmt.Errorf("node %d: %w", n.ID, err)
		}
		if i == 0 {
			first = bs
			continue
		}
		if d := compare(first, bs); d != "" {
			return fmt.Sprintf("%s-%d: node %d and node %d: %s", topic, partition, nodes[0].ID, n.ID, d), nil
		}
	}
	return "", nil
}

func compare(a, b []Batch) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("batch %d differs: %v and %v", i, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("%d and %d batches (ends %v and %v)", len(a), len(b), last(a), last(b))
	}
	return ""
}

func last(bs []Batch) any {
	if len(bs) == 0 {
		return "none"
	}
	return bs[len(bs)-1]
}
