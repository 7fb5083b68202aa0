package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/api"
	"github.com/spoolhq/spool/internal/channel"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/quorum"
)

// lazyHandler lets listeners accept before the API handler exists: Raft
// connections are diverted before any request is read, so a controller
// listener can carry the quorum while the node is still replaying it.
// Kafka requests that arrive before the handler is set close their
// connection, and clients retry.
type lazyHandler struct{ h atomic.Pointer[api.Handler] }

var errStarting = errors.New("node is starting")

func (l *lazyHandler) Handle(ctx context.Context, c *network.Conn, frame []byte) (network.Reply, error) {
	h := l.h.Load()
	if h == nil {
		return network.Reply{}, errStarting
	}
	return h.Handle(ctx, c, frame)
}

// voters returns controller.quorum.voters as node id → address.
func (b *Broker) voters() map[int32]string {
	voters := map[int32]string{}
	for _, v := range b.cfg.QuorumVoters {
		voters[v.ID] = v.Addr()
	}
	return voters
}

// needsStream reports whether Raft traffic travels over a Kafka listener:
// with several voters, and whenever brokers and controllers are separate
// nodes (observers must be reached). A lone combined node keeps the
// in-memory transport.
func (b *Broker) needsStream() bool {
	return len(b.cfg.QuorumVoters) > 1 || !b.cfg.IsController() || !b.cfg.IsBroker()
}

// openQuorum opens this node's member of the metadata quorum: a voter on
// a controller node, an observer on a broker-only node. With a stream, the
// listener that carries it (the controller listener, or the inter-broker
// listener of a broker-only node) starts accepting here too.
func (b *Broker) openQuorum() error {
	mdDir := b.cfg.MetadataLogDir
	if mdDir == "" {
		mdDir = b.cfg.LogDirs[0]
	}
	qcfg := quorum.Config{
		NodeID: b.cfg.NodeID, Dir: filepath.Join(mdDir, controller.MetadataTopic+"-0"),
		ClusterID: b.clusterID, Voters: b.voters(), Logger: b.logger, Observer: !b.cfg.IsController(),
	}
	if b.needsStream() {
		l, ok := b.streamListener()
		if !ok {
			return errors.New("no listener to carry the metadata quorum on")
		}
		adv, err := net.ResolveTCPAddr("tcp", b.streamAddr(l))
		if err != nil {
			return fmt.Errorf("resolve the metadata quorum address: %w", err)
		}
		b.stream = quorum.NewStream(adv)
		qcfg.Stream = b.stream
		addr, err := b.server.ListenDivert(l.Name, l.Addr(), &network.Divert{Prefix: quorum.Preamble, To: b.stream.Handoff})
		if err != nil {
			return err
		}
		b.listeners[l.Name] = addr
	}
	q, err := quorum.Open(qcfg)
	if err != nil {
		return fmt.Errorf("open metadata quorum: %w", err)
	}
	b.quorum = q
	return nil
}

// streamListener is the listener Raft shares: the controller listener on a
// controller, the inter-broker listener on a broker-only node.
func (b *Broker) streamListener() (config.Listener, bool) {
	name := b.cfg.InterBrokerListenerName
	if b.cfg.IsController() {
		name = b.cfg.ControllerListenerNames[0]
	}
	for _, l := range b.cfg.Listeners {
		if l.Name == name {
			return l, true
		}
	}
	return config.Listener{}, false
}

// streamAddr is the address the other members reach this node's Raft at:
// its voter address, or its advertised inter-broker listener.
func (b *Broker) streamAddr(l config.Listener) string {
	if a, ok := b.voters()[b.cfg.NodeID]; ok {
		return a
	}
	if adv, ok := b.cfg.InterBrokerListener(); ok {
		return adv.Addr()
	}
	return l.Addr()
}

// newChannel returns the broker-to-controller channel; local serves what
// this node's own controller decides when it is the active one.
func (b *Broker) newChannel(local func(context.Context, kmsg.Request) (kmsg.Response, bool)) *channel.Channel {
	return channel.New(channel.Config{
		NodeID: b.cfg.NodeID, Voters: b.voters(), Leader: b.quorum.LeaderID, Local: local,
		Logger: b.logger,
	})
}

