package broker_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// scrape is one parsed /metrics page.
type scrape map[string]*dto.MetricFamily

func scrapeNode(t *testing.T, node *testcluster.Node) scrape {
	t.Helper()
	body, err := node.Scrape()
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metric finds the series of family name whose labels include labels
// ("key=value" pairs).
func (s scrape) metric(name string, labels ...string) (*dto.Metric, error) {
	fam, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("no metric %s", name)
	}
	for _, m := range fam.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		matches := true
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			matches = matches && have[k] == v
		}
		if matches {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no series %s%v", name, labels)
}

// value is a counter's, gauge's or untyped series' value.
func (s scrape) value(name string, labels ...string) (float64, error) {
	m, err := s.metric(name, labels...)
	if err != nil {
		return 0, err
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue(), nil
	case m.Gauge != nil:
		return m.Gauge.GetValue(), nil
	case m.Untyped != nil:
		return m.Untyped.GetValue(), nil
	}
	return 0, fmt.Errorf("%s%v is not a counter or gauge", name, labels)
}

// checkLatency asserts that an API's latency histogram has counted every
// request of that API, with cumulative buckets ending at +Inf.
func (s scrape) checkLatency(api string) error {
	requests, err := s.value("spool_requests_total", "api="+api)
	if err != nil {
		return err
	}
	m, err := s.metric("spool_request_duration_seconds", "api="+api)
	if err != nil {
		return err
	}
	h := m.Histogram
	if h == nil {
		return fmt.Errorf("spool_request_duration_seconds{api=%q} is not a histogram", api)
	}
	if requests < 1 || float64(h.GetSampleCount()) != requests || h.GetSampleSum() <= 0 {
		return fmt.Errorf("%s: %v requests, latency histogram of %d samples summing to %vs",
			api, requests, h.GetSampleCount(), h.GetSampleSum())
	}
	prev := uint64(0)
	for _, b := range h.Bucket {
		if b.GetCumulativeCount() < prev {
			return fmt.Errorf("%s: latency bucket le=%v counts %d, below the previous bucket's %d", api, b.GetUpperBound(), b.GetCumulativeCount(), prev)
		}
		prev = b.GetCumulativeCount()
	}
	// The +Inf bucket, when listed, holds every sample; finite ones no more.
	inf := math.IsInf(h.Bucket[len(h.Bucket)-1].GetUpperBound(), 1)
	if prev > h.GetSampleCount() || (inf && prev != h.GetSampleCount()) {
		return fmt.Errorf("%s: buckets count %d of %d samples", api, prev, h.GetSampleCount())
	}
	return nil
}

func TestMetricsEndpoint(t *testing.T) {
	node := testcluster.Start(t, map[string]string{"spool.metrics.address": "127.0.0.1:0"})
	const topic, records, valueSize = "metered", 300, 200
	node.CreateTopic(topic, 2, nil)

	producer := node.Client(kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.DefaultProduceTopic(topic))
	var recs []*kgo.Record
	for i := range records {
		recs = append(recs, kgo.SliceRecord(fmt.Appendf(nil, "%0*d", valueSize, i)))
	}
	if err := producer.ProduceSync(testcluster.Context(t, 20*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	consumer := node.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := testcluster.Context(t, 20*time.Second)
	for n := 0; n < records; {
		fs := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", n, records, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		n += len(fs.Records())
	}

	// A response reaches the client a moment before its request is
	// counted, so poll until the figures settle.
	testcluster.CheckFor(t, 10*time.Second, func() error {
		s := scrapeNode(t, node)
		in, err := s.value("spool_topic_bytes_in_total", "topic="+topic)
		if err != nil {
			return err
		}
		out, err := s.value("spool_topic_bytes_out_total", "topic="+topic)
		if err != nil {
			return err
		}
		msgs, err := s.value("spool_topic_messages_in_total", "topic="+topic)
		if err != nil {
			return err
		}
		size, err := s.value("spool_log_size_bytes", "topic="+topic)
		if err != nil {
			return err
		}
		partitions, err := s.value("spool_partitions")
		if err != nil {
			return err
		}
		// The log holds the batches exactly as they came in; the consumer
		// read each of them at least once.
		if msgs != records || in < records*valueSize || size != in || out < in || partitions != 2 {
			return fmt.Errorf("messages in %v (want %d), bytes in %v (values alone are %d), log size %v, bytes out %v, partitions %v (want 2)",
				msgs, records, in, records*valueSize, size, out, partitions)
		}
		for _, api := range []string{"Produce", "Fetch", "Metadata", "ApiVersions", "CreateTopics"} {
			if err := s.checkLatency(api); err != nil {
				return err
			}
		}
		if conns, err := s.value("spool_connections", "listener=PLAINTEXT"); err != nil || conns < 2 {
			return fmt.Errorf("%v open connections with a producer and a consumer connected (%v)", conns, err)
		}
		return nil
	})
	s := scrapeNode(t, node)
	for _, series := range [][]string{
		{"spool_topic_messages_in_total", "topic=" + topic}, {"spool_topic_bytes_in_total", "topic=" + topic},
		{"spool_topic_bytes_out_total", "topic=" + topic}, {"spool_log_size_bytes", "topic=" + topic},
		{"spool_requests_total", "api=Produce"}, {"spool_requests_total", "api=Fetch"},
	} {
		v, _ := s.value(series[0], series[1])
		t.Logf("%s{%s} %v", series[0], series[1], v)
	}
	for _, name := range []string{"go_goroutines", "process_open_fds"} {
		if _, err := s.value(name); err != nil {
			t.Errorf("runtime metrics: %v", err)
		}
	}

	// A deleted topic's series go with it.
	if _, err := node.Admin().DeleteTopic(testcluster.Context(t, 10*time.Second), topic); err != nil {
		t.Fatalf("delete topic: %v", err)
	}
	testcluster.CheckFor(t, 10*time.Second, func() error {
		s := scrapeNode(t, node)
		for _, name := range []string{"spool_topic_bytes_in_total", "spool_topic_bytes_out_total", "spool_topic_messages_in_total", "spool_log_size_bytes"} {
			if _, err := s.metric(name, "topic="+topic); err == nil {
				return fmt.Errorf("%s still has a series for the deleted topic", name)
			}
		}
		if n, err := s.value("spool_partitions"); err != nil || n != 0 {
			return fmt.Errorf("spool_partitions %v after the only topic went (%v)", n, err)
		}
		return nil
	})
}
