package broker_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/testcluster"
	"github.com/spoolhq/spool/internal/wirecheck"
)

// FuzzRequestFrames sends arbitrary request frames to a live broker over
// TCP. Each frame must be answered or make the broker close the
// connection; no handler may panic (the network layer recovers panics and
// logs them, which this test watches for); and afterwards the broker must
// still take a produce and serve it back.
//
// The seeds are valid requests of the APIs Spool serves at several
// versions, and damaged copies of them. Run the fuzzer with
//
//	go test -run XXX -fuzz FuzzRequestFrames -fuzztime 120s ./internal/broker/
func FuzzRequestFrames(f *testing.F) {
	fb := startFuzzBroker(f)
	for _, seed := range fb.seeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if err := fb.exchange(tame(frame, fb.probeID)); err != nil {
			t.Fatalf("frame %x: %v", frame, err)
		}
		if p := fb.watch.take(); p != nil {
			t.Fatalf("frame %x made a handler panic: %s", frame, p)
		}
		if err := fb.probe(); err != nil {
			t.Fatalf("after frame %x the broker no longer serves produce and fetch: %v", frame, err)
		}
	})
}

// fuzzBroker is the broker under fuzz, with a connection for probes.
type fuzzBroker struct {
	addr    string
	watch   *panicWatch
	fuzzID  [16]byte // the topic seeds write to and read from
	probeID [16]byte // the topic probes use, protected from deletion

	mu    sync.Mutex
	conn  net.Conn
	corr  int32
	count int
}

func startFuzzBroker(f *testing.F) *fuzzBroker {
	f.Helper()
	dir := f.TempDir()
	port, ctrlPort := testcluster.FreePort(f), testcluster.FreePort(f)
	props := map[string]string{
		"node.id":                   "1",
		"process.roles":             "broker,controller",
		"listeners":                 fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, ctrlPort),
		"advertised.listeners":      fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port),
		"controller.quorum.voters":  fmt.Sprintf("1@127.0.0.1:%d", ctrlPort),
		"log.dirs":                  dir + "/data",
		"spool.metrics.address":     "",
		"auto.create.topics.enable": "false",
		// Fuzzed fetches read at most this much, however much the fuzzed
		// produces wrote.
		"fetch.max.bytes":          "65536",
		"socket.request.max.bytes": "1048576",
	}
	cfg, _, err := config.Parse(props)
	if err != nil {
		f.Fatal(err)
	}
	watch := &panicWatch{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := broker.Start(ctx, cfg, slog.New(watch))
	if err != nil {
		f.Fatal(err)
	}
	fb := &fuzzBroker{addr: b.Addr("PLAINTEXT").String(), watch: watch}
	f.Cleanup(func() {
		fb.mu.Lock()
		if fb.conn != nil {
			fb.conn.Close()
		}
		fb.mu.Unlock()
		if err := b.Close(); err != nil {
			f.Errorf("close broker: %v", err)
		}
	})
	fb.fuzzID = fb.createTopic(f, "fuzz", 2)
	fb.probeID = fb.createTopic(f, "probe", 1)
	if err := fb.probe(); err != nil {
		f.Fatal(err)
	}
	return fb
}

func (fb *fuzzBroker) createTopic(f *testing.F, name string, partitions int32) [16]byte {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = 7
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, 1
	req.Topics = append(req.Topics, rt)
	resp, err := fb.roundTrip(req)
	if err != nil {
		f.Fatal(err)
	}
	got := resp.(*kmsg.CreateTopicsResponse).Topics[0]
	if got.ErrorCode != 0 {
		f.Fatalf("create %s: %v", name, kerr.ErrorForCode(got.ErrorCode))
	}
	testcluster.CheckFor(f, 10*time.Second, func() error {
		for p := range partitions {
			lo := kmsg.NewPtrListOffsetsRequest()
			lo.Version = 9
			lt := kmsg.NewListOffsetsRequestTopic()
			lt.Topic = name
			lp := kmsg.NewListOffsetsRequestTopicPartition()
			lp.Partition, lp.Timestamp = p, -1
			lt.Partitions = append(lt.Partitions, lp)
			lo.Topics = append(lo.Topics, lt)
			resp, err := fb.roundTrip(lo)
			if err != nil {
				return err
			}
			if code := resp.(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0].ErrorCode; code != 0 {
				return kerr.ErrorForCode(code)
			}
		}
		return nil
	})
	return got.TopicID
}

