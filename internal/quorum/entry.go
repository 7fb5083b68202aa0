package quorum

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/spoolhq/spool/internal/metadata"
)

// A log entry is a small envelope around a metadata batch (see
// docs/format/metadata-records.md): a version byte, a flags byte, and for a
// conditional proposal the image offset its records were decided on, then
// the batch.
const (
	entryVersion    = 1
	flagConditional = 1
)

type entry struct {
	conditional bool
	base        int64 // the image offset a conditional entry expects
	records     []metadata.Record
}

func encodeEntry(e entry) ([]byte, error) {
	b := []byte{entryVersion, 0}
	if e.conditional {
		b[1] = flagConditional
		b = binary.AppendVarint(b, e.base)
	}
	b, err := metadata.AppendBatch(b, e.records)
	if err != nil {
		return nil, fmt.Errorf("encode entry: %w", err)
	}
	return b, nil
}

func decodeEntry(b []byte) (entry, error) {
	var e entry
	if len(b) < 2 || b[0] != entryVersion || b[1]&^flagConditional != 0 {
		return e, errors.New("decode entry: unknown entry version or flags")
	}
	b, e.conditional = b[2:], b[1]&flagConditional != 0
	if e.conditional {
		base, n := binary.Varint(b)
		if n <= 0 {
			return e, errors.New("decode entry: bad base offset")
		}
		b, e.base = b[n:], base
	}
	records, err := metadata.DecodeBatch(b)
	if err != nil {
		return e, fmt.Errorf("decode entry: %w", err)
	}
	e.records = records
	return e, nil
}
