package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeExposesBrokerMetrics(t *testing.T) {
	m := New(func(k int16) string {
		if k == 0 {
			return "Produce"
		}
		return ""
	})
	m.RequestDone(0, 3*time.Millisecond, 100, 20)
	m.Topic("orders").BytesIn.Add(1024)
	m.Topic("orders").MessagesIn.Add(3)
	m.ConnectionOpened("PLAINTEXT")
	m.Replication().ISRShrinks.Inc()
	m.Replication().BytesIn.Add(512)
	m.GaugeFunc("spool_partitions", "Partitions hosted.", func() float64 { return 7 })
	m.LabeledGauges("spool_log_size_bytes", "Log size by topic.", "topic", func() map[string]float64 {
		return map[string]float64{"orders": 4096}
	})
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, err := m.Serve(ctx, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`spool_requests_total{api="Produce"} 1`,
		`spool_request_bytes_total{api="Produce"} 100`,
		`spool_topic_bytes_in_total{topic="orders"} 1024`,
		`spool_topic_messages_in_total{topic="orders"} 3`,
		`spool_connections{listener="PLAINTEXT"} 1`,
		`spool_partitions 7`,
		`spool_log_size_bytes{topic="orders"} 4096`,
		`spool_request_duration_seconds_count{api="Produce"} 1`,
		`kafka_server_replicamanager_isrshrinks_total 1`,
		`kafka_server_replicamanager_isrexpands_total 0`,
		`kafka_server_brokertopicmetrics_replicationbytesin_total 512`,
		`kafka_server_brokertopicmetrics_replicationbytesout_total 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
	m.ForgetTopic("orders")
	if n := seriesWithLabel(t, m, "topic", "orders"); n != 1 { // only the log size gauge remains
		t.Errorf("%d series still labelled topic=orders after ForgetTopic, want 1", n)
	}
}

func seriesWithLabel(t *testing.T, m *Metrics, name, value string) int {
	t.Helper()
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == name && l.GetValue() == value {
					n++
				}
			}
		}
	}
	return n
}

func TestNilMetricsHaveNoReplicationCounters(t *testing.T) {
	var m *Metrics
	if m.Replication() != nil {
		t.Fatal("a nil registry has replication counters")
	}
}
