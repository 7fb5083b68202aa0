package api

import (
	"encoding/binary"

	"github.com/spoolhq/spool/internal/network"
)

// fetchResponse is a Fetch response whose record data stays in files until
// it is written: kmsg would need the bytes in memory, and its encoder
// compares tagged fields by reflection for every partition.
type fetchResponse struct {
	version      int16
	throttleMs   int32
	errorCode    int16
	sessionID    int32
	topics       []fetchTopic
	nodeEndpoint []fetchNodeEndpoint // v16+: leaders named in currentLeader fields (KIP-951)
}

type fetchTopic struct {
	name       string
	id         [16]byte
	partitions []fetchPartition
}

type fetchPartition struct {
	partition        int32
	errorCode        int16
	highWatermark    int64
	lastStableOffset int64
	logStartOffset   int64
	// aborted is nil for read_uncommitted fetches (a null array on the wire).
	aborted              []abortedTxn
	preferredReadReplica int32
	records              network.FileRange // nil = no records
	divergingEpoch       *epochEndOffset
	currentLeader        *leaderAndEpoch
}

type abortedTxn struct {
	producerID  int64
	firstOffset int64
}

type epochEndOffset struct {
	epoch     int32
	endOffset int64
}

type leaderAndEpoch struct {
	leaderID    int32
	leaderEpoch int32
}

type fetchNodeEndpoint struct {
	nodeID int32
	host   string
	port   int32
	rack   *string
}

// encode frames the response as the answer to correlation id corrID.
func (f *fetchResponse) encode(corrID int32) *network.Response {
	flexible := f.version >= 12
	b := make([]byte, 8, 256)
	binary.BigEndian.PutUint32(b[4:], uint32(corrID))
	if flexible {
		b = append(b, 0) // response header tagged fields
	}
	b = appendInt32(b, f.throttleMs)
	if f.version >= 7 {
		b = appendInt16(b, f.errorCode)
		b = appendInt32(b, f.sessionID)
	}
	resp := &network.Response{}
	b = appendArrayLen(b, len(f.topics), flexible)
	for i := range f.topics {
		b = f.appendTopic(b, resp, &f.topics[i], flexible)
	}
	if flexible {
		b = f.appendResponseTags(b)
	}
	appendTail(resp, b)
	binary.BigEndian.PutUint32(resp.Head, uint32(resp.Size()-4))
	return resp
}

// appendTail adds bytes after the last file range (or to Head if none).
func appendTail(resp *network.Response, b []byte) {
	if len(resp.Parts) == 0 {
		resp.Head = b
		return
	}
	resp.Parts[len(resp.Parts)-1].After = b
}

func (f *fetchResponse) appendTopic(b []byte, resp *network.Response, t *fetchTopic, flexible bool) []byte {
	if f.version >= 13 {
		b = appendUUID(b, t.id)
	} else {
		b = appendString(b, t.name, flexible)
	}
	b = appendArrayLen(b, len(t.partitions), flexible)
	for i := range t.partitions {
		b = f.appendPartition(b, resp, &t.partitions[i], flexible)
	}
	if flexible {
		b = appendUvarint(b, 0)
	}
	return b
}

func (f *fetchResponse) appendPartition(b []byte, resp *network.Response, p *fetchPartition, flexible bool) []byte {
	b = appendInt32(b, p.partition)
	b = appendInt16(b, p.errorCode)
	b = appendInt64(b, p.highWatermark)
	b = appendInt64(b, p.lastStableOffset)
	if f.version >= 5 {
		b = appendInt64(b, p.logStartOffset)
	}
	if p.aborted == nil {
		b = appendArrayLen(b, -1, flexible)
	} else {
		b = appendArrayLen(b, len(p.aborted), flexible)
		for _, a := range p.aborted {
			b = appendInt64(b, a.producerID)
			b = appendInt64(b, a.firstOffset)
			if flexible {
				b = appendUvarint(b, 0)
			}
		}
	}
	if f.version >= 11 {
		b = appendInt32(b, p.preferredReadReplica)
	}
	n := 0
	if p.records != nil {
		n = p.records.Len()
	}
	b = appendBytesLen(b, n, flexible)
	if n > 0 {
		// The bytes so far end where the file range begins.
		if len(resp.Parts) == 0 {
			resp.Head = b
		} else {
			resp.Parts[len(resp.Parts)-1].After = b
		}
		resp.Parts = append(resp.Parts, network.Part{File: p.records})
		b = make([]byte, 0, 64)
	}
	if flexible {
		b = appendPartitionTags(b, p)
	}
	return b
}

func appendPartitionTags(b []byte, p *fetchPartition) []byte {
	n := 0
	if p.divergingEpoch != nil {
		n++
	}
	if p.currentLeader != nil {
		n++
	}
	b = appendUvarint(b, uint64(n))
	if d := p.divergingEpoch; d != nil {
		b = appendTag(b, 0, func(t []byte) []byte {
			t = appendInt32(t, d.epoch)
			t = appendInt64(t, d.endOffset)
			return appendUvarint(t, 0)
		})
	}
	if l := p.currentLeader; l != nil {
		b = appendTag(b, 1, func(t []byte) []byte {
			t = appendInt32(t, l.leaderID)
			t = appendInt32(t, l.leaderEpoch)
			return appendUvarint(t, 0)
		})
	}
	return b
}

func (f *fetchResponse) appendResponseTags(b []byte) []byte {
	if f.version < 16 || len(f.nodeEndpoint) == 0 {
		return appendUvarint(b, 0)
	}
	b = appendUvarint(b, 1)
	return appendTag(b, 0, func(t []byte) []byte {
		t = appendArrayLen(t, len(f.nodeEndpoint), true)
		for _, n := range f.nodeEndpoint {
			t = appendInt32(t, n.nodeID)
			t = appendString(t, n.host, true)
			t = appendInt32(t, n.port)
			t = appendNullableString(t, n.rack, true)
			t = appendUvarint(t, 0)
		}
		return t
	})
}
