package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/channel"
	"github.com/spoolhq/spool/internal/metadata"
)

// lifecycle is the broker side of Kafka's broker lifecycle
// (BrokerLifecycleManager): it registers this incarnation with the active
// controller, heartbeats every broker.heartbeat.interval.ms with how far it
// has replayed the metadata log, waits to be unfenced, and on controlled
// shutdown heartbeats until the controller has moved its leaderships away.
type lifecycle struct {
	ch           *channel.Channel
	image        func() *metadata.Image
	log          *slog.Logger
	interval     time.Duration
	reg          kmsg.BrokerRegistrationRequest
	epoch        atomic.Int64
	fenced       atomic.Bool
	wantFence    atomic.Bool
	wantShutdown atomic.Bool
	// shutdownOK is closed when the controller lets the broker shut down.
	shutdownOK chan struct{}
}

func newLifecycle(ch *channel.Channel, image func() *metadata.Image, log *slog.Logger, interval time.Duration,
	reg kmsg.BrokerRegistrationRequest) *lifecycle {
	l := &lifecycle{ch: ch, image: image, log: log.With("component", "lifecycle"), interval: interval, reg: reg,
		shutdownOK: make(chan struct{})}
	l.epoch.Store(-1)
	l.fenced.Store(true)
	return l
}

// register registers this incarnation, retrying retriable errors (the
// controller not found yet, a previous incarnation's session still alive)
// until ctx ends.
func (l *lifecycle) register(ctx context.Context) error {
	for {
		req := l.reg
		req.SetVersion(4)
		req.PreviousBrokerEpoch = l.epoch.Load()
		resp, err := l.ch.Send(ctx, &req)
		if err == nil {
			r := resp.(*kmsg.BrokerRegistrationResponse)
			if r.ErrorCode == 0 {
				l.epoch.Store(r.BrokerEpoch)
				l.log.Info("registered with the controller", "broker_epoch", r.BrokerEpoch)
				return nil
			}
			err = kerr.ErrorForCode(r.ErrorCode)
			if !errors.Is(err, kerr.DuplicateBrokerRegistration) && !kerr.IsRetriable(err) {
				return fmt.Errorf("register broker: %w", err)
			}
		}
		l.log.Info("registration not accepted yet; retrying", "err", err)
		if perr := pause(ctx, l.retryDelay()); perr != nil {
			return fmt.Errorf("register broker: %w (last error: %v)", perr, err)
		}
	}
}

func (l *lifecycle) retryDelay() time.Duration { return min(l.interval, 250*time.Millisecond) }

// heartbeat sends one heartbeat and records what the controller said.
func (l *lifecycle) heartbeat(ctx context.Context) (*kmsg.BrokerHeartbeatResponse, error) {
	req := kmsg.NewPtrBrokerHeartbeatRequest()
	req.SetVersion(1)
	req.BrokerID, req.BrokerEpoch = l.reg.BrokerID, l.epoch.Load()
	req.CurrentMetadataOffset = l.image().Offset()
	req.WantFence, req.WantShutdown = l.wantFence.Load(), l.wantShutdown.Load()
	ctx, cancel := context.WithTimeout(ctx, max(l.interval, time.Second))
	defer cancel()
	resp, err := l.ch.Send(ctx, req)
	if err != nil {
		return nil, err
	}
	r := resp.(*kmsg.BrokerHeartbeatResponse)
	if r.ErrorCode != 0 {
		return r, kerr.ErrorForCode(r.ErrorCode)
	}
	if was := l.fenced.Swap(r.IsFenced); was != r.IsFenced {
		l.log.Info("fencing changed", "fenced", r.IsFenced)
	}
	if r.ShouldShutdown {
		select {
		case <-l.shutdownOK:
		default:
			close(l.shutdownOK)
		}
	}
	return r, nil
}

// waitUnfenced heartbeats quickly until the controller unfences the
// broker (it has replayed the log up to its registration).
func (l *lifecycle) waitUnfenced(ctx context.Context) error {
	for {
		r, err := l.heartbeat(ctx)
		if err == nil && !r.IsFenced {
			return nil
		}
		if err != nil {
			l.log.Debug("heartbeat failed while waiting to be unfenced", "err", err)
		}
		if err := pause(ctx, 10*time.Millisecond); err != nil {
			return fmt.Errorf("wait to be unfenced: %w", err)
		}
	}
}

// run heartbeats every interval until ctx ends. A heartbeat the controller
// refuses because it no longer knows this incarnation's epoch (it was
// unregistered, or the metadata was restored) registers again.
func (l *lifecycle) run(ctx context.Context) {
	next := l.interval
	for {
		if err := pause(ctx, next); err != nil {
			return
		}
		next = l.interval
		_, err := l.heartbeat(ctx)
		switch {
		case err == nil:
		case errors.Is(err, kerr.StaleBrokerEpoch), errors.Is(err, kerr.BrokerIDNotRegistered):
			l.log.Warn("the controller does not know this broker's epoch; registering again", "err", err)
			if err := l.register(ctx); err != nil {
				l.log.Warn("registering again failed", "err", err)
			}
			next = 0
		case ctx.Err() == nil:
			l.log.Warn("heartbeat failed", "err", err)
			next = l.retryDelay()
		}
	}
}

// controlledShutdown asks the controller to move leaderships away and
// waits until it lets the broker go, or ctx ends. Heartbeats go out every
// 50ms meanwhile rather than every interval, so that shutdown is quick.
func (l *lifecycle) controlledShutdown(ctx context.Context) error {
	l.wantShutdown.Store(true)
	for {
		if _, err := l.heartbeat(ctx); err != nil {
			l.log.Debug("controlled shutdown heartbeat failed", "err", err)
		}
		select {
		case <-l.shutdownOK:
			l.log.Info("the controller moved this broker's leaderships away: shutting down")
			return nil
		default:
		}
		if err := pause(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("controlled shutdown: %w", err)
		}
	}
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
