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
func prepareDirs(dirs []string, nodeID int32, now time.Time) (string, error) {
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
