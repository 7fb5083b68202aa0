package group

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/scripttest"
)

// The scripts in testdata/*.txt drive a Shard the way the coordinator
// runtime does, with a script clock that starts at 1000000000 ms. Each
// line is `command args => expected`. A request command prints what its
// Output holds: the records written, then the replies (to it or to
// requests parked earlier), `;`-separated, `-` for nothing. Requests are
// numbered r1, r2, ... in the order sent. After every line the log is
// replayed into a new shard, which must answer OffsetFetch for every
// group, and DescribeGroups and ListGroups for every group not in a
// rebalance, as the live one does.
//
// Requests (v: API version, default the newest served):
//
//	join g= c=client [m=member] [i=instance] [v=9] [st=session ms] [rt=rebalance ms]
//	     [type=consumer] [protos=range+roundrobin] [topics=t+u] [owned=t-0+u-1]
//	     [sv=subscription version] [host=/10.0.0.1]
//	                 owned (or sv) makes a v1+ ConsumerProtocolSubscription
//	sync g= m= gen= [i=] [v=5] [ptype=consumer|-] [proto=range|-] [assign=m:x,m2:@t-0+t-1]
//	                 @ makes a ConsumerProtocolAssignment, printed v0[t-0+t-1]
//	hb g= m= gen= [i=] [v=4]
//	leave g= [m=member (v0-2)] [ms=member,member/instance,/instance (v3+)] [v=5]
//	commit g= [gen=-1] [m=] [i=] [v=9] [ret=ms] offsets=t-0=5@epoch~metadata,t-1=6
//	fetch g=g1,g2 [parts=t-0,t-1] [v=9] [stable] [m=member e=epoch]  (v<8: one group)
//	describe g=g1,g2 [v=6] [ops]
//	list [states=Stable,empty] [types=classic] [v=5]
//	delete g=g1,g2 [v=2]
//	offsetdelete g= parts=t-0,t-1
//
// Others:
//
//	advance ms=N     move the clock, running Tick at each deadline on the way
//	cancel r=N       the client of request N went away
//	state g=         the classic group's live state
//	timers           pending timers, relative to now
//	restart          replace the shard with one rebuilt from the log
//	config key=value ...  Kafka config keys, before the first request
func TestScripts(t *testing.T) {
	scripttest.Run(t, "testdata/*.txt", func() scripttest.Runner {
		sc := &script{h: newHarness(DefaultConfig())}
		return sc.run
	})
}

type script struct {
	h *harness
}

func (sc *script) run(fields []string) (string, error) {
	if len(fields) == 0 {
		return "", errors.New("empty command")
	}
	a, err := parseArgs(fields[1:])
	if err != nil {
		return "", err
	}
	out, err := sc.command(fields[0], a)
	if err != nil {
		return "", err
	}
	if err := a.unused(); err != nil {
		return "", err
	}
	if err := sc.h.checkRebuild(); err != nil {
		return "", err
	}
	return out, nil
}

func (sc *script) command(name string, a args) (string, error) {
	if out, ok, err := sc.consumerCommand(name, a); ok {
		return out, err
	}
	if body, client, host, err := buildRequest(name, a); body != nil || err != nil {
		if err != nil {
			return "", err
		}
		_, replies, records, err := sc.h.send(body, client, host)
		if err != nil {
			return "", err
		}
		return fmtOutput(sc.h, records, replies), nil
	}
	switch name {
	case "advance":
		replies, records, err := sc.h.advance(time.Duration(a.int("ms", 0)) * time.Millisecond)
		if err != nil {
			return "", err
		}
		return fmtOutput(sc.h, records, replies), nil
	case "cancel":
		return "ok", sc.h.cancel(uint64(a.int("r", 0)))
	case "state":
		return fmtState(sc.h.s, a.str("g", "")), nil
	case "timers":
		return fmtTimers(sc.h), nil
	case "restart":
		return "ok", sc.h.restart()
	case "config":
		return "ok", sc.config(a)
	}
	return "", fmt.Errorf("unknown command %q", name)
}