// roundTrip sends req at its version on the probe connection.
func (fb *fuzzBroker) roundTrip(req kmsg.Request) (kmsg.Response, error) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.conn == nil {
		c, err := net.DialTimeout("tcp", fb.addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		fb.conn = c
	}
	resp, err := fb.roundTripLocked(req)
	if err != nil {
		fb.conn.Close()
		fb.conn = nil
	}
	return resp, err
}

func (fb *fuzzBroker) roundTripLocked(req kmsg.Request) (kmsg.Response, error) {
	fb.corr++
	frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz-probe")).AppendRequest(nil, req, fb.corr)
	fb.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fb.conn.Write(frame); err != nil {
		return nil, err
	}
	body, err := readFrameBody(fb.conn)
	if err != nil {
		return nil, err
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != fb.corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, fb.corr)
	}
	body = body[4:]
	resp := req.ResponseKind()
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		body = body[1:]
	}
	return resp, resp.ReadFrom(body)
}

func readFrameBody(c net.Conn) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 64<<20 {
		return nil, fmt.Errorf("response of %d bytes", n)
	}
	body := make([]byte, n)
	_, err := io.ReadFull(c, body)
	return body, err
}

// probe writes one record to the probe topic and reads it back.
func (fb *fuzzBroker) probe() error {
	fb.mu.Lock()
	fb.count++
	value := fmt.Appendf(nil, "probe-%d", fb.count)
	fb.mu.Unlock()
	bl := record.NewBuilder()
	bl.Append(time.Now().UnixMilli(), []byte("k"), value)
	b, err := bl.Build()
	if err != nil {
		return err
	}
	pr := kmsg.NewPtrProduceRequest()
	pr.Version, pr.Acks, pr.TimeoutMillis = 9, -1, 5000
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = "probe"
	pp := kmsg.NewProduceRequestTopicPartition()
	pp.Records = b
	pt.Partitions = append(pt.Partitions, pp)
	pr.Topics = append(pr.Topics, pt)
	resp, err := fb.roundTrip(pr)
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	prp := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
	if prp.ErrorCode != 0 {
		return fmt.Errorf("produce: %w", kerr.ErrorForCode(prp.ErrorCode))
	}
	fr := kmsg.NewPtrFetchRequest()
	fr.Version, fr.MaxBytes, fr.SessionEpoch = 12, 1<<20, -1
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "probe"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.FetchOffset, fp.PartitionMaxBytes = prp.BaseOffset, 1<<20
	ft.Partitions = append(ft.Partitions, fp)
	fr.Topics = append(fr.Topics, ft)
	resp, err = fb.roundTrip(fr)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	frp := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
	if frp.ErrorCode != 0 {
		return fmt.Errorf("fetch at %d: %w", prp.BaseOffset, kerr.ErrorForCode(frp.ErrorCode))
	}
	got, _, err := record.Peek(frp.RecordBatches)
	if err != nil {
		return fmt.Errorf("fetch at %d: %w", prp.BaseOffset, err)
	}
	var rd record.Reader
	defer rd.Close()
	rd.Reset(got, record.DefaultMaxDecompressedBytes)
	for rd.Next() {
		if r := rd.Record(); r.Offset == prp.BaseOffset {
			if string(r.Value) != string(value) {
				return fmt.Errorf("fetch at %d: value %q, want %q", r.Offset, r.Value, value)
			}
			return nil
		}
	}
	return fmt.Errorf("fetch at %d: record not found (%v)", prp.BaseOffset, rd.Err())
}

// sentinel is the correlation id of the ApiVersions request that follows
// each fuzzed frame, so that a request without an answer (acks=0) is not
// mistaken for a hung connection.
const sentinel = int32(0x5EED5EED)

var sentinelFrame = kmsg.NewRequestFormatter().AppendRequest(nil, kmsg.NewPtrApiVersionsRequest(), sentinel)

