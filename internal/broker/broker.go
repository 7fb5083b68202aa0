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

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/api"
	"github.com/spoolhq/spool/internal/channel"
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
	handler  lazyHandler
	stream   *quorum.Stream   // Raft over a Kafka listener; nil on a lone controller
	ch       *channel.Channel // to the active controller
	life     *lifecycle       // nil on a controller-only node

	listeners   map[string]net.Addr
	metricsAddr net.Addr
	api         *api.Handler

	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start brings a node up: when it returns, the listeners accept clients.
// A broker has registered with the active controller and been unfenced by
// then. On its own, a combined broker,controller node is a single-node
// cluster.
func Start(ctx context.Context, cfg *config.Broker, logger *slog.Logger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
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
	b.metrics = metrics.New(kmsg.NameForKey)
	b.server = network.NewServer(network.Config{
		MaxRequestSize:     b.cfg.SocketRequestMaxBytes,
		IdleTimeout:        time.Duration(b.cfg.ConnectionsMaxIdleMs) * time.Millisecond,
		MaxConnections:     int(b.cfg.MaxConnections),
		SendBufferBytes:    int(b.cfg.SocketSendBufferBytes),
		ReceiveBufferBytes: int(b.cfg.SocketReceiveBufferBytes),
	}, &b.handler, b.metrics, b.logger.With("component", "network"))
	if err := b.openQuorum(); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	if !b.cfg.IsController() {
		// A broker-only node receives the log once the controller adds it,
		// which registering does.
		b.ch = b.newChannel(nil)
		b.life = newLifecycle(b.ch, b.quorum.Image, b.logger, time.Duration(b.cfg.BrokerHeartbeatIntervalMs)*time.Millisecond, b.registration())
		if err := b.life.register(ctx); err != nil {
			return err
		}
	}
	if err := b.openMetadata(ctx); err != nil {
		return err
	}
	if b.cfg.IsController() {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.maintain(runCtx)
		}()
	}
	if b.cfg.IsBroker() {
		if err := b.register(ctx, runCtx); err != nil {
			return err
		}
	}
	return b.serve(runCtx)
}

func (b *Broker) openStorage() error {
	clusterID, err := prepareDirs(Dirs(b.cfg), b.cfg.NodeID, time.Now(), selfFormats(b.cfg))
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

// Dirs are the directories a node keeps data in: log.dirs and
// metadata.log.dir.
func Dirs(cfg *config.Broker) []string {
	all := append([]string{}, cfg.LogDirs...)
	if md := cfg.MetadataLogDir; md != "" && !containsPath(all, md) {
		all = append(all, md)
	}
	return all
}

// selfFormats reports whether the node formats its own directories: only a
// lone combined node does (the default `spool server`); a node of a larger
// cluster must be formatted with the cluster's id (`spool storage format`).
func selfFormats(cfg *config.Broker) bool {
	return len(cfg.QuorumVoters) == 1 && cfg.IsBroker() && cfg.IsController()
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
	q := b.quorum
	if err := q.WaitReady(ctx); err != nil {
		return fmt.Errorf("replay metadata: %w", err)
	}
	if b.cfg.IsBroker() {
		b.replicas = replica.New(replica.Options{
			NodeID: b.cfg.NodeID, Static: b.cfg, Dirs: b.dirs, Metrics: b.metrics,
			Logger: b.logger.With("component", "replicas"),
			ISR:    alterPartition{b}, BrokerEpoch: b.ownEpoch, // replication.go
		})
		b.groups = b.newGroupCoordinator()
		b.followMetadata()
	}
	if !b.cfg.IsController() {
		b.setHandler()
		return nil
	}
	var err error
	b.ctrl, err = controller.New(controller.Config{
		Log: q, Logger: b.logger.With("component", "controller"),
		DefaultPartitions:        b.cfg.NumPartitions,
		DefaultReplicationFactor: int16(b.cfg.DefaultReplicationFactor),
		ControllerIDs:            b.voterIDs(),
		TopicDeletionDisabled:    !b.cfg.DeleteTopicEnable,
		ValidateTopicConfigs:     config.ValidateTopicConfigs,
		ValidateBrokerConfigs:    b.validateBrokerConfigs,
		ApplyIncremental:         applyIncremental,
		SessionTimeout:           time.Duration(b.cfg.BrokerSessionTimeoutMs) * time.Millisecond,
		UncleanLeaderElection:    b.uncleanLeaderElection,
		AddObserver:              q.AddObserver,

		LeaderImbalanceCheckInterval:       b.leaderImbalanceCheckInterval(),
		UncleanLeaderElectionCheckInterval: time.Duration(b.cfg.UncleanLeaderElectionIntervalMs) * time.Millisecond,
	})
	if err != nil {
		return fmt.Errorf("start controller: %w", err)
	}
	b.ch = b.newChannel(func(ctx context.Context, req kmsg.Request) (kmsg.Response, bool) {
		return b.api.ServeLocal(ctx, req)
	})
	b.setHandler()
	return nil
}

// setHandler builds the API handler and lets the listeners use it.
func (b *Broker) setHandler() *api.Handler {
	h := api.NewHandler(api.Deps{
		NodeID: b.cfg.NodeID, Config: b.cfg, Replicas: b.replicas, Image: b.quorum.Image,
		Controller: b.ctrl, Groups: b.groups, Channel: b.ch, Quorum: b, Replication: b.metrics.Replication(),
		ControllerListeners: b.cfg.ControllerListenerNames,
		Sessions:            fetchsession.NewCache(int(b.cfg.MaxIncrementalFetchSessionCacheSlots), fetchsession.DefaultEvictAfter),
		Logger:              b.logger.With("component", "api"),
	})
	b.handler.h.Store(h)
	b.api = h
	return h
}

// uncleanLeaderElection resolves unclean.leader.election.enable for a
// topic through its overrides, this node's dynamic config, the dynamic
// broker defaults and the static config (Kafka's controller lookup).
func (b *Broker) uncleanLeaderElection(img *metadata.Image, topic string) bool {
	layers := config.Layers{
		Static:         b.cfg.Raw,
		DynamicBroker:  img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: strconv.Itoa(int(b.cfg.NodeID))}),
		DynamicDefault: img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: ""}),
		Topic:          img.Configs(metadata.ConfigResource{Type: metadata.ResourceTopic, Name: topic}),
	}
	t, err := config.ResolveTopic(layers)
	return err == nil && t.UncleanLeaderElection
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

