package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// producerPerfOptions are kafka-producer-perf-test.sh's options.
type producerPerfOptions struct {
	topic                   string
	numRecords              int64
	recordSize              int
	payloadFile, delimiter  string
	monotonic               bool
	throughput              float64
	producerProps, cmdProps []string
	producerConfig, cmdConf string
	bootstrap               string
	printMetrics            bool
	transactionalID         string
	transactionDurationMs   int64
	reportingIntervalMs     int64
}

func newProducerPerfCommand() *cobra.Command {
	return toolSpec{
		name:  "producer-perf-test",
		short: "Measure producer throughput and latency (kafka-producer-perf-test.sh)",
		about: "This tool is used to verify the producer performance. To enable transactions, you can specify a transaction id or set a transaction duration using --transaction-duration-ms. " +
			"There are three ways to specify the transaction id: set transaction.id=<id> via --producer-props, set transaction.id=<id> in the config file via --producer.config, or use --transaction-id <id>.",
		multiValue: []string{"producer-props", "command-property"},
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &producerPerfOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *producerPerfOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.topic, "topic", "TOPIC", "", "produce messages to this topic")
	addInt64(fs, &o.numRecords, "num-records", "NUM-RECORDS", 0, false, "number of messages to produce")
	addInt(fs, &o.recordSize, "record-size", "RECORD-SIZE", 0, false, "message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.")
	addString(fs, &o.payloadFile, "payload-file", "PAYLOAD-FILE", "", "file to read the message payloads from. This works only for UTF-8 encoded text files. "+
		"Payloads will be read from this file and a payload will be randomly selected when sending messages. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.")
	addBool(fs, &o.monotonic, "payload-monotonic", "payload is monotonically increasing integer. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.")
	addString(fs, &o.delimiter, "payload-delimiter", "PAYLOAD-DELIMITER", `\n`, "provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided.")
	addFloat(fs, &o.throughput, "throughput", "THROUGHPUT", 0, false, "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.")
	addStrings(fs, &o.producerProps, "producer-props", "PROP-NAME=PROP-VALUE", "kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.")
	addStrings(fs, &o.cmdProps, "command-property", "PROP-NAME=PROP-VALUE", "The same as --producer-props (its name in newer Kafka releases).")
	addString(fs, &o.producerConfig, "producer.config", "CONFIG-FILE", "", "producer config properties file.")
	addString(fs, &o.cmdConf, "command-config", "CONFIG-FILE", "", "The same as --producer.config (its name in newer Kafka releases).")
	addString(fs, &o.bootstrap, "bootstrap-server", "BOOTSTRAP-SERVERS", "", "The server(s) to connect to. This config takes precedence over bootstrap.servers specified via --producer-props or --producer.config.")
	addBool(fs, &o.printMetrics, "print-metrics", "print out metrics at the end of the test.")
	addString(fs, &o.transactionalID, "transactional-id", "TRANSACTIONAL-ID", "", "The transactional id to use. This config takes precedence over the transactional.id specified via --producer.config or --producer-props. "+
		"Note that if the transactional id is not specified while --transaction-duration-ms is provided, the default value for the transactional id will be performance-producer- followed by a random uuid.")
	addInt64(fs, &o.transactionDurationMs, "transaction-duration-ms", "TRANSACTION-DURATION", 0, false, "The max age of each transaction. The commitTransaction will be called after this time has elapsed. "+
		"The value should be greater than 0. If the transactional id is specified via --producer-props, --producer.config, or --transactional-id but --transaction-duration-ms is not specified, the default value will be 3000.")
	addInt64(fs, &o.reportingIntervalMs, "reporting-interval", "INTERVAL-MS", 5000, true, "Interval in milliseconds at which to print progress info.")
}

// argError is how argparse4j, which kafka-producer-perf-test.sh uses,
// reports a bad command line.
func argError(t *toolEnv, format string, args ...any) error {
	return t.usageErr("producer-performance: error: "+format, args...)
}