// registration is this incarnation's BrokerRegistration request.
func (b *Broker) registration() kmsg.BrokerRegistrationRequest {
	req := kmsg.NewBrokerRegistrationRequest()
	req.BrokerID, req.ClusterID, req.IncarnationID = b.cfg.NodeID, b.clusterID, metadata.NewUUID()
	for _, l := range b.cfg.AdvertisedListeners {
		if b.isControllerListener(l.Name) {
			continue
		}
		rl := kmsg.NewBrokerRegistrationRequestListener()
		rl.Name, rl.Host, rl.Port, rl.SecurityProtocol = l.Name, l.Host, uint16(l.Port), securityProtocolID(l.Protocol)
		req.Listeners = append(req.Listeners, rl)
	}
	f := kmsg.NewBrokerRegistrationRequestFeature()
	f.Name, f.MinSupportedVersion, f.MaxSupportedVersion = metadata.MetadataVersionFeature, metadata.MetadataVersion40IV3, metadata.MetadataVersion40IV3
	req.Features = append(req.Features, f)
	if b.cfg.Rack != "" {
		req.Rack = &b.cfg.Rack
	}
	req.PreviousBrokerEpoch = -1
	return req
}

// maintain runs the active controller's periodic work (fencing brokers
// whose sessions expired, leaderless partitions, bootstrap records on a
// controller-only node) until ctx ends.
func (b *Broker) maintain(ctx context.Context) {
	every := min(time.Duration(b.cfg.BrokerSessionTimeoutMs)*time.Millisecond/10, 250*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !b.ctrl.Active() {
			continue
		}
		opCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if b.quorum.Image().MetadataVersion() == 0 {
			if err := b.ctrl.Bootstrap(opCtx); err != nil {
				b.logger.Debug("bootstrapping the metadata log", "err", err)
			}
		}
		if fenced, err := b.ctrl.Maintain(opCtx, time.Now()); err != nil {
			b.logger.Warn("controller maintenance failed", "err", err)
		} else if len(fenced) > 0 {
			b.logger.Info("fenced brokers whose sessions expired", "brokers", fenced)
		}
		cancel()
	}
}

// DescribeQuorum implements api.QuorumDescriber. The leader's log end
// offset is its last Raft index; a follower's is the metadata offset it
// last reported in a broker heartbeat (hashicorp/raft does not expose its
// followers' progress), -1 for a controller-only voter.
func (b *Broker) DescribeQuorum() api.QuorumDescription {
	s := b.quorum.State()
	d := api.QuorumDescription{LeaderID: s.LeaderID, LeaderEpoch: int32(s.Term), HighWatermark: int64(s.CommitIndex),
		VoterAddrs: b.voters(), ListenerName: b.cfg.ControllerListenerNames[0]}
	now := time.Now().UnixMilli()
	state := func(id int32) api.ReplicaState {
		if id == b.cfg.NodeID {
			return api.ReplicaState{ID: id, LogEndOffset: int64(s.LastIndex), LastFetchMs: now, LastCaughtUpMs: now}
		}
		rs := api.ReplicaState{ID: id, LogEndOffset: -1, LastFetchMs: -1, LastCaughtUpMs: -1}
		if b.ctrl != nil {
			if off, at, ok := b.ctrl.BrokerProgress(id); ok {
				rs.LogEndOffset, rs.LastFetchMs = off, at.UnixMilli()
				if off >= int64(s.CommitIndex) || off >= b.quorum.Image().Offset() {
					rs.LastCaughtUpMs = at.UnixMilli()
				}
			}
		}
		return rs
	}
	for _, id := range s.Voters {
		d.Voters = append(d.Voters, state(id))
	}
	for _, id := range s.Observers {
		d.Observers = append(d.Observers, state(id))
	}
	return d
}

// Channel is the broker-to-controller channel, for components that ask
// the controller (a partition leader's AlterPartition, say).
func (b *Broker) Channel() *channel.Channel { return b.ch }

// ActiveController reports whether this node is the active controller.
func (b *Broker) ActiveController() bool { return b.ctrl != nil && b.ctrl.Active() }

// BrokerEpoch is this broker's current registration epoch, -1 if none.
func (b *Broker) BrokerEpoch() int64 {
	if b.life == nil {
		return -1
	}
	return b.life.epoch.Load()
}

// Image is the node's current metadata image.
func (b *Broker) Image() *metadata.Image { return b.quorum.Image() }

// leaderImbalanceCheckInterval is how often the controller moves leaders
// back to preferred replicas: leader.imbalance.check.interval.seconds while
// auto.leader.rebalance.enable, else never (0). Kafka 4's controller does
// not use leader.imbalance.per.broker.percentage: any partition not led by
// its preferred replica is imbalanced.
func (b *Broker) leaderImbalanceCheckInterval() time.Duration {
	if !b.cfg.AutoLeaderRebalanceEnable {
		return 0
	}
	return time.Duration(b.cfg.LeaderImbalanceCheckIntervalSeconds) * time.Second
}
