package metadata

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
)

// A snapshot is a header followed by one batch of records that rebuilds the
// image from empty, the way Kafka's metadata snapshots are records too: one
// codec and one replay path serve the log and the snapshots.

var snapshotMagic = []byte("SPMS")

const snapshotVersion = 1

// EncodeSnapshot writes img to w.
func EncodeSnapshot(w io.Writer, img *Image) error {
	e := encoder{buf: slices.Clone(snapshotMagic)}
	e.int8(snapshotVersion)
	e.string(img.clusterID)
	e.varint(img.offset)
	e.varint(int64(img.epoch))
	buf, err := AppendBatch(e.buf, img.records())
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// DecodeSnapshot reads an image written by EncodeSnapshot.
func DecodeSnapshot(r io.Reader) (*Image, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	d := decoder{b: b}
	if !bytes.Equal(d.bytes(len(snapshotMagic)), snapshotMagic) && d.err == nil {
		d.off = 0
		d.fail("not a metadata snapshot")
	}
	if v := d.int8(); d.err == nil && v != snapshotVersion {
		d.fail("unknown snapshot version %d", v)
	}
	clusterID, offset, epoch := d.string(), d.int64(), d.int32()
	if d.err != nil {
		return nil, d.err
	}
	records, err := DecodeBatch(b[d.off:])
	if err != nil {
		if ce, ok := err.(*CorruptError); ok {
			ce.Offset += d.off
		}
		return nil, err
	}
	img, _, err := NewImage(clusterID).ApplyAt(offset, epoch, records)
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	return img, nil
}

// records returns records that rebuild i from an empty image: features
// first, as Kafka starts every log and snapshot with metadata.version, then
// brokers, topics with their partitions, configs and producer IDs.
func (i *Image) records() []Record {
	var rs []Record
	if l, ok := i.features[MetadataVersionFeature]; ok {
		rs = append(rs, FeatureLevelRecord{Name: MetadataVersionFeature, Level: l})
	}
	for _, name := range sortedKeys(i.features) {
		if name != MetadataVersionFeature {
			rs = append(rs, FeatureLevelRecord{Name: name, Level: i.features[name]})
		}
	}
	for _, b := range i.Brokers() {
		rs = append(rs, b.record())
	}
	for _, t := range i.Topics() {
		rs = append(rs, TopicRecord{Name: t.Name, TopicID: t.ID})
		for _, p := range t.partitions {
			rs = append(rs, p.record(t.ID))
		}
	}
	for _, res := range i.ConfigResources() {
		m := i.configs.get(res)
		for _, k := range sortedKeys(m) {
			v := m[k]
			rs = append(rs, ConfigRecord{ResourceType: res.Type, ResourceName: res.Name, Name: k, Value: &v})
		}
	}
	if i.nextProducerID > 0 {
		// The block's owner is not kept in the image; only the next ID matters.
		rs = append(rs, ProducerIdsRecord{BrokerID: -1, BrokerEpoch: -1, NextProducerID: i.nextProducerID})
	}
	return rs
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
