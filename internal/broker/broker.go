package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/api"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/fetchsession"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/metrics"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/quorum"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/storage"
)

// Broker is a running node.
type Broker struct {
	cfg       *config.Broker
	logger    *slog.Logger
	clusterID string
	epoch     int64

	dirs     []*storage.LogDir
	quorum   *quorum.Quorum
	ctrl     *controller.Controller
	replicas *replica.Manager
	pids     *controller.ProducerIDAllocator
	groups   *coordinator.Runtime
	metrics  *metrics.Metrics
	server   *network.Server

	listeners   map[string]net.Addr
	metricsAddr net.Addr

	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start brings a node up: when it returns, the listeners accept clients.
// The node must have the controller role; on its own it is a single-node
// cluster.
func Start(ctx context.Context, cfg *config.Broker, logger *slog.Logger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if !cfg.IsController() || !cfg.IsBroker() {
		return nil, errors.New("process.roles must be broker,controller: separate broker and controller nodes are not supported yet")
	}
	b := &Broker{cfg: cfg, logger: logger, listeners: map[string]net.Addr{}}
	started := time.Now()
	if err := b.start(ctx); err != nil {
		// Release whatever was opened (directory locks, the quorum).
		b.Close()
		return nil, err
	}
	logger.Info("spool started", "node_id", cfg.NodeID, "cluster_id", b.clusterID,
		"broker_epoch", b.epoch, "startup", time.Since(started).Round(time.Millisecond))
	return b, nil
}

func (b *Broker) start(ctx context.Context) error {
	if err := b.openStorage(); err != nil {
		return err
	}
	if err := b.openMetadata(ctx); err != nil {
		return err
	}
	if err := b.register(ctx); err != nil {
		return err
	}
	return b.serve(ctx)
}

func (b *Broker) openStorage() error {
	all := append([]string{}, b.cfg.LogDirs...)
	if md := b.cfg.MetadataLogDir; md != "" && !containsPath(all, md) {
		all = append(all, md)
	}
	clusterID, err := prepareDirs(all, b.cfg.NodeID, time.Now())
	if err != nil {
		return err
	}
	b.clusterID = clusterID
	for _, path := range b.cfg.LogDirs {
		d, err := storage.OpenLogDir(path, storage.DirOptions{Logger: b.logger, Workers: int(b.cfg.NumRecoveryThreadsPerDataDir)})
		if err != nil {
			return fmt.Errorf("open log directory %s: %w", path, err)
		}
		if !d.HadCleanShutdown() && len(d.Partitions()) > 0 {
			b.logger.Warn("log directory was not shut down cleanly; logs are recovered as they open", "dir", path)
		}
		b.dirs = append(b.dirs, d)
	}
	return nil
}

func containsPath(paths []string, p string) bool {
	for _, q := range paths {
		if filepath.Clean(q) == filepath.Clean(p) {
			return true
		}
	}
	return false
}

// openMetadata opens the quorum, replays it, loads the hosted partitions
// and starts following changes.
func (b *Broker) openMetadata(ctx context.Context) error {
	voters := map[int32]string{}
	for _, v := range b.cfg.QuorumVoters {
		voters[v.ID] = v.Addr()
	}
	mdDir := b.cfg.MetadataLogDir
	if mdDir == "" {
		mdDir = b.cfg.LogDirs[0]
	}
	q, err := quorum.Open(quorum.Config{
		NodeID: b.cfg.NodeID, Dir: filepath.Join(mdDir, controller.MetadataTopic+"-0"),
		ClusterID: b.clusterID, Voters: voters, Logger: b.logger,
	})
	if err != nil {
		return fmt.Errorf("open metadata quorum: %w", err)
	}
	b.quorum = q
	if err := q.WaitReady(ctx); err != nil {
		return fmt.Errorf("replay metadata: %w", err)
	}
	b.metrics = metrics.New(kmsg.NameForKey)
	b.replicas = replica.New(replica.Options{
		NodeID: b.cfg.NodeID, Static: b.cfg, Dirs: b.dirs, Metrics: b.metrics,
		Logger: b.logger.With("component", "replicas"),
	})
	b.groups = b.newGroupCoordinator()
	b.followMetadata()
	b.ctrl, err = controller.New(controller.Config{
		Log: q, Logger: b.logger.With("component", "controller"),
		DefaultPartitions:        b.cfg.NumPartitions,
		DefaultReplicationFactor: int16(b.cfg.DefaultReplicationFactor),
		ControllerIDs:            b.voterIDs(),
		TopicDeletionDisabled:    !b.cfg.DeleteTopicEnable,
		ValidateTopicConfigs:     config.ValidateTopicConfigs,
		ValidateBrokerConfigs:    b.validateBrokerConfigs,
		ApplyIncremental:         applyIncremental,
	})
	if err != nil {
		return fmt.Errorf("start controller: %w", err)
	}
	return nil
}

// followMetadata loads the replayed image's partitions (deleting logs of
// topics that went away meanwhile) and then applies every committed change.
func (b *Broker) followMetadata() {
	first := true
	b.quorum.Subscribe(func(prev, next *metadata.Image, d *metadata.Delta) {
		var err error
		if first {
			first = false
			err = b.replicas.Sync(next)
		} else {
			err = b.replicas.Apply(next, d)
		}
		if err != nil {
			b.logger.Error("applying metadata to hosted partitions", "offset", next.Offset(), "err", err)
		}
		b.syncGroupCoordinator(next)
	})
}

func (b *Broker) voterIDs() []int32 {
	var ids []int32
	for _, v := range b.cfg.QuorumVoters {
		ids = append(ids, v.ID)
	}
	return ids
}

// register announces this node's advertised listeners and prepares the
// producer id supply.
func (b *Broker) register(ctx context.Context) error {
	var endpoints []metadata.Endpoint
	for _, l := range b.cfg.AdvertisedListeners {
		if b.isControllerListener(l.Name) {
			continue
		}
		endpoints = append(endpoints, metadata.Endpoint{Name: l.Name, Host: l.Host, Port: uint16(l.Port),
			SecurityProtocol: securityProtocolID(l.Protocol)})
	}
	var rack *string
	if b.cfg.Rack != "" {
		rack = &b.cfg.Rack
	}
	epoch, err := b.ctrl.RegisterBroker(ctx, controller.BrokerRegistration{
		BrokerID: b.cfg.NodeID, ClusterID: b.clusterID, IncarnationID: metadata.NewUUID(),
		Endpoints: endpoints, Rack: rack,
	})
	if err != nil {
		return fmt.Errorf("register broker: %w", err)
	}
	b.epoch = epoch
	b.pids = controller.NewProducerIDAllocator(func(ctx context.Context) (int64, int32, error) {
		return b.ctrl.AllocateProducerIDs(ctx, b.cfg.NodeID, b.epoch)
	})
	return nil
}

func (b *Broker) isControllerListener(name string) bool {
	for _, c := range b.cfg.ControllerListenerNames {
		if c == name {
			return true
		}
	}
	return false
}

// securityProtocolID numbers a protocol as Kafka's SecurityProtocol does.
func securityProtocolID(p config.SecurityProtocol) int16 {
	switch p {
	case config.Plaintext:
		return 0
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return -1
}

// serve starts maintenance, the API listeners and the metrics endpoint.
func (b *Broker) serve(ctx context.Context) error {
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.replicas.Run(runCtx)
	}()
	b.registerGauges()
	handler := api.NewHandler(api.Deps{
		NodeID: b.cfg.NodeID, Config: b.cfg, Replicas: b.replicas, Image: b.quorum.Image,
		Controller: b.ctrl, ProducerIDs: b.pids, Groups: b.groups,
		Sessions: fetchsession.NewCache(int(b.cfg.MaxIncrementalFetchSessionCacheSlots), fetchsession.DefaultEvictAfter),
		Logger:   b.logger.With("component", "api"),
	})
	b.server = network.NewServer(network.Config{
		MaxRequestSize:     b.cfg.SocketRequestMaxBytes,
		IdleTimeout:        time.Duration(b.cfg.ConnectionsMaxIdleMs) * time.Millisecond,
		MaxConnections:     int(b.cfg.MaxConnections),
		SendBufferBytes:    int(b.cfg.SocketSendBufferBytes),
		ReceiveBufferBytes: int(b.cfg.SocketReceiveBufferBytes),
	}, handler, b.metrics, b.logger.With("component", "network"))
	for _, l := range b.cfg.Listeners {
		if b.isControllerListener(l.Name) {
			continue
		}
		addr, err := b.server.Listen(l.Name, l.Addr())
		if err != nil {
			return err
		}
		b.listeners[l.Name] = addr
	}
	if b.cfg.MetricsAddress != "" {
		addr, done, err := b.metrics.Serve(runCtx, b.cfg.MetricsAddress, b.logger.With("component", "metrics"))
		if err != nil {
			return err
		}
		b.metricsAddr = addr
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			<-done
		}()
	}
	return nil
}

