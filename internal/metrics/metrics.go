// Package metrics keeps the broker's Prometheus metrics and serves them on
// an HTTP /metrics endpoint.
//
// Hot paths hold on to the counters they update (see Topic) instead of
// looking them up by label on every request.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxAPIKey bounds the per-API series created up front.
const maxAPIKey = 100

// Metrics is one broker's registry. It implements network.Observer.
type Metrics struct {
	reg *prometheus.Registry

	requests    []prometheus.Counter
	latency     []prometheus.Observer
	requestIn   []prometheus.Counter
	responseOut []prometheus.Counter
	connections *prometheus.GaugeVec

	bytesIn    *prometheus.CounterVec
	bytesOut   *prometheus.CounterVec
	messagesIn *prometheus.CounterVec

	replication *Replication

	mu struct {
		sync.Mutex
		topics map[string]*Topic
	}
}

// Replication counts replica traffic and ISR changes. Their names are
// those Kafka's JMX beans get from the Prometheus JMX exporter
// (kafka.server:type=ReplicaManager,name=IsrShrinksPerSec →
// kafka_server_replicamanager_isrshrinks_total), so dashboards and alerts
// written for Kafka find them.
type Replication struct {
	// ISRShrinks and ISRExpands count ISR changes of partitions led here,
	// once the controller committed them.
	ISRShrinks prometheus.Counter
	ISRExpands prometheus.Counter
	// BytesIn counts record bytes followers here appended from their
	// leaders; BytesOut record bytes this broker sent to followers.
	BytesIn  prometheus.Counter
	BytesOut prometheus.Counter
}

// Topic holds one topic's throughput counters.
type Topic struct {
	BytesIn    prometheus.Counter
	BytesOut   prometheus.Counter
	MessagesIn prometheus.Counter
}

// New returns a registry with Go runtime and process metrics plus the
// broker's own. apiName names API keys for labels.
func New(apiName func(int16) string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := m.counterVec("spool_requests_total", "Requests handled, by API.", "api")
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "spool_request_duration_seconds",
		Help:    "Time from a request being read to its response being written, by API.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
	}, []string{"api"})
	m.reg.MustRegister(latency)
	in := m.counterVec("spool_request_bytes_total", "Request bytes received, by API.", "api")
	out := m.counterVec("spool_response_bytes_total", "Response bytes sent, by API.", "api")
	for key := int16(0); key < maxAPIKey; key++ {
		name := apiName(key)
		if name == "" || name == "Unknown" {
			name = strconv.Itoa(int(key))
		}
		m.requests = append(m.requests, requests.WithLabelValues(name))
		m.latency = append(m.latency, latency.WithLabelValues(name))
		m.requestIn = append(m.requestIn, in.WithLabelValues(name))
		m.responseOut = append(m.responseOut, out.WithLabelValues(name))
	}
	m.connections = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "spool_connections", Help: "Open client connections, by listener.",
	}, []string{"listener"})
	m.reg.MustRegister(m.connections)
	m.bytesIn = m.counterVec("spool_topic_bytes_in_total", "Record batch bytes appended by producers, by topic.", "topic")
	m.bytesOut = m.counterVec("spool_topic_bytes_out_total", "Record batch bytes sent to consumers, by topic.", "topic")
	m.messagesIn = m.counterVec("spool_topic_messages_in_total", "Records appended by producers, by topic.", "topic")
	m.mu.topics = make(map[string]*Topic)
	m.replication = &Replication{
		ISRShrinks: m.counter("kafka_server_replicamanager_isrshrinks_total", "ISR shrinks of partitions led by this broker (IsrShrinksPerSec)."),
		ISRExpands: m.counter("kafka_server_replicamanager_isrexpands_total", "ISR expansions of partitions led by this broker (IsrExpandsPerSec)."),
		BytesIn:    m.counter("kafka_server_brokertopicmetrics_replicationbytesin_total", "Record bytes replicated to this broker from leaders (ReplicationBytesInPerSec)."),
		BytesOut:   m.counter("kafka_server_brokertopicmetrics_replicationbytesout_total", "Record bytes this broker sent to followers (ReplicationBytesOutPerSec)."),
	}
	return m
}

func (m *Metrics) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	m.reg.MustRegister(c)
	return c
}

// Replication returns the broker's replication counters; nil on a nil
// Metrics, which the counting code takes as "no metrics".
func (m *Metrics) Replication() *Replication {
	if m == nil {
		return nil
	}
	return m.replication
}

func (m *Metrics) counterVec(name, help, label string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	m.reg.MustRegister(v)
	return v
}

// RequestDone records one request (network.Observer).
func (m *Metrics) RequestDone(apiKey int16, elapsed time.Duration, inBytes, outBytes int) {
	if apiKey < 0 || int(apiKey) >= len(m.requests) {
		return
	}
	m.requests[apiKey].Inc()
	m.latency[apiKey].Observe(elapsed.Seconds())
	m.requestIn[apiKey].Add(float64(inBytes))
	m.responseOut[apiKey].Add(float64(outBytes))
}

// ConnectionOpened counts a new connection (network.Observer).
func (m *Metrics) ConnectionOpened(listener string) { m.connections.WithLabelValues(listener).Inc() }

// ConnectionClosed counts a closed connection (network.Observer).
func (m *Metrics) ConnectionClosed(listener string) { m.connections.WithLabelValues(listener).Dec() }

// Topic returns the counters of a topic, creating them on first use.
func (m *Metrics) Topic(name string) *Topic {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.mu.topics[name]
	if !ok {
		t = &Topic{
			BytesIn:    m.bytesIn.WithLabelValues(name),
			BytesOut:   m.bytesOut.WithLabelValues(name),
			MessagesIn: m.messagesIn.WithLabelValues(name),
		}
		m.mu.topics[name] = t
	}
	return t
}

// ForgetTopic drops a deleted topic's series.
func (m *Metrics) ForgetTopic(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mu.topics, name)
	m.bytesIn.DeleteLabelValues(name)
	m.bytesOut.DeleteLabelValues(name)
	m.messagesIn.DeleteLabelValues(name)
}

// GaugeFunc registers a gauge whose value is read at scrape time.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// LabeledGauges registers a gauge family with one label whose values are
// all read at scrape time from fn.
func (m *Metrics) LabeledGauges(name, help, label string, fn func() map[string]float64) {
	m.reg.MustRegister(&labeledGauges{desc: prometheus.NewDesc(name, help, []string{label}, nil), fn: fn})
}

type labeledGauges struct {
	desc *prometheus.Desc
	fn   func() map[string]float64
}

func (g *labeledGauges) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }
func (g *labeledGauges) Collect(ch chan<- prometheus.Metric) {
	for label, v := range g.fn() {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, label)
	}
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Serve serves /metrics on addr until ctx ends. It returns once listening,
// with the bound address; the server stops when ctx is done.
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger) (net.Addr, <-chan struct{}, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	// Go's profiler, as Prometheus serves it on its own web port: the way to
	// see where a broker spends its CPU.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server failed", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return ln.Addr(), done, nil
}