// config sets Kafka config keys and starts over with an empty shard.
func (sc *script) config(a args) error {
	fields := map[string]*int32{
		"group.min.session.timeout.ms":      &sc.h.cfg.GroupMinSessionTimeoutMs,
		"group.max.session.timeout.ms":      &sc.h.cfg.GroupMaxSessionTimeoutMs,
		"group.initial.rebalance.delay.ms":  &sc.h.cfg.GroupInitialRebalanceDelayMs,
		"group.max.size":                    &sc.h.cfg.GroupMaxSize,
		"group.consumer.max.size":           &sc.h.cfg.GroupConsumerMaxSize,
		"group.consumer.session.timeout.ms": &sc.h.cfg.GroupConsumerSessionTimeoutMs,
		"offsets.retention.minutes":         &sc.h.cfg.OffsetsRetentionMinutes,
		"offset.metadata.max.bytes":         &sc.h.cfg.OffsetMetadataMaxBytes,
	}
	for k := range a.values {
		if k == "group.consumer.migration.policy" {
			sc.h.cfg.GroupConsumerMigrationPolicy = a.str(k, "")
			continue
		}
		if k == "group.consumer.assignors" {
			sc.h.cfg.GroupConsumerAssignors = a.list(k)
			continue
		}
		if k == "offsets.retention.check.interval.ms" {
			sc.h.cfg.OffsetsRetentionCheckIntervalMs = a.int(k, 0)
			continue
		}
		f, ok := fields[k]
		if !ok {
			return fmt.Errorf("unknown config key %q", k)
		}
		*f = int32(a.int(k, 0))
	}
	if len(sc.h.log) > 0 {
		return errors.New("config must come before the first request")
	}
	if err := sc.h.cfg.Validate(); err != nil {
		return err
	}
	sc.h.s = sc.h.newShard()
	return nil
}

// buildRequest makes the request of a request command; nil for others.
func buildRequest(name string, a args) (kmsg.Request, string, string, error) {
	switch name {
	case "join":
		return joinRequestOf(a), a.str("c", "client"), a.str("host", "/127.0.0.1"), nil
	case "sync":
		return syncRequestOf(a), "", "", nil
	case "hb":
		req := kmsg.NewPtrHeartbeatRequest()
		req.Version, req.Group, req.MemberID = int16(a.int("v", 4)), a.str("g", ""), a.str("m", "")
		req.Generation, req.InstanceID = int32(a.int("gen", -1)), a.optional("i")
		return req, "", "", nil
	case "leave":
		return leaveRequestOf(a), "", "", nil
	case "commit":
		req, err := commitRequestOf(a)
		return req, "", "", err
	case "fetch":
		req, err := fetchRequestOf(a)
		return req, "", "", err
	case "describe":
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Version, req.Groups, req.IncludeAuthorizedOperations = int16(a.int("v", 6)), a.list("g"), a.flag("ops")
		return req, "", "", nil
	case "list":
		req := kmsg.NewPtrListGroupsRequest()
		req.Version, req.StatesFilter, req.TypesFilter = int16(a.int("v", 5)), a.list("states"), a.list("types")
		return req, "", "", nil
	case "delete":
		req := kmsg.NewPtrDeleteGroupsRequest()
		req.Version, req.Groups = int16(a.int("v", 2)), a.list("g")
		return req, "", "", nil
	case "offsetdelete":
		req, err := offsetDeleteRequestOf(a)
		return req, "", "", err
	}
	return nil, "", "", nil
}

func joinRequestOf(a args) *kmsg.JoinGroupRequest {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version, req.Group, req.MemberID = int16(a.int("v", 9)), a.str("g", ""), a.str("m", "")
	req.InstanceID = a.optional("i")
	req.SessionTimeoutMillis = int32(a.int("st", 10000))
	req.RebalanceTimeoutMillis = int32(a.int("rt", 30000))
	req.ProtocolType = a.str("type", "consumer")
	meta := subscription(strings.Split(a.str("topics", "t"), "+"))
	if owned, ok := a.get("owned"); ok || a.has("sv") {
		meta = subscriptionOwning(strings.Split(a.str("topics", "t"), "+"), owned, int16(a.int("sv", 1)))
	}
	if raw, ok := a.get("meta"); ok {
		meta = []byte(raw)
	}
	if protos := a.str("protos", "range"); protos != "" {
		for _, name := range strings.Split(protos, "+") {
			req.Protocols = append(req.Protocols, kmsg.JoinGroupRequestProtocol{Name: name, Metadata: meta})
		}
	}
	return req
}

// subscription is a version 0 ConsumerProtocolSubscription.
func subscription(topics []string) []byte {
	m := kmsg.NewConsumerMemberMetadata()
	m.Version, m.Topics = 0, topics
	return m.AppendTo(nil)
}