// register registers this incarnation with the active controller (a
// broker-only node has already), waits to be unfenced, starts heartbeats
// and prepares the producer id supply.
func (b *Broker) register(ctx, runCtx context.Context) error {
	if b.life == nil {
		b.life = newLifecycle(b.ch, b.quorum.Image, b.logger, time.Duration(b.cfg.BrokerHeartbeatIntervalMs)*time.Millisecond, b.registration())
		if err := b.life.register(ctx); err != nil {
			return err
		}
	}
	if err := b.life.waitUnfenced(ctx); err != nil {
		return err
	}
	b.epoch = b.life.epoch.Load()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.life.run(runCtx)
	}()
	b.pids = controller.NewProducerIDAllocator(b.allocateProducerIDs)
	b.api.ProducerIDs = b.pids
	return nil
}

// allocateProducerIDs asks the active controller for a block of producer
// ids (AllocateProducerIds).
func (b *Broker) allocateProducerIDs(ctx context.Context) (int64, int32, error) {
	req := kmsg.NewPtrAllocateProducerIDsRequest()
	req.BrokerID, req.BrokerEpoch = b.cfg.NodeID, b.life.epoch.Load()
	resp, err := b.ch.Send(ctx, req)
	if err != nil {
		return -1, 0, err
	}
	r := resp.(*kmsg.AllocateProducerIDsResponse)
	if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
		return -1, 0, fmt.Errorf("allocate producer ids: %w", err)
	}
	return r.ProducerIDStart, r.ProducerIDLen, nil
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

// serve starts maintenance, the API listeners not started yet and the
// metrics endpoint.
func (b *Broker) serve(runCtx context.Context) error {
	if b.replicas != nil {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.replicas.Run(runCtx)
		}()
		b.registerGauges()
		b.registerReplicaGauges() // replication_metrics.go
	}
	if b.ctrl != nil {
		b.registerControllerGauges()
	}
	for _, l := range b.cfg.Listeners {
		if _, done := b.listeners[l.Name]; done || (!b.cfg.IsBroker() && !b.isControllerListener(l.Name)) {
			continue // a controller-only node serves no clients
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

// Shutdown is a controlled shutdown, as Kafka's on SIGTERM: a broker first
// asks the active controller to move its leaderships to other brokers and
// waits until it has (or ctx ends), then closes. A broker that is the only
// unfenced one skips the wait: nobody could take over.
func (b *Broker) Shutdown(ctx context.Context) error {
	if b.life != nil && b.otherBrokers() {
		if err := b.life.controlledShutdown(ctx); err != nil {
			b.logger.Warn("controlled shutdown did not finish; closing anyway", "err", err)
		}
	}
	return b.Close()
}

// otherBrokers reports whether another broker is registered and unfenced.
func (b *Broker) otherBrokers() bool {
	for _, br := range b.quorum.Image().Brokers() {
		if br.ID != b.cfg.NodeID && !br.Fenced && !br.InControlledShutdown {
			return true
		}
	}
	return false
}

// Close shuts the node down cleanly: clients are disconnected, maintenance
// stops, every log is flushed and checkpointed and the clean shutdown
// marker written, and the metadata quorum closes. It does not wait for a
// controlled shutdown: see Shutdown.
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
		if b.ch != nil {
			b.ch.Close()
		}
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
