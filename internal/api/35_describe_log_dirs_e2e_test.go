package api_test

import (
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// describeLogDirs asks for topics (nil: every partition) and returns the
// sizes found per topic and partition, with the single log dir's answer.
func (tb *testBroker) describeLogDirs(v int16, topics map[string][]int32, null bool) (kmsg.DescribeLogDirsResponseDir, map[string]map[int32]int64) {
	tb.t.Helper()
	req := kmsg.NewPtrDescribeLogDirsRequest()
	req.Version = v
	if !null {
		req.Topics = []kmsg.DescribeLogDirsRequestTopic{}
		for name, parts := range topics {
			rt := kmsg.NewDescribeLogDirsRequestTopic()
			rt.Topic, rt.Partitions = name, parts
			req.Topics = append(req.Topics, rt)
		}
	}
	resp := tb.request(req).(*kmsg.DescribeLogDirsResponse)
	if resp.ErrorCode != 0 || len(resp.Dirs) != 1 {
		tb.t.Fatalf("describe log dirs v%d: %s with %d dirs", v, errName(resp.ErrorCode), len(resp.Dirs))
	}
	sizes := map[string]map[int32]int64{}
	for _, rt := range resp.Dirs[0].Topics {
		if sizes[rt.Topic] != nil {
			tb.t.Errorf("v%d: topic %s listed twice", v, rt.Topic)
		}
		sizes[rt.Topic] = map[int32]int64{}
		for _, rp := range rt.Partitions {
			sizes[rt.Topic][rp.Partition] = rp.Size
			if rp.OffsetLag != 0 || rp.IsFuture {
				tb.t.Errorf("v%d %s[%d]: offset lag %d future %t", v, rt.Topic, rp.Partition, rp.OffsetLag, rp.IsFuture)
			}
		}
	}
	return resp.Dirs[0], sizes
}

func TestDescribeLogDirsEveryVersion(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, map[string]string{"log.dirs": dir})
	tb.topic("ld", 2)
	tb.topic("other", 1)
	written := int64(0)
	for v := int16(1); v <= 4; v++ {
		b := batch(t, now(), 10)
		tb.mustProduce("ld", 1, b)
		written += int64(len(b))

		d, all := tb.describeLogDirs(v, nil, true)
		if want, _ := filepath.Abs(dir); d.Dir != want || d.ErrorCode != 0 {
			t.Errorf("v%d: dir %q error %s, want %q", v, d.Dir, errName(d.ErrorCode), want)
		}
		if all["ld"][0] != 0 || all["ld"][1] != written || len(all["ld"]) != 2 || len(all["other"]) != 1 {
			t.Errorf("v%d all partitions: %v; want ld[1] of %d bytes, ld[0] and other[0] empty", v, all, written)
		}
		if v >= 4 {
			if d.TotalBytes <= 0 || d.UsableBytes <= 0 || d.UsableBytes > d.TotalBytes {
				t.Errorf("v%d: total %d usable %d bytes", v, d.TotalBytes, d.UsableBytes)
			}
		} else if d.TotalBytes != -1 || d.UsableBytes != -1 {
			t.Errorf("v%d: total %d usable %d bytes on the wire", v, d.TotalBytes, d.UsableBytes)
		}

		_, some := tb.describeLogDirs(v, map[string][]int32{"ld": {1, 5}, "missing": {0}}, false)
		if len(some) != 1 || len(some["ld"]) != 1 || some["ld"][1] != written {
			t.Errorf("v%d ld[1] only: %v", v, some)
		}
		if _, none := tb.describeLogDirs(v, nil, false); len(none) != 0 {
			t.Errorf("v%d empty topic list: %v", v, none)
		}
	}
}
