package cli

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consumerPerfOptions are kafka-consumer-perf-test.sh's options.
type consumerPerfOptions struct {
	bootstrap, topic, group   string
	fetchSize                 int
	fromLatest                bool
	socketBufferSize          int
	consumerConfig, cmdConfig string
	cmdProps                  []string
	printMetrics, detailed    bool
	timeout                   string
	messages                  int64
	reportingInterval         string
	dateFormat                string
	hideHeader                bool
}

func newConsumerPerfCommand() *cobra.Command {
	return toolSpec{
		name:  "consumer-perf-test",
		short: "Measure consumer throughput (kafka-consumer-perf-test.sh)",
		about: "This tool is used to verify the consumer performance.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &consumerPerfOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *consumerPerfOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "REQUIRED: The server(s) to connect to.")
	addString(fs, &o.topic, "topic", "String: topic", "", "REQUIRED: The topic to consume from.")
	// Kafka's default is a random group, shown in the help as the default.
	addString(fs, &o.group, "group", "String: gid", "perf-consumer-"+strconv.Itoa(mrand.IntN(100_000)), "The group id to consume on.")
	addInt(fs, &o.fetchSize, "fetch-size", "Integer: size", 1048576, true, "The amount of data to fetch in a single request.")
	addBool(fs, &o.fromLatest, "from-latest", "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.")
	addInt(fs, &o.socketBufferSize, "socket-buffer-size", "Integer: size", 2097152, true, "The size of the tcp RECV size.")
	addString(fs, &o.consumerConfig, "consumer.config", "String: config file", "", "Consumer config properties file.")
	addString(fs, &o.cmdConfig, "command-config", "String: config file", "", "The same as --consumer.config (its name in newer Kafka releases).")
	addStrings(fs, &o.cmdProps, "command-property", "String: prop", "A mechanism to pass user-defined properties in the form key=value to the consumer.")
	addBool(fs, &o.printMetrics, "print-metrics", "Print out the metrics.")
	addBool(fs, &o.detailed, "show-detailed-stats", "If set, stats are reported for each reporting interval as configured by reporting-interval")
	addOptional(fs, &o.timeout, "timeout", "Long: milliseconds", "10000", "10000", "The maximum allowed time in milliseconds between returned records.")
	addInt64(fs, &o.messages, "messages", "Long: count", 0, false, "REQUIRED: The number of messages to send or consume")
	addString(fs, &o.reportingInterval, "reporting-interval", "Long: interval_ms", "5000", "Interval in milliseconds at which to print progress info.")
	addString(fs, &o.dateFormat, "date-format", "String: date format", "yyyy-MM-dd HH:mm:ss:SSS", "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.")
	addBool(fs, &o.hideHeader, "hide-header", "If set, skips printing the header for the stats")
}

// consumerPerfRun holds one run's settings and counters.
type consumerPerfRun struct {
	o         *consumerPerfOptions
	out       io.Writer
	timeout   time.Duration
	interval  time.Duration
	format    func(time.Time) string
	joinMu    sync.Mutex
	joinStart time.Time
	joinTotal time.Duration // time spent rebalancing, overall
	joinRound time.Duration // ... since the last progress line
}

func (o *consumerPerfOptions) run(ctx context.Context, t *toolEnv) error {
	for _, name := range []string{"topic", "messages"} {
		if !t.changed(name) {
			return t.usageErr(`Missing required argument "[%s]"`, name)
		}
	}
	if !t.changed("bootstrap-server") {
		return t.usageErr(`Missing required argument "[bootstrap-server]"`)
	}
	timeout, err := strconv.ParseInt(o.timeout, 10, 64)
	if err != nil {
		return t.usageErr("Cannot parse argument '%s' of option timeout", o.timeout)
	}
	if !regexp.MustCompile(`^\d+$`).MatchString(o.reportingInterval) {
		return t.usageErr("Value [%s] did not match regex [^\\d+$]", o.reportingInterval)
	}
	interval, _ := strconv.ParseInt(o.reportingInterval, 10, 64)
	if interval <= 0 {
		return plainErr(t, "Reporting interval must be greater than 0.")
	}
	r := &consumerPerfRun{o: o, out: t.stdout, timeout: time.Duration(timeout) * time.Millisecond,
		interval: time.Duration(interval) * time.Millisecond, format: javaDateFormat(o.dateFormat)}
	p, err := o.props()
	if err != nil {
		return plainErr(t, err.Error())
	}
	cfg, err := newClientConfig(roleConsumer, p, t.stderr)
	if err != nil {
		return plainErr(t, "org.apache.kafka.common.config.ConfigException: "+err.Error())
	}
	if !o.hideHeader {
		printPerfHeader(t.stdout, o.detailed)
	}
	metrics := newClientMetrics(p["client.id"])
	start := time.Now()
	r.joinStart = start
	opts := []kgo.Opt{kgo.ConsumeTopics(o.topic), kgo.WithHooks(metrics), kgo.ConsumerGroup(cfg.groupID),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) { r.joined() }),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, _ map[string][]int32) {
			r.rebalancing()
			// Java's consumer commits before giving partitions up when
			// auto-committing; franz-go does only without this callback.
			if cfg.autoCommit {
				_ = cl.CommitUncommittedOffsets(ctx)
			}
		})}
	if !cfg.autoCommit {
		opts = append(opts, kgo.DisableAutoCommit())
	}
	cl, err := kgo.NewClient(cfg.withOpts(opts...)...)
	if err != nil {
		return plainErr(t, err.Error())
	}
	read, bytes := r.consume(ctx, cl)
	end := time.Now()
	// Java's consumer commits its position on close when auto-committing;
	// franz-go does not once OnPartitionsRevoked is set, so commit here.
	if cfg.autoCommit {
		_ = cl.CommitUncommittedOffsets(context.WithoutCancel(ctx))
	}
	cl.Close()
	if !o.detailed {
		r.printSummary(start, end, read, bytes)
	}
	if o.printMetrics {
		metrics.write(t.stdout, "consumer-fetch-manager-metrics")
	}
	return nil
}