// subscriptionOwning is a ConsumerProtocolSubscription of a version that
// lists owned partitions (t-0+t-1).
func subscriptionOwning(topics []string, owned string, version int16) []byte {
	m := kmsg.NewConsumerMemberMetadata()
	m.Version, m.Topics = version, topics
	for _, spec := range strings.Split(owned, "+") {
		if spec == "" {
			continue
		}
		topic, p, err := splitTP(spec)
		if err != nil {
			panic(err)
		}
		if n := len(m.OwnedPartitions); n > 0 && m.OwnedPartitions[n-1].Topic == topic {
			m.OwnedPartitions[n-1].Partitions = append(m.OwnedPartitions[n-1].Partitions, p)
			continue
		}
		m.OwnedPartitions = append(m.OwnedPartitions, kmsg.ConsumerMemberMetadataOwnedPartition{Topic: topic, Partitions: []int32{p}})
	}
	return m.AppendTo(nil)
}

// assignmentBytes is a sync command's assignment: @t-0+t-1 is a v0
// ConsumerProtocolAssignment, anything else plain text.
func assignmentBytes(spec string) []byte {
	parts, ok := strings.CutPrefix(spec, "@")
	if !ok {
		return []byte(spec)
	}
	a := kmsg.NewConsumerMemberAssignment()
	for _, tp := range strings.Split(parts, "+") {
		if tp == "" {
			continue
		}
		topic, p, err := splitTP(tp)
		if err != nil {
			panic(err)
		}
		if n := len(a.Topics); n > 0 && a.Topics[n-1].Topic == topic {
			a.Topics[n-1].Partitions = append(a.Topics[n-1].Partitions, p)
			continue
		}
		a.Topics = append(a.Topics, kmsg.ConsumerMemberAssignmentTopic{Topic: topic, Partitions: []int32{p}})
	}
	return a.AppendTo(nil)
}

func syncRequestOf(a args) *kmsg.SyncGroupRequest {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID = int16(a.int("v", 5)), a.str("g", ""), a.str("m", "")
	req.Generation, req.InstanceID = int32(a.int("gen", -1)), a.optional("i")
	if req.Version >= 5 {
		req.ProtocolType, req.Protocol = dashNil(a.str("ptype", "consumer")), dashNil(a.str("proto", "range"))
	}
	for _, spec := range a.list("assign") {
		member, assignment, _ := strings.Cut(spec, ":")
		req.GroupAssignment = append(req.GroupAssignment,
			kmsg.SyncGroupRequestGroupAssignment{MemberID: member, MemberAssignment: assignmentBytes(assignment)})
	}
	return req
}

func dashNil(s string) *string {
	if s == "-" {
		return nil
	}
	return &s
}

func leaveRequestOf(a args) *kmsg.LeaveGroupRequest {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group, req.MemberID = int16(a.int("v", 5)), a.str("g", ""), a.str("m", "")
	for _, spec := range a.list("ms") {
		member, instance, static := strings.Cut(spec, "/")
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID = member
		if static {
			lm.InstanceID = &instance
		}
		req.Members = append(req.Members, lm)
	}
	return req
}

func commitRequestOf(a args) (*kmsg.OffsetCommitRequest, error) {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.MemberID = int16(a.int("v", 9)), a.str("g", ""), a.str("m", "")
	req.Generation, req.InstanceID = int32(a.int("gen", -1)), a.optional("i")
	req.RetentionTimeMillis = a.int("ret", -1)
	for _, spec := range a.list("offsets") {
		tp, rest, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("offset %q: want topic-partition=offset", spec)
		}
		topic, partition, err := splitTP(tp)
		if err != nil {
			return nil, err
		}
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition = partition
		rest, meta, hasMeta := strings.Cut(rest, "~")
		if hasMeta {
			p.Metadata = &meta
		}
		off, epoch, hasEpoch := strings.Cut(rest, "@")
		if p.Offset, err = strconv.ParseInt(off, 10, 64); err != nil {
			return nil, err
		}
		if hasEpoch {
			e, err := strconv.ParseInt(epoch, 10, 32)
			if err != nil {
				return nil, err
			}
			p.LeaderEpoch = int32(e)
		}
		req.Topics = addCommitPartition(req.Topics, topic, p)
	}
	return req, nil
}