func (o *producerPerfOptions) check(t *toolEnv) error {
	for _, name := range []string{"topic", "num-records", "throughput"} {
		if !t.changed(name) {
			return argError(t, "argument --%s is required", name)
		}
	}
	var payloads []string
	for _, name := range []string{"record-size", "payload-file", "payload-monotonic"} {
		if t.changed(name) {
			payloads = append(payloads, name)
		}
	}
	switch {
	case len(payloads) == 0:
		return argError(t, "one of the arguments --record-size --payload-file --payload-monotonic is required")
	case len(payloads) > 1:
		return argError(t, "argument --%s: not allowed with argument --%s", payloads[1], payloads[0])
	case o.numRecords <= 0:
		return argError(t, "--num-records should be greater than zero")
	case t.changed("record-size") && o.recordSize <= 0:
		return argError(t, "--record-size should be greater than zero")
	case len(o.producerProps)+len(o.cmdProps) == 0 && o.producerConfig == "" && o.cmdConf == "" && o.bootstrap == "":
		return argError(t, "Either --producer-props or --producer.config must be specified.")
	case t.changed("transaction-duration-ms") && o.transactionDurationMs <= 0:
		return argError(t, "--transaction-duration-ms should be greater than zero")
	case o.reportingIntervalMs <= 0:
		return argError(t, "--reporting-interval should be greater than zero")
	}
	return nil
}

// props builds the producer configuration: the config file, then
// --producer-props (each exactly name=value), then --bootstrap-server.
func (o *producerPerfOptions) props() (props, error) {
	p, err := loadPropsIf(o.producerConfig)
	if err != nil {
		return nil, err
	}
	p2, err := loadPropsIf(o.cmdConf)
	if err != nil {
		return nil, err
	}
	p = p.merge(p2)
	for _, kv := range append(slices.Clone(o.producerProps), o.cmdProps...) {
		pieces := strings.Split(kv, "=")
		if len(pieces) != 2 {
			return nil, fmt.Errorf("Invalid property: %s", kv)
		}
		p[pieces[0]] = pieces[1]
	}
	if o.bootstrap != "" {
		p["bootstrap.servers"] = o.bootstrap
	}
	if p["client.id"] == "" {
		p["client.id"] = "perf-producer-client"
	}
	return p, nil
}

func (o *producerPerfOptions) run(ctx context.Context, t *toolEnv) error {
	if err := o.check(t); err != nil {
		return err
	}
	payloads, err := o.loadPayloads(t.stdout)
	if err != nil {
		return plainErr(t, "java.lang.IllegalArgumentException: "+err.Error())
	}
	p, err := o.props()
	if err != nil {
		return plainErr(t, "java.lang.IllegalArgumentException: "+err.Error())
	}
	txn := o.transactionalID != "" || t.changed("transaction-duration-ms") || p["transactional.id"] != ""
	if txn {
		p["transactional.id"] = orDefault(o.transactionalID, orDefault(p["transactional.id"], "performance-producer-"+randomUUID()))
		if !t.changed("transaction-duration-ms") {
			o.transactionDurationMs = 3000
		}
	}
	cfg, err := newClientConfig(roleProducer, p, t.stderr)
	if err != nil {
		return plainErr(t, "org.apache.kafka.common.config.ConfigException: "+err.Error())
	}
	metrics := newClientMetrics(p["client.id"])
	cl, err := kgo.NewClient(cfg.withOpts(kgo.WithHooks(metrics))...)
	if err != nil {
		return plainErr(t, err.Error())
	}
	defer cl.Close()
	err = o.produce(ctx, t, cl, payloads, txn, metrics)
	if o.printMetrics {
		metrics.write(t.stdout, "producer-metrics")
	}
	if err != nil {
		fmt.Fprintln(t.stderr, exceptionString(err))
		return exitCode(1)
	}
	return nil
}

// payloadSource hands out record values.
type payloadSource struct {
	list      [][]byte // from --payload-file
	random    []byte   // random capital letters, sliced per record
	size      int
	monotonic bool
	rng       *mrand.Rand
}