// props builds the consumer configuration as Kafka's ConsumerPerformance.
func (o *consumerPerfOptions) props() (props, error) {
	p, err := loadPropsIf(o.consumerConfig)
	if err != nil {
		return nil, err
	}
	p2, err := loadPropsIf(o.cmdConfig)
	if err != nil {
		return nil, err
	}
	p = p.merge(p2, parseKeyValues(o.cmdProps))
	p["bootstrap.servers"] = o.bootstrap
	p["group.id"] = o.group
	p["receive.buffer.bytes"] = strconv.Itoa(o.socketBufferSize)
	p["max.partition.fetch.bytes"] = strconv.Itoa(o.fetchSize)
	p["auto.offset.reset"] = "earliest"
	if o.fromLatest {
		p["auto.offset.reset"] = "latest"
	}
	p["check.crcs"] = "false"
	if p["client.id"] == "" {
		p["client.id"] = "perf-consumer-client"
	}
	return p, nil
}

func (r *consumerPerfRun) joined() {
	r.joinMu.Lock()
	defer r.joinMu.Unlock()
	d := time.Since(r.joinStart)
	r.joinTotal += d
	r.joinRound += d
}

func (r *consumerPerfRun) rebalancing() {
	r.joinMu.Lock()
	defer r.joinMu.Unlock()
	r.joinStart = time.Now()
}

func (r *consumerPerfRun) joinTimes() (total, round time.Duration) {
	r.joinMu.Lock()
	defer r.joinMu.Unlock()
	return r.joinTotal, r.joinRound
}

// consume reads until --messages records arrived, --timeout passed without
// any, or ctx ends; it returns the records and key+value bytes read.
func (r *consumerPerfRun) consume(ctx context.Context, cl *kgo.Client) (read, bytes int64) {
	now := time.Now()
	lastReport, lastConsumed := now, now
	var lastRead, lastBytes int64
	for read < r.o.messages && now.Sub(lastConsumed) <= r.timeout && ctx.Err() == nil {
		pollCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fetches := cl.PollRecords(pollCtx, int(min(r.o.messages-read, 1<<20)))
		cancel()
		now = time.Now()
		recs := fetches.Records()
		if len(recs) > 0 {
			lastConsumed = now
		}
		for _, rec := range recs {
			read++
			bytes += int64(len(rec.Key) + len(rec.Value))
			if now.Sub(lastReport) >= r.interval {
				if r.o.detailed {
					r.printProgress(read, lastRead, bytes, lastBytes, lastReport, now)
				}
				r.joinMu.Lock()
				r.joinRound = 0
				r.joinMu.Unlock()
				lastReport, lastRead, lastBytes = now, read, bytes
			}
		}
	}
	if read < r.o.messages {
		fmt.Fprintf(r.out, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. You can use the --timeout option to increase the timeout.\n",
			r.timeout.Milliseconds())
	}
	return read, bytes
}

