package api

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
	"golang.org/x/sys/unix"

	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/storage"
)

func (h *Handler) describeLogDirs(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeLogDirsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeLogDirsResponse)
	wanted := func(storage.TopicPartition) bool { return true }
	if req.Topics != nil { // null asks for every partition
		set := map[storage.TopicPartition]bool{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				set[storage.TopicPartition{Topic: t.Topic, Partition: p}] = true
			}
		}
		wanted = func(tp storage.TopicPartition) bool { return set[tp] }
	}
	for _, d := range h.Replicas.Dirs() {
		rd := kmsg.NewDescribeLogDirsResponseDir()
		rd.Dir, _ = filepath.Abs(d.Path())
		var fs unix.Statfs_t
		if err := unix.Statfs(d.Path(), &fs); err == nil {
			rd.TotalBytes = int64(fs.Blocks) * fs.Bsize
			rd.UsableBytes = int64(fs.Bavail) * fs.Bsize
		}
		byTopic := map[string]*kmsg.DescribeLogDirsResponseDirTopic{}
		var names []string
		for _, tp := range d.Partitions() {
			if !wanted(tp) {
				continue
			}
			log, ok := d.Get(tp)
			if !ok {
				continue
			}
			rt, ok := byTopic[tp.Topic]
			if !ok {
				t := kmsg.NewDescribeLogDirsResponseDirTopic()
				t.Topic = tp.Topic
				rt = &t
				byTopic[tp.Topic] = rt
				names = append(names, tp.Topic)
			}
			rp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
			rp.Partition, rp.Size = tp.Partition, log.Size()
			rt.Partitions = append(rt.Partitions, rp)
		}
		slices.Sort(names)
		for _, n := range names {
			rd.Topics = append(rd.Topics, *byTopic[n])
		}
		resp.Dirs = append(resp.Dirs, rd)
	}
	return respond(r, resp)
}
