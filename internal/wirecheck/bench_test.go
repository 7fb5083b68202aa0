package wirecheck

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// typicalProduce is what a producer sends most: one partition of one topic
// with a 16 KiB batch, at v11 (librdkafka, Java 3.x) and v13 (topic ids).
func typicalProduce(version int16) []byte {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(version)
	req.Acks, req.TimeoutMillis = -1, 30000
	topic := kmsg.NewProduceRequestTopic()
	topic.Topic, topic.TopicID = "orders", [16]byte{1}
	part := kmsg.NewProduceRequestTopicPartition()
	part.Records = make([]byte, 16<<10)
	topic.Partitions = append(topic.Partitions, part)
	req.Topics = append(req.Topics, topic)
	return req.AppendTo(nil)
}

// typicalFetch is a consumer's fetch of six partitions of one topic in an
// incremental session, at v11 (non-flexible) and v16 (topic ids, tags).
func typicalFetch(version int16) []byte {
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(version)
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 500, 1, 50<<20
	req.SessionID, req.SessionEpoch = 7, 3
	req.Rack = "eu-west-1a"
	topic := kmsg.NewFetchRequestTopic()
	topic.Topic, topic.TopicID = "orders", [16]byte{1}
	for p := range int32(6) {
		part := kmsg.NewFetchRequestTopicPartition()
		part.Partition, part.FetchOffset, part.PartitionMaxBytes = p, 1<<20, 1<<20
		topic.Partitions = append(topic.Partitions, part)
	}
	req.Topics = append(req.Topics, topic)
	return req.AppendTo(nil)
}

var typical = []struct {
	name         string
	key, version int16
	body         []byte
}{
	{"Produce/v11", 0, 11, typicalProduce(11)},
	{"Produce/v13", 0, 13, typicalProduce(13)},
	{"Fetch/v11", 1, 11, typicalFetch(11)},
	{"Fetch/v16", 1, 16, typicalFetch(16)},
}

func BenchmarkRequest(b *testing.B) {
	for _, tc := range typical {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Request(tc.key, tc.version, tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKmsgDecode is the decode the check comes before, for scale.
func BenchmarkKmsgDecode(b *testing.B) {
	for _, tc := range typical {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err, _ := kmsgDecode(tc.key, tc.version, tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The check runs on every request, so it must not allocate.
func TestRequestDoesNotAllocate(t *testing.T) {
	for _, tc := range typical {
		allocs := testing.AllocsPerRun(100, func() {
			if err := Request(tc.key, tc.version, tc.body); err != nil {
				panic(fmt.Sprintf("%s: %v", tc.name, err))
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per check", tc.name, allocs)
		}
	}
}