func addCommitPartition(ts []kmsg.OffsetCommitRequestTopic, topic string, p kmsg.OffsetCommitRequestTopicPartition) []kmsg.OffsetCommitRequestTopic {
	if n := len(ts); n > 0 && ts[n-1].Topic == topic {
		ts[n-1].Partitions = append(ts[n-1].Partitions, p)
		return ts
	}
	t := kmsg.NewOffsetCommitRequestTopic()
	t.Topic, t.Partitions = topic, []kmsg.OffsetCommitRequestTopicPartition{p}
	return append(ts, t)
}

func fetchRequestOf(a args) (*kmsg.OffsetFetchRequest, error) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version, req.RequireStable = int16(a.int("v", 9)), a.flag("stable")
	parts, all := a.list("parts"), !a.has("parts")
	type topicParts struct {
		name  string
		parts []int32
	}
	var topics []topicParts
	for _, spec := range parts {
		topic, p, err := splitTP(spec)
		if err != nil {
			return nil, err
		}
		if n := len(topics); n > 0 && topics[n-1].name == topic {
			topics[n-1].parts = append(topics[n-1].parts, p)
		} else {
			topics = append(topics, topicParts{topic, []int32{p}})
		}
	}
	if req.Version < 8 {
		req.Group = a.str("g", "")
		if !all {
			req.Topics = []kmsg.OffsetFetchRequestTopic{}
			for _, t := range topics {
				req.Topics = append(req.Topics, kmsg.OffsetFetchRequestTopic{Topic: t.name, Partitions: t.parts})
			}
		}
		return req, nil
	}
	member, epoch := a.optional("m"), int32(a.int("e", -1))
	for _, g := range a.list("g") {
		rg := kmsg.NewOffsetFetchRequestGroup()
		rg.Group, rg.MemberID, rg.MemberEpoch = g, member, epoch
		if !all {
			rg.Topics = []kmsg.OffsetFetchRequestGroupTopic{}
			for _, t := range topics {
				rg.Topics = append(rg.Topics, kmsg.OffsetFetchRequestGroupTopic{Topic: t.name, Partitions: t.parts})
			}
		}
		req.Groups = append(req.Groups, rg)
	}
	return req, nil
}

func offsetDeleteRequestOf(a args) (*kmsg.OffsetDeleteRequest, error) {
	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = a.str("g", "")
	for _, spec := range a.list("parts") {
		topic, p, err := splitTP(spec)
		if err != nil {
			return nil, err
		}
		if n := len(req.Topics); n > 0 && req.Topics[n-1].Topic == topic {
			req.Topics[n-1].Partitions = append(req.Topics[n-1].Partitions, kmsg.OffsetDeleteRequestTopicPartition{Partition: p})
			continue
		}
		req.Topics = append(req.Topics, kmsg.OffsetDeleteRequestTopic{
			Topic: topic, Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: p}},
		})
	}
	return req, nil
}

// splitTP splits "topic-3" at its last dash.
func splitTP(s string) (string, int32, error) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", 0, fmt.Errorf("%q is not topic-partition", s)
	}
	p, err := strconv.ParseInt(s[i+1:], 10, 32)
	return s[:i], int32(p), err
}

// args are a command's key=value arguments; a bare word is a flag. Every
// argument must be used.
type args struct {
	values map[string]string
	used   map[string]bool
}

func parseArgs(fields []string) (args, error) {
	a := args{values: map[string]string{}, used: map[string]bool{}}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		if _, dup := a.values[k]; dup {
			return a, fmt.Errorf("argument %q given twice", k)
		}
		a.values[k] = v
	}
	return a, nil
}

func (a args) get(k string) (string, bool) {
	v, ok := a.values[k]
	a.used[k] = true
	return v, ok
}

func (a args) has(k string) bool  { _, ok := a.get(k); return ok }
func (a args) flag(k string) bool { return a.has(k) }

func (a args) str(k, def string) string {
	if v, ok := a.get(k); ok {
		return v
	}
	return def
}

func (a args) optional(k string) *string {
	if v, ok := a.get(k); ok {
		return &v
	}
	return nil
}

func (a args) int(k string, def int64) int64 {
	v, ok := a.get(k)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("argument %s=%q is not a number", k, v))
	}
	return n
}

func (a args) list(k string) []string {
	v, ok := a.get(k)
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func (a args) unused() error {
	for k := range a.values {
		if !a.used[k] {
			return fmt.Errorf("argument %q is not used by this command", k)
		}
	}
	return nil
}