func (o *producerPerfOptions) loadPayloads(out io.Writer) (*payloadSource, error) {
	src := &payloadSource{size: o.recordSize, monotonic: o.monotonic, rng: mrand.New(mrand.NewPCG(0, 0))}
	if o.payloadFile != "" {
		abs, _ := filepath.Abs(o.payloadFile)
		fmt.Fprintf(out, "Reading payloads from: %s\n", abs)
		data, err := os.ReadFile(o.payloadFile)
		if err != nil || len(data) == 0 {
			return nil, errors.New("File does not exist or empty file provided.")
		}
		delim := o.delimiter
		if delim == `\n` {
			delim = "\n"
		}
		parts := strings.Split(string(data), delim)
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1] // as Java's split drops them
		}
		fmt.Fprintf(out, "Number of messages read: %d\n", len(parts))
		for _, s := range parts {
			src.list = append(src.list, []byte(s))
		}
	}
	if o.recordSize > 0 {
		// One random buffer a little longer than a record; each record is
		// a window into it. Records are never written to, so sharing is
		// safe, and no record costs an allocation.
		src.random = make([]byte, o.recordSize+1024)
		for i := range src.random {
			src.random[i] = byte('A' + src.rng.IntN(26))
		}
	}
	return src, nil
}

func (s *payloadSource) next(i int64) []byte {
	switch {
	case len(s.list) > 0:
		return s.list[s.rng.IntN(len(s.list))]
	case s.size > 0:
		off := s.rng.IntN(len(s.random) - s.size + 1)
		return s.random[off : off+s.size : off+s.size]
	}
	return []byte(strconv.FormatInt(i, 10))
}

// produce sends the records, throttled, and prints the statistics.
func (o *producerPerfOptions) produce(ctx context.Context, t *toolEnv, cl *kgo.Client, payloads *payloadSource, txn bool, metrics *clientMetrics) error {
	stats := newPerfStats(o.numRecords, time.Duration(o.reportingIntervalMs)*time.Millisecond, t.stdout)
	throttle := newThrottler(o.throughput, time.Now())
	var firstErr error
	var errMu sync.Mutex
	inTxn := false
	var txnStart time.Time
	for i := int64(0); i < o.numRecords && ctx.Err() == nil; i++ {
		if txn && !inTxn {
			if err := cl.BeginTransaction(); err != nil {
				return err
			}
			inTxn, txnStart = true, time.Now()
		}
		value := payloads.next(i)
		sendStart := time.Now()
		cl.Produce(ctx, &kgo.Record{Topic: o.topic, Value: value}, func(r *kgo.Record, err error) {
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				return
			}
			stats.record(time.Since(sendStart), len(value), time.Now())
			metrics.recordSent()
		})
		if txn && time.Since(txnStart) >= time.Duration(o.transactionDurationMs)*time.Millisecond {
			if err := commit(ctx, cl); err != nil {
				return err
			}
			inTxn = false
		}
		throttle.wait(ctx, i, sendStart)
	}
	if inTxn {
		if err := commit(ctx, cl); err != nil {
			return err
		}
	}
	if err := cl.Flush(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	stats.printTotal()
	errMu.Lock()
	defer errMu.Unlock()
	return firstErr
}