// exchange sends frame on a new connection and waits until the broker has
// answered it or closed the connection.
func (fb *fuzzBroker) exchange(frame []byte) error {
	c, err := net.DialTimeout("tcp", fb.addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	out := binary.BigEndian.AppendUint32(nil, uint32(len(frame)))
	out = append(out, frame...)
	out = append(out, sentinelFrame...)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(out); err != nil {
		return nil // closed while we wrote
	}
	for range 3 {
		body, err := readFrameBody(c)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return errors.New("the broker neither answered nor closed the connection")
		case err != nil && strings.Contains(err.Error(), "response of"):
			return err
		case err != nil:
			return nil // closed
		case int32(binary.BigEndian.Uint32(body)) == sentinel:
			return nil
		}
	}
	return errors.New("more than one answer to one request")
}

// tame rewrites the frames that would change the broker under the fuzzer's
// feet or park the connection: long polls are cut to 50 ms, admin requests
// that change topics or configs become validate-only, and DeleteTopics
// never names the probe topic. Frames that do not decode go out as they
// are.
func tame(frame []byte, probeID [16]byte) []byte {
	key, version, body, ok := splitHeader(frame)
	if !ok {
		return frame
	}
	switch key {
	case 1, 19, 20, 33, 37, 44:
	default:
		return frame
	}
	req := kmsg.RequestForKey(key)
	if version < 0 || version > req.MaxVersion() {
		return frame
	}
	req.SetVersion(version)
	// The broker refuses what wirecheck refuses; decoding it here with kmsg
	// could spin the test process on a tagged-field count.
	if wirecheck.Request(key, version, body) != nil {
		return frame
	}
	if err := req.ReadFrom(body); err != nil {
		return frame
	}
	switch r := req.(type) {
	case *kmsg.FetchRequest:
		r.MaxWaitMillis = min(r.MaxWaitMillis, 50)
	case *kmsg.CreateTopicsRequest:
		r.ValidateOnly = true
	case *kmsg.AlterConfigsRequest:
		r.ValidateOnly = true
	case *kmsg.CreatePartitionsRequest:
		r.ValidateOnly = true
	case *kmsg.IncrementalAlterConfigsRequest:
		r.ValidateOnly = true
	case *kmsg.DeleteTopicsRequest:
		for i, n := range r.TopicNames {
			if n == "probe" {
				r.TopicNames[i] = "not-probe"
			}
		}
		for i := range r.Topics {
			if r.Topics[i].Topic != nil && *r.Topics[i].Topic == "probe" {
				r.Topics[i].Topic = kmsg.StringPtr("not-probe")
			}
			if r.Topics[i].TopicID == probeID {
				r.Topics[i].TopicID = [16]byte{}
			}
		}
	}
	head := frame[:len(frame)-len(body)]
	return req.AppendTo(append([]byte(nil), head...))
}

// splitHeader finds the body of a request frame, reading the header as the
// broker does: a v2 header (with tagged fields) for flexible versions.
func splitHeader(frame []byte) (key, version int16, body []byte, ok bool) {
	if len(frame) < 10 {
		return 0, 0, nil, false
	}
	key, version = int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:]))
	idLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
	rest := frame[10:]
	if idLen > 0 {
		if idLen > len(rest) {
			return 0, 0, nil, false
		}
		rest = rest[idLen:]
	}
	req := kmsg.RequestForKey(key)
	if req == nil {
		return 0, 0, nil, false
	}
	req.SetVersion(version)
	if !req.IsFlexible() {
		return key, version, rest, true
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 {
		return 0, 0, nil, false
	}
	rest = rest[k:]
	for range n {
		if _, k = binary.Uvarint(rest); k <= 0 {
			return 0, 0, nil, false
		}
		rest = rest[k:]
		size, k := binary.Uvarint(rest)
		if k <= 0 || size > uint64(len(rest)-k) {
			return 0, 0, nil, false
		}
		rest = rest[k+int(size):]
	}
	return key, version, rest, true
}

// panicWatch is a slog handler that keeps the broker's reports of
// recovered panics.
type panicWatch struct {
	mu     sync.Mutex
	panics []string
}

func (w *panicWatch) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (w *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "panic") {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, "\n%s: %v", a.Key, a.Value)
		return true
	})
	w.mu.Lock()
	w.panics = append(w.panics, b.String())
	w.mu.Unlock()
	return nil
}

func (w *panicWatch) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *panicWatch) WithGroup(string) slog.Handler      { return w }

// take returns and forgets the panics reported so far.
func (w *panicWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.panics
	w.panics = nil
	return p
}