func printPerfHeader(w io.Writer, detailed bool) {
	extra := ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
	if detailed {
		fmt.Fprintf(w, "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extra)
	} else {
		fmt.Fprintf(w, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extra)
	}
}

const mib = 1024 * 1024

func (r *consumerPerfRun) printProgress(read, lastRead, bytes, lastBytes int64, from, to time.Time) {
	elapsedMs := float64(to.Sub(from).Milliseconds())
	intervalMB := float64(bytes-lastBytes) / mib
	fmt.Fprintf(r.out, "%s, %d, %s, %s, %d, %s", r.format(to), 0, jfmt(float64(bytes)/mib, 4),
		jfmt(1000*intervalMB/elapsedMs, 4), read, jfmt(float64(read-lastRead)/elapsedMs*1000, 4))
	_, round := r.joinTimes()
	fetchMs := to.Sub(from).Milliseconds() - round.Milliseconds()
	mbSec, msgSec := 0.0, 0.0
	if fetchMs > 0 {
		mbSec = 1000 * intervalMB / float64(fetchMs)
		msgSec = 1000 * float64(read-lastRead) / float64(fetchMs)
	}
	fmt.Fprintf(r.out, ", %d, %d, %s, %s\n", round.Milliseconds(), fetchMs, jfmt(mbSec, 4), jfmt(msgSec, 4))
}

func (r *consumerPerfRun) printSummary(start, end time.Time, read, bytes int64) {
	elapsedSec := float64(end.Sub(start).Milliseconds()) / 1000
	total, _ := r.joinTimes()
	fetchMs := end.Sub(start).Milliseconds() - total.Milliseconds()
	mb := float64(bytes) / mib
	fmt.Fprintf(r.out, "%s, %s, %s, %s, %d, %s, %d, %d, %s, %s\n",
		r.format(start), r.format(end), jfmt(mb, 4), jfmt(mb/elapsedSec, 4), read, jfmt(float64(read)/elapsedSec, 4),
		total.Milliseconds(), fetchMs, jfmt(mb/(float64(fetchMs)/1000), 4), jfmt(float64(read)/(float64(fetchMs)/1000), 4))
}

// dateToken is one piece of a SimpleDateFormat pattern: a run of one
// pattern letter, or literal text.
type dateToken struct {
	letter byte
	n      int
	lit    string
}

// javaDateFormat turns a java.text.SimpleDateFormat pattern into a
// formatter for the letters people use (y M d H h m s S a E Z), with
// 'quoted' literals; other letters print as themselves.
func javaDateFormat(pattern string) func(time.Time) string {
	tokens := dateTokens(pattern)
	return func(t time.Time) string {
		var b strings.Builder
		for _, tk := range tokens {
			b.WriteString(tk.format(t))
		}
		return b.String()
	}
}

func dateTokens(pattern string) []dateToken {
	var tokens []dateToken
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			lit, n := quotedLiteral(pattern[i:])
			tokens = append(tokens, dateToken{lit: lit})
			i += n
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			tokens = append(tokens, dateToken{letter: c, n: j - i})
			i = j
		default:
			tokens = append(tokens, dateToken{lit: string(c)})
			i++
		}
	}
	return tokens
}

func (tk dateToken) format(t time.Time) string {
	pad := func(v int) string { return fmt.Sprintf("%0*d", tk.n, v) }
	switch tk.letter {
	case 0:
		return tk.lit
	case 'y':
		if tk.n == 2 {
			return pad(t.Year() % 100)
		}
		return pad(t.Year())
	case 'M':
		switch {
		case tk.n >= 4:
			return t.Month().String()
		case tk.n == 3:
			return t.Month().String()[:3]
		}
		return pad(int(t.Month()))
	case 'd':
		return pad(t.Day())
	case 'H':
		return pad(t.Hour())
	case 'h':
		return pad((t.Hour()+11)%12 + 1)
	case 'm':
		return pad(t.Minute())
	case 's':
		return pad(t.Second())
	case 'S':
		return pad(t.Nanosecond() / int(time.Millisecond))
	case 'a':
		return t.Format("PM")
	case 'E':
		if tk.n >= 4 {
			return t.Weekday().String()
		}
		return t.Weekday().String()[:3]
	case 'Z':
		return t.Format("-0700")
	}
	return strings.Repeat(string(tk.letter), tk.n)
}

// quotedLiteral reads a 'quoted' SimpleDateFormat literal at the start of s,
// where ” stands for a quote, and returns it and the bytes it spans.
func quotedLiteral(s string) (string, int) {
	if strings.HasPrefix(s, "''") {
		return "'", 2
	}
	var b strings.Builder
	i := 1
	for i < len(s) {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), i + 1
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), i
}