func commit(ctx context.Context, cl *kgo.Client) error {
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	return cl.EndTransaction(ctx, kgo.TryCommit)
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// throttler keeps the send rate near a target the way Kafka's
// ThroughputThrottler does: when ahead of the rate, sleep off the deficit
// in steps of at least 2 ms.
type throttler struct {
	target  float64 // records per second; negative means unlimited
	start   time.Time
	perSend time.Duration
	deficit time.Duration
}

func newThrottler(target float64, start time.Time) *throttler {
	th := &throttler{target: target, start: start}
	if target > 0 {
		th.perSend = time.Duration(float64(time.Second) / target)
	}
	return th
}

func (th *throttler) wait(ctx context.Context, sent int64, now time.Time) {
	if th.target < 0 {
		return
	}
	elapsed := now.Sub(th.start).Seconds()
	if elapsed <= 0 || float64(sent)/elapsed <= th.target {
		return
	}
	if th.target == 0 {
		<-ctx.Done() // a rate of zero waits until stopped, as Kafka's does
		return
	}
	th.deficit += th.perSend
	if th.deficit < 2*time.Millisecond {
		return
	}
	sleep := time.NewTimer(th.deficit)
	defer sleep.Stop()
	select {
	case <-ctx.Done():
	case <-sleep.C:
	}
	th.deficit = 0
}

// perfStats is Kafka's ProducerPerformance.Stats: totals, a window printed
// every reporting interval, and sampled latencies for the percentiles.
type perfStats struct {
	out      io.Writer
	interval time.Duration
	start    time.Time
	sampling int64
	mu       struct {
		sync.Mutex
		latencies           []int
		iteration, count    int64
		bytes, totalLatency int64
		maxLatency          int
		windowStart         time.Time
		windowCount         int64
		windowBytes         int64
		windowTotal         int64
		windowMax           int
	}
}

func newPerfStats(numRecords int64, interval time.Duration, out io.Writer) *perfStats {
	s := &perfStats{out: out, interval: interval, start: time.Now()}
	s.sampling = numRecords / min(numRecords, 500000)
	s.mu.latencies = make([]int, 0, numRecords/s.sampling+1)
	s.mu.windowStart = s.start
	return s
}

func (s *perfStats) record(latency time.Duration, bytes int, now time.Time) {
	ms := int(latency.Milliseconds())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.count++
	s.mu.bytes += int64(bytes)
	s.mu.totalLatency += int64(ms)
	s.mu.maxLatency = max(s.mu.maxLatency, ms)
	s.mu.windowCount++
	s.mu.windowBytes += int64(bytes)
	s.mu.windowTotal += int64(ms)
	s.mu.windowMax = max(s.mu.windowMax, ms)
	if s.mu.iteration%s.sampling == 0 {
		s.mu.latencies = append(s.mu.latencies, ms)
	}
	s.mu.iteration++
	if now.Sub(s.mu.windowStart) >= s.interval {
		s.printWindowLocked()
	}
}

func (s *perfStats) printWindowLocked() {
	elapsed := float64(time.Since(s.mu.windowStart).Milliseconds())
	fmt.Fprintf(s.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency.\n",
		s.mu.windowCount,
		jfmt(1000*float64(s.mu.windowCount)/elapsed, 1),
		jfmt(1000*float64(s.mu.windowBytes)/elapsed/(1024*1024), 2),
		jfmt(float64(s.mu.windowTotal)/float64(s.mu.windowCount), 1),
		jfmt(float64(s.mu.windowMax), 1))
	s.mu.windowStart = time.Now()
	s.mu.windowCount, s.mu.windowBytes, s.mu.windowTotal, s.mu.windowMax = 0, 0, 0, 0
}

func (s *perfStats) printTotal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := float64(time.Since(s.start).Milliseconds())
	p := percentiles(s.mu.latencies, 0.5, 0.95, 0.99, 0.999)
	fmt.Fprintf(s.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.mu.count,
		jfmt(1000*float64(s.mu.count)/elapsed, 1),
		jfmt(1000*float64(s.mu.bytes)/elapsed/(1024*1024), 2),
		jfmt(float64(s.mu.totalLatency)/float64(s.mu.count), 2),
		jfmt(float64(s.mu.maxLatency), 2),
		p[0], p[1], p[2], p[3])
}

func percentiles(latencies []int, ps ...float64) []int {
	sorted := append([]int(nil), latencies...)
	sort.Ints(sorted)
	out := make([]int, len(ps))
	for i, p := range ps {
		if idx := int(p * float64(len(sorted))); idx < len(sorted) {
			out[i] = sorted[idx]
		}
	}
	return out
}

// jfmt formats v with prec decimals as Java's %.Nf does, including its
// words for the results of dividing by zero.
func jfmt(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