// seeds are valid requests of every API the broker serves, at several
// versions, and damaged copies: cut short, a byte flipped, a version past
// the newest, a huge array count.
func (fb *fuzzBroker) seeds(f *testing.F) [][]byte {
	f.Helper()
	var reqs []kmsg.Request
	add := func(versions []int16, build func(v int16) kmsg.Request) {
		for _, v := range versions {
			r := build(v)
			r.SetVersion(v)
			reqs = append(reqs, r)
		}
	}
	plain := batchBytes(f, func(*record.Builder) {})
	gzip := batchBytes(f, func(bl *record.Builder) { bl.Codec = record.CodecGzip })
	idem := batchBytes(f, func(bl *record.Builder) { bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 0, 0, 0 })

	add([]int16{0, 3, 4}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrApiVersionsRequest()
		r.ClientSoftwareName, r.ClientSoftwareVersion = "fuzz", "1.0"
		return r
	})
	add([]int16{0, 1, 4, 9, 12, 13}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrMetadataRequest()
		t := kmsg.NewMetadataRequestTopic()
		if v >= 12 {
			t.TopicID = fb.fuzzID
		} else {
			t.Topic = kmsg.StringPtr("fuzz")
		}
		r.Topics = append(r.Topics, t)
		r.IncludeTopicAuthorizedOperations = v >= 8
		return r
	})
	for _, records := range [][]byte{plain, gzip, idem} {
		add([]int16{3, 7, 9, 13}, func(v int16) kmsg.Request {
			r := kmsg.NewPtrProduceRequest()
			r.Acks, r.TimeoutMillis = -1, 1000
			if v == 7 {
				r.Acks = 0
			}
			t := kmsg.NewProduceRequestTopic()
			t.Topic, t.TopicID = "fuzz", fb.fuzzID
			p := kmsg.NewProduceRequestTopicPartition()
			p.Partition, p.Records = 1, records
			t.Partitions = append(t.Partitions, p)
			r.Topics = append(r.Topics, t)
			return r
		})
	}
	add([]int16{4, 7, 11, 12, 13, 15, 17, 18}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrFetchRequest()
		r.MaxWaitMillis, r.MinBytes, r.MaxBytes, r.IsolationLevel = 10, 1, 1<<20, int8(v%2)
		r.SessionID, r.SessionEpoch = 0, 0
		t := kmsg.NewFetchRequestTopic()
		t.Topic, t.TopicID = "fuzz", fb.fuzzID
		for p := range int32(3) {
			fp := kmsg.NewFetchRequestTopicPartition()
			fp.Partition, fp.PartitionMaxBytes, fp.FetchOffset = p, 1<<16, int64(p)
			t.Partitions = append(t.Partitions, fp)
		}
		r.Topics = append(r.Topics, t)
		ft := kmsg.NewFetchRequestForgottenTopic()
		ft.Topic, ft.TopicID, ft.Partitions = "fuzz", fb.fuzzID, []int32{1}
		r.ForgottenTopics = append(r.ForgottenTopics, ft)
		return r
	})
	add([]int16{1, 4, 7, 9, 10}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrListOffsetsRequest()
		t := kmsg.NewListOffsetsRequestTopic()
		t.Topic = "fuzz"
		for i, ts := range []int64{-1, -2, -3, -4, -5, 1000} {
			p := kmsg.NewListOffsetsRequestTopicPartition()
			p.Partition, p.Timestamp, p.CurrentLeaderEpoch = int32(i%2), ts, 0
			t.Partitions = append(t.Partitions, p)
		}
		r.Topics = append(r.Topics, t)
		return r
	})
	add([]int16{2, 4}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrOffsetForLeaderEpochRequest()
		t := kmsg.NewOffsetForLeaderEpochRequestTopic()
		t.Topic = "fuzz"
		p := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		p.LeaderEpoch, p.CurrentLeaderEpoch = 0, 0
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	})
	add([]int16{0, 2}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDeleteRecordsRequest()
		t := kmsg.NewDeleteRecordsRequestTopic()
		t.Topic = "fuzz"
		p := kmsg.NewDeleteRecordsRequestTopicPartition()
		p.Offset = 0
		t.Partitions = append(t.Partitions, p)
		r.Topics, r.TimeoutMillis = append(r.Topics, t), 1000
		return r
	})
	add([]int16{0, 5}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrInitProducerIDRequest()
		r.TransactionTimeoutMillis = 1000
		return r
	})
	add([]int16{0}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDescribeProducersRequest()
		t := kmsg.NewDescribeProducersRequestTopic()
		t.Topic, t.Partitions = "fuzz", []int32{0, 1, 2}
		r.Topics = append(r.Topics, t)
		return r
	})
	add([]int16{1, 4}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDescribeLogDirsRequest()
		if v == 4 {
			t := kmsg.NewDescribeLogDirsRequestTopic()
			t.Topic, t.Partitions = "fuzz", []int32{0, 1}
			r.Topics = append(r.Topics, t)
		}
		return r
	})
	add([]int16{2, 7}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrCreateTopicsRequest()
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = "fuzz-new", 2, 1
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = "cleanup.policy", kmsg.StringPtr("compact")
		t.Configs = append(t.Configs, c)
		r.Topics, r.ValidateOnly, r.TimeoutMillis = append(r.Topics, t), true, 1000
		return r
	})
	add([]int16{1, 6}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDeleteTopicsRequest()
		r.TopicNames = []string{"nope"}
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = kmsg.StringPtr("nope")
		r.Topics, r.TimeoutMillis = append(r.Topics, t), 1000
		return r
	})
	add([]int16{0, 3}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrCreatePartitionsRequest()
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = "fuzz", 4
		r.Topics, r.ValidateOnly, r.TimeoutMillis = append(r.Topics, t), true, 1000
		return r
	})
	add([]int16{1, 4}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDescribeConfigsRequest()
		for _, res := range []struct {
			typ  kmsg.ConfigResourceType
			name string
		}{{kmsg.ConfigResourceTypeTopic, "fuzz"}, {kmsg.ConfigResourceTypeBroker, "1"}, {kmsg.ConfigResourceTypeBroker, ""}} {
			rr := kmsg.NewDescribeConfigsRequestResource()
			rr.ResourceType, rr.ResourceName = res.typ, res.name
			r.Resources = append(r.Resources, rr)
		}
		r.IncludeSynonyms, r.IncludeDocumentation = true, true
		return r
	})
	add([]int16{0, 2}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrAlterConfigsRequest()
		rr := kmsg.NewAlterConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, "fuzz"
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = "retention.ms", kmsg.StringPtr("1000")
		rr.Configs = append(rr.Configs, c)
		r.Resources, r.ValidateOnly = append(r.Resources, rr), true
		return r
	})
	add([]int16{0, 1}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrIncrementalAlterConfigsRequest()
		rr := kmsg.NewIncrementalAlterConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeBroker, "1"
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = "log.cleaner.threads", kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr("2")
		rr.Configs = append(rr.Configs, c)
		r.Resources, r.ValidateOnly = append(r.Resources, rr), true
		return r
	})
	add([]int16{0, 2}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDescribeClusterRequest()
		r.IncludeClusterAuthorizedOperations = true
		return r
	})
	add([]int16{0}, func(v int16) kmsg.Request {
		r := kmsg.NewPtrDescribeTopicPartitionsRequest()
		t := kmsg.NewDescribeTopicPartitionsRequestTopic()
		t.Topic = "fuzz"
		r.Topics, r.ResponsePartitionLimit = append(r.Topics, t), 1
		return r
	})

	var out [][]byte
	for i, r := range reqs {
		sized := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz")).AppendRequest(nil, r, int32(i+1))
		frame := sized[4:]
		out = append(out, frame, frame[:len(frame)/2])
		flipped := append([]byte(nil), frame...)
		flipped[len(flipped)*2/3] ^= 0x80
		bumped := append([]byte(nil), frame...)
		binary.BigEndian.PutUint16(bumped[2:], uint16(r.MaxVersion()+1))
		out = append(out, flipped, bumped)
		if _, _, body, ok := splitHeader(frame); ok && len(body) >= 4 {
			huge := append([]byte(nil), frame...)
			copy(huge[len(frame)-len(body):], []byte{0x7f, 0xff, 0xff, 0xff})
			out = append(out, huge)
		}
	}
	return out
}

func batchBytes(f *testing.F, set func(*record.Builder)) []byte {
	bl := record.NewBuilder()
	set(bl)
	for i := range 3 {
		bl.Append(time.Now().UnixMilli(), fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i))
	}
	b, err := bl.Build()
	if err != nil {
		f.Fatal(err)
	}
	return b
}
