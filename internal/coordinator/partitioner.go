package coordinator

import "unicode/utf16"

// PartitionFor is the partition of a group or transactional id, computed
// as Kafka does: abs(id.hashCode()) % partitions, with Java's String
// hashCode over UTF-16 code units and Kafka's abs (MinInt32 maps to 0). It
// must agree with Kafka so that tools reading the internal topics find a
// group where Kafka would put it.
func PartitionFor(id string, partitions int32) int32 {
	h := javaStringHash(id)
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}

func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r < 0x10000 {
			h = 31*h + int32(r)
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		h = 31*h + int32(hi)
		h = 31*h + int32(lo)
	}
	return h
}