func (b *Broker) registerGauges() {
	b.metrics.GaugeFunc("spool_partitions", "Partitions hosted by this broker.", func() float64 {
		n := 0
		for _, t := range b.replicas.Topics() {
			n += len(t.Partitions)
		}
		return float64(n)
	})
	b.metrics.LabeledGauges("spool_log_size_bytes", "Size of the logs on disk, by topic.", "topic", func() map[string]float64 {
		out := map[string]float64{}
		for _, t := range b.replicas.Topics() {
			for _, p := range t.Partitions {
				out[t.Name] += float64(p.Size())
			}
		}
		return out
	})
}

// Addr is the bound address of a listener (by name, e.g. PLAINTEXT).
func (b *Broker) Addr(listener string) net.Addr { return b.listeners[listener] }

// MetricsAddr is the bound address of the metrics endpoint, nil if off.
func (b *Broker) MetricsAddr() net.Addr { return b.metricsAddr }

// ClusterID is the cluster's id.
func (b *Broker) ClusterID() string { return b.clusterID }

// Close shuts the node down cleanly: clients are disconnected, maintenance
// stops, every log is flushed and checkpointed and the clean shutdown
// marker written, and the metadata quorum closes.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		var errs []error
		if b.server != nil {
			errs = append(errs, b.server.Close())
		}
		if b.stop != nil {
			b.stop()
		}
		b.wg.Wait()
		if b.pids != nil {
			b.pids.Close()
		}
		if b.groups != nil {
			b.groups.Close()
		}
		if b.replicas != nil {
			errs = append(errs, b.replicas.Close(b.epoch))
		} else {
			for _, d := range b.dirs {
				errs = append(errs, d.Close(b.epoch))
			}
		}
		if b.quorum != nil {
			errs = append(errs, b.quorum.Close())
		}
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}

// validateBrokerConfigs checks a new dynamic config set for the broker
// resource name ("" = the cluster default) against the current layers.
func (b *Broker) validateBrokerConfigs(img *metadata.Image, name string, configs map[string]string) error {
	perBroker := name != ""
	current := config.Layers{
		Static:         b.cfg.Raw,
		DynamicDefault: img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: ""}),
		DynamicBroker:  img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: strconv.Itoa(int(b.cfg.NodeID))}),
	}
	if err := config.ValidateDynamicBroker(current, configs, perBroker); err != nil {
		return &controller.Error{Kind: controller.ErrInvalidRequest, Message: err.Error()}
	}
	return nil
}

// applyIncremental adapts the config package's incremental operations to
// the controller's resource types.
func applyIncremental(t metadata.ResourceType, current map[string]string, ops []controller.ConfigOp) (map[string]string, error) {
	cops := make([]config.Op, len(ops))
	for i, op := range ops {
		cops[i] = config.Op{Key: op.Name, Op: op.Op}
		if op.Value != nil {
			cops[i].Value = *op.Value
		}
	}
	if t == metadata.ResourceBroker {
		return config.ApplyIncrementalBroker(current, cops)
	}
	return config.ApplyIncremental(current, cops)
}
