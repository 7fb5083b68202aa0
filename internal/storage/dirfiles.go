package storage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/magiconair/properties"
)

// Files of a log directory and of a partition directory, as Kafka names
// them.
const (
	CleanShutdownFile     = ".kafka_cleanshutdown"
	MetaPropertiesFile    = "meta.properties"
	PartitionMetadataFile = "partition.metadata"
)

// UUID is Kafka's 128-bit Uuid (topic ids, directory ids), written as 22
// characters of unpadded URL-safe base64.
type UUID [16]byte

func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// ParseUUID parses Kafka's textual form (padding tolerated, as Java's
// decoder does).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != len(u) {
		return u, fmt.Errorf("%q is not a base64 uuid", s)
	}
	copy(u[:], b)
	return u, nil
}

// WritePartitionMetadata records the partition's topic id in
// partition.metadata ("version: 0\ntopic_id: <id>"), durably.
func WritePartitionMetadata(dir string, topicID UUID) error {
	if topicID == (UUID{}) {
		return fmt.Errorf("write partition metadata in %s: zero topic id", dir)
	}
	data := "version: 0\ntopic_id: " + topicID.String()
	if err := writeFileDurably(filepath.Join(dir, PartitionMetadataFile), []byte(data)); err != nil {
		return fmt.Errorf("write partition metadata in %s: %w", dir, err)
	}
	return nil
}

// ReadPartitionMetadata returns the topic id from partition.metadata; an
// error matching fs.ErrNotExist when there is none.
func ReadPartitionMetadata(dir string) (UUID, error) {
	path := filepath.Join(dir, PartitionMetadataFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return UUID{}, fmt.Errorf("read partition metadata: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	version, ok := metadataField(lines, 0, "version")
	if !ok {
		return UUID{}, fmt.Errorf("read partition metadata %s: malformed version line", path)
	}
	if v, err := strconv.Atoi(version); err != nil || v < 0 {
		return UUID{}, fmt.Errorf("read partition metadata %s: unknown version %q", path, version)
	}
	idText, ok := metadataField(lines, 1, "topic_id")
	if !ok {
		return UUID{}, fmt.Errorf("read partition metadata %s: malformed topic_id line", path)
	}
	id, err := ParseUUID(idText)
	if err == nil && id == (UUID{}) {
		err = errors.New("zero topic id")
	}
	if err != nil {
		return UUID{}, fmt.Errorf("read partition metadata %s: %w", path, err)
	}
	return id, nil
}

// metadataField parses line i as "<key>: <value>".
func metadataField(lines []string, i int, key string) (string, bool) {
	if i >= len(lines) {
		return "", false
	}
	k, v, ok := strings.Cut(strings.TrimRight(lines[i], "\r"), ":")
	if !ok || k != key || strings.TrimSpace(v) == "" || v[0] != ' ' {
		return "", false
	}
	return strings.TrimSpace(v), true
}

// MetaProperties is a log directory's meta.properties. Version 1 is KRaft's
// (node.id); version 0 is the ZooKeeper-era form (broker.id).
type MetaProperties struct {
	Version     int
	ClusterID   string
	NodeID      int32
	DirectoryID UUID // zero when absent
}

// ReadMetaProperties reads dir/meta.properties; an error matching
// fs.ErrNotExist when there is none.
func ReadMetaProperties(dir string) (MetaProperties, error) {
	path := filepath.Join(dir, MetaPropertiesFile)
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadFile(path)
	if err != nil {
		return MetaProperties{}, fmt.Errorf("read %s: %w", path, err)
	}
	var m MetaProperties
	if m.Version, err = strconv.Atoi(p.GetString("version", "0")); err != nil || m.Version < 0 || m.Version > 1 {
		return m, fmt.Errorf("read %s: unknown version %q", path, p.GetString("version", ""))
	}
	m.ClusterID = p.GetString("cluster.id", "")
	idKey := "node.id"
	if m.Version == 0 {
		idKey = "broker.id"
	}
	id, err := strconv.ParseInt(p.GetString(idKey, ""), 10, 32)
	if err != nil {
		return m, fmt.Errorf("read %s: missing or malformed %s", path, idKey)
	}
	m.NodeID = int32(id)
	if s, ok := p.Get("directory.id"); ok {
		if m.DirectoryID, err = ParseUUID(s); err != nil {
			return m, fmt.Errorf("read %s: directory.id: %w", path, err)
		}
	}
	if m.Version == 1 && m.ClusterID == "" {
		return m, fmt.Errorf("read %s: version 1 needs cluster.id", path)
	}
	return m, nil
}

// WriteMetaProperties writes dir/meta.properties durably, in the Java
// properties form Kafka writes (a date comment, then sorted keys).
func WriteMetaProperties(dir string, m MetaProperties, now time.Time) error {
	kv := map[string]string{"version": strconv.Itoa(m.Version)}
	if m.ClusterID != "" {
		kv["cluster.id"] = m.ClusterID
	}
	if m.Version == 0 {
		kv["broker.id"] = strconv.Itoa(int(m.NodeID))
	} else {
		kv["node.id"] = strconv.Itoa(int(m.NodeID))
	}
	if m.DirectoryID != (UUID{}) {
		kv["directory.id"] = m.DirectoryID.String()
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, "#\n#%s\n", now.UTC().Format(time.UnixDate))
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, kv[k])
	}
	if err := writeFileDurably(filepath.Join(dir, MetaPropertiesFile), b.Bytes()); err != nil {
		return fmt.Errorf("write meta.properties in %s: %w", dir, err)
	}
	return nil
}

// cleanShutdownContent is the marker's JSON, as Kafka writes it.
type cleanShutdownContent struct {
	Version     int   `json:"version"`
	BrokerEpoch int64 `json:"brokerEpoch"`
}

// WriteCleanShutdownMarker writes .kafka_cleanshutdown: every log in dir was
// flushed and closed, so the next start may skip recovery.
func WriteCleanShutdownMarker(dir string, brokerEpoch int64) error {
	data, err := json.Marshal(cleanShutdownContent{Version: 0, BrokerEpoch: brokerEpoch})
	if err == nil {
		err = writeFileDurably(filepath.Join(dir, CleanShutdownFile), data)
	}
	if err != nil {
		return fmt.Errorf("write clean shutdown marker in %s: %w", dir, err)
	}
	return nil
}

// ConsumeCleanShutdownMarker reports whether dir has the marker and removes
// it durably, so that a crash from now on is seen as unclean. brokerEpoch is
// -1 when the marker holds none.
func ConsumeCleanShutdownMarker(dir string) (clean bool, brokerEpoch int64, err error) {
	path := filepath.Join(dir, CleanShutdownFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, -1, nil
	}
	if err != nil {
		return false, -1, fmt.Errorf("read clean shutdown marker: %w", err)
	}
	var c cleanShutdownContent
	brokerEpoch = -1
	if json.Unmarshal(data, &c) == nil {
		brokerEpoch = c.BrokerEpoch
	}
	if err := os.Remove(path); err != nil {
		return false, -1, fmt.Errorf("remove clean shutdown marker: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return false, -1, fmt.Errorf("remove clean shutdown marker: %w", err)
	}
	return true, brokerEpoch, nil
}
