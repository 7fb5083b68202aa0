package storage

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// File name suffixes of a partition directory, as Kafka spells them.
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	txnIndexSuffix  = ".txnindex"
	deletedSuffix   = ".deleted"
	cleanedSuffix   = ".cleaned"
	swapSuffix      = ".swap"
)

// segmentSuffixes are the per-segment files this package renames and deletes
// together. Producer-state .snapshot files belong to another package.
var segmentSuffixes = [...]string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix}

// offsetName formats an offset as the 20-digit, zero-padded file name stem.
func offsetName(offset int64) string { return fmt.Sprintf("%020d", offset) }

func segmentPath(dir string, base int64, suffix string) string {
	return filepath.Join(dir, offsetName(base)+suffix)
}

// parseSegmentName splits "<20 digits><suffix>[.deleted|.cleaned|.swap]"
// into the base offset, the segment suffix and the temporary suffix.
func parseSegmentName(name string) (base int64, suffix, temp string, ok bool) {
	for _, t := range [...]string{deletedSuffix, cleanedSuffix, swapSuffix} {
		if strings.HasSuffix(name, t) {
			temp = t
			name = strings.TrimSuffix(name, t)
			break
		}
	}
	dot := strings.IndexByte(name, '.')
	if dot != 20 {
		return 0, "", "", false
	}
	suffix = name[dot:]
	known := false
	for _, s := range segmentSuffixes {
		known = known || s == suffix
	}
	if !known {
		return 0, "", "", false
	}
	base, err := strconv.ParseInt(name[:dot], 10, 64)
	if err != nil || base < 0 {
		return 0, "", "", false
	}
	return base, suffix, temp, true
}

// DirKind tells a live partition directory from the renamed ones Kafka
// leaves: "-delete" (a deleted topic's partition awaiting removal),
// "-future" (a replica being moved between log dirs) and "-stray".
type DirKind int

const (
	DirLive DirKind = iota
	DirDeleted
	DirFuture
	DirStray
)

var dirKindSuffixes = map[DirKind]string{DirDeleted: "-delete", DirFuture: "-future", DirStray: "-stray"}

// PartitionDirName is the directory name of a live partition log.
func PartitionDirName(tp TopicPartition) string { return tp.String() }

// DeletedDirName is the name a deleted partition's directory is renamed to
// before removal: <topic>-<partition>.<32 hex>-delete, the topic cut so the
// name fits in 255 bytes, as Kafka does.
func DeletedDirName(tp TopicPartition, unique UUID) string {
	suffix := fmt.Sprintf("-%d.%x%s", tp.Partition, unique[:], dirKindSuffixes[DirDeleted])
	topic := tp.Topic
	if n := 255 - len(suffix); len(topic) > n {
		topic = topic[:n]
	}
	return topic + suffix
}

// ParsePartitionDir parses a partition directory name: "<topic>-<partition>"
// (topics may hold '-' and '.'), or "<topic>-<partition>.<unique>-delete"
// (likewise -future, -stray).
func ParsePartitionDir(name string) (TopicPartition, DirKind, error) {
	bad := func() (TopicPartition, DirKind, error) {
		return TopicPartition{}, DirLive, fmt.Errorf("directory %q is not <topic>-<partition> or <topic>-<partition>.<id>-delete", name)
	}
	kind, stem := DirLive, name
	for k, suffix := range dirKindSuffixes {
		if strings.HasSuffix(name, suffix) {
			dot := strings.LastIndexByte(name, '.')
			if dot < 0 || dot+1 >= len(name)-len(suffix) {
				return bad()
			}
			kind, stem = k, name[:dot]
			break
		}
	}
	dash := strings.LastIndexByte(stem, '-')
	if dash <= 0 || dash == len(stem)-1 {
		return bad()
	}
	p, err := strconv.ParseInt(stem[dash+1:], 10, 32)
	if err != nil || p < 0 {
		return bad()
	}
	return TopicPartition{Topic: stem[:dash], Partition: int32(p)}, kind, nil
}
