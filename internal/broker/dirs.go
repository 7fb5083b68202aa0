package broker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/storage"
)

// prepareDirs makes sure every directory exists and carries a
// meta.properties of this cluster and node, formatting new directories the
// way `kafka-storage.sh format` would. It returns the cluster id: the one
// the directories already agree on, or a new one for a fresh node.
func prepareDirs(dirs []string, nodeID int32, now time.Time, selfFormat bool) (string, error) {
	clusterID := ""
	var unformatted []string
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("create directory %s: %w", d, err)
		}
		m, err := storage.ReadMetaProperties(d)
		if errors.Is(err, fs.ErrNotExist) {
			unformatted = append(unformatted, d)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read meta.properties in %s: %w", d, err)
		}
		if m.NodeID != nodeID {
			return "", fmt.Errorf("%s/meta.properties has node.id=%d but the configuration says %d", d, m.NodeID, nodeID)
		}
		if clusterID != "" && m.ClusterID != clusterID {
			return "", fmt.Errorf("%s/meta.properties has cluster.id=%s but another directory has %s", d, m.ClusterID, clusterID)
		}
		clusterID = m.ClusterID
	}
	if len(unformatted) > 0 && !selfFormat {
		// Kafka's words: a node of a real cluster must be formatted with
		// the cluster's id before it starts.
		return "", fmt.Errorf("No `meta.properties` found in %s (have you run `kafka-storage.sh` to format the directory?)", unformatted[0])
	}
	if clusterID == "" {
		clusterID = metadata.NewUUID().String()
	}
	for _, d := range unformatted {
		m := storage.MetaProperties{Version: 1, ClusterID: clusterID, NodeID: nodeID, DirectoryID: storage.UUID(metadata.NewUUID())}
		if err := storage.WriteMetaProperties(d, m, now); err != nil {
			return "", fmt.Errorf("format %s: %w", d, err)
		}
	}
	return clusterID, nil
}

// Format writes meta.properties for cluster clusterID and node nodeID into
// every directory, as `kafka-storage.sh format` does. A directory that is
// already formatted is an error unless ignoreFormatted, in which case it is
// left alone (it must then belong to the same cluster and node).
func Format(dirs []string, clusterID string, nodeID int32, ignoreFormatted bool, now time.Time) error {
	if _, err := metadata.ParseUUID(clusterID); err != nil {
		return fmt.Errorf("cluster id %q is not a base64 UUID: %w", clusterID, err)
	}
	for _, d := range dirs {
		m, err := storage.ReadMetaProperties(d)
		switch {
		case err == nil && !ignoreFormatted:
			return fmt.Errorf("Log directory %s is already formatted. Use --ignore-formatted to ignore this directory and format the others.", d)
		case err == nil && (m.ClusterID != clusterID || m.NodeID != nodeID):
			return fmt.Errorf("%s is formatted for cluster %s node %d", d, m.ClusterID, m.NodeID)
		case err == nil:
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("read meta.properties in %s: %w", d, err)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create directory %s: %w", d, err)
		}
		m = storage.MetaProperties{Version: 1, ClusterID: clusterID, NodeID: nodeID, DirectoryID: storage.UUID(metadata.NewUUID())}
		if err := storage.WriteMetaProperties(d, m, now); err != nil {
			return fmt.Errorf("format %s: %w", d, err)
		}
	}
	return nil
}
