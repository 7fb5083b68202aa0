package cli

import (
	"math/rand/v2"
	"testing"
)

// TestConsumerGroupJSONRejectsDamagedRecords: a truncated or garbled
// record is an error that dump-log reports, never a panic or a long loop.
func TestConsumerGroupJSONRejectsDamagedRecords(t *testing.T) {
	key := []byte{0, 8, 0, 1, 'k', 0, 1, 'm'}
	// Version 0 of ConsumerGroupCurrentMemberAssignmentValue: epochs 3 and
	// 2, state 0, one topic with partitions [0 1], nothing pending.
	value := []byte{0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 2}
	value = append(value, make([]byte, 16)...)
	value = append(value, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0)
	k, v, ok, err := consumerGroupJSON(8, key, value)
	want := `{"version":"0","data":{"memberEpoch":3,"previousMemberEpoch":2,"state":0,` +
		`"assignedPartitions":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA","partitions":[0,1]}],"partitionsPendingRevocation":[]}}`
	if !ok || err != nil || string(k) != `{"groupId":"k","memberId":"m"}` || string(v) != want {
		t.Fatalf("decoded %s %s %v %v, want %s", k, v, ok, err, want)
	}
	for n := 2; n < len(value); n++ {
		if _, _, _, err := consumerGroupJSON(8, key, value[:n]); err == nil {
			t.Errorf("value cut to %d bytes decoded", n)
		}
	}
	if _, _, _, err := consumerGroupJSON(8, key[:5], value); err == nil {
		t.Error("cut key decoded")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		garbage := make([]byte, 2+rng.IntN(40))
		for i := range garbage {
			garbage[i] = byte(rng.Uint32())
		}
		for version := range int16(17) {
			consumerGroupJSON(version, key, garbage) // must return, whatever it says
		}
	}
	if _, _, ok, _ := consumerGroupJSON(2, key, value); ok {
		t.Error("key version 2 is not a consumer group record")
	}
}
