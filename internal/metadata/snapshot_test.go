package metadata

import (
	"bytes"
	"errors"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	for _, img := range []*Image{NewImage(""), richImage(t)} {
		got, err := DecodeSnapshot(bytes.NewReader(encodeImage(t, img)))
		if err != nil {
			t.Fatal(err)
		}
		sameImage(t, got, img)
		if got.Offset() != img.Offset() || got.Epoch() != img.Epoch() || got.ClusterID() != img.ClusterID() {
			t.Fatalf("position %d/%d/%q, want %d/%d/%q", got.Offset(), got.Epoch(), got.ClusterID(),
				img.Offset(), img.Epoch(), img.ClusterID())
		}
	}
}

func TestSnapshotCorrupt(t *testing.T) {
	b := encodeImage(t, richImage(t))
	for n := range len(b) {
		var ce *CorruptError
		if _, err := DecodeSnapshot(bytes.NewReader(b[:n])); !errors.As(err, &ce) {
			t.Fatalf("first %d bytes: err = %v, want *CorruptError", n, err)
		}
	}
	bad := bytes.Clone(b)
	bad[0] = 'X'
	if _, err := DecodeSnapshot(bytes.NewReader(bad)); err == nil {
		t.Fatal("bad magic accepted")
	}
}
