package coordinator

import "testing"

func TestPartitionForMatchesJava(t *testing.T) {
	// Printed by Java 17: s.hashCode() and Kafka's abs(hash) % 50.
	cases := []struct {
		id        string
		hash      int32
		partition int32
	}{
		{"", 0, 0},
		{"a", 97, 47},
		{"my-group", -1906497762, 12},
		{"console-consumer-12345", 158455506, 6},
		{"ß", 223, 23},
		{"😀", 1772899, 49}, // a surrogate pair in UTF-16
		{"polygenelubricants", -2147483648, 0},
	}
	for _, c := range cases {
		if got := javaStringHash(c.id); got != c.hash {
			t.Errorf("hash(%q) = %d, want %d", c.id, got, c.hash)
		}
		if got := PartitionFor(c.id, 50); got != c.partition {
			t.Errorf("partition(%q) = %d, want %d", c.id, got, c.partition)
		}
	}
}
