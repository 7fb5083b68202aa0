package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consoleProducerOptions are kafka-console-producer.sh's options. The
// --command-* and --reader-property names are the ones newer Kafka releases
// prefer; both spellings work.
type consoleProducerOptions struct {
	topic, bootstrap          string
	sync                      bool
	compression               string
	batchSize                 int
	retries                   int
	retryBackoffMs            int64
	lingerMs                  int64
	acks                      string
	requestTimeoutMs          int
	metadataExpiryMs          int64
	maxBlockMs                int64
	maxMemoryBytes            int64
	maxPartitionMemoryBytes   int
	lineReaderClass           string
	socketBufferSize          int
	readerProps, readerProps2 []string
	readerConfig              string
	propArgs, cmdProps        []string
	producerConfig, cmdConfig string
}

func newConsoleProducerCommand() *cobra.Command {
	return toolSpec{
		name:  "console-producer",
		short: "Read lines from standard input and publish them to a topic (kafka-console-producer.sh)",
		about: "This tool helps to read data from standard input and publish it to Kafka.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &consoleProducerOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *consoleProducerOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.topic, "topic", "String: topic", "", "REQUIRED: The topic name to produce messages to.")
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.")
	addBool(fs, &o.sync, "sync", "If set message send requests to the brokers are synchronously, one at a time as they arrive.")
	addOptional(fs, &o.compression, "compression-codec", "String: compression-codec", "", "gzip", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'")
	addInt(fs, &o.batchSize, "batch-size", "Integer: size", 16384, true, "Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set")
	addInt(fs, &o.retries, "message-send-max-retries", "Integer", 3, true, "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs.")
	addInt64(fs, &o.retryBackoffMs, "retry-backoff-ms", "Long", 100, true, "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs.")
	addInt64(fs, &o.lingerMs, "timeout", "Long: timeout_ms", 1000, true, "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs.")
	addString(fs, &o.acks, "request-required-acks", "String: request required acks", "-1", "The required `acks` of the producer requests")
	addInt(fs, &o.requestTimeoutMs, "request-timeout-ms", "Integer: request timeout ms", 1500, true, "The ack timeout of the producer requests. Value must be non-negative and non-zero.")
	addInt64(fs, &o.metadataExpiryMs, "metadata-expiry-ms", "Long: metadata expiration interval", 300000, true, "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs.")
	addInt64(fs, &o.maxBlockMs, "max-block-ms", "Long: max block on send", 60000, true, "The max time that the producer will block for during a send request.")
	addInt64(fs, &o.maxMemoryBytes, "max-memory-bytes", "Long: total memory in bytes", 33554432, true, "The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs.")
	addInt(fs, &o.maxPartitionMemoryBytes, "max-partition-memory-bytes", "Integer: memory in bytes per partition", 16384, true, "The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs.")
	addString(fs, &o.lineReaderClass, "line-reader", "String: reader_class", lineMessageReaderClass, "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message.")
	addInt(fs, &o.socketBufferSize, "socket-buffer-size", "Integer: size", 102400, true, "The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs.")
	readerHelp := "A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader." +
		"\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:" +
		"\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null" +
		"\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  \"h1:v1,h2:v2...\\tkey\\tvalue\"\n parse.key=true:\n  \"key\\tvalue\"\n parse.headers=true:\n  \"h1:v1,h2:v2...\\tvalue\""
	addStrings(fs, &o.readerProps, "property", "String: prop", readerHelp)
	addStrings(fs, &o.readerProps2, "reader-property", "String: prop", "The same as --property (its name in newer Kafka releases).")
	addString(fs, &o.readerConfig, "reader-config", "String: config file", "", "Config properties file for the message reader. Note that [property] takes precedence over this config.")
	addStrings(fs, &o.propArgs, "producer-property", "String: producer_prop", "A mechanism to pass user-defined properties in the form key=value to the producer. ")
	addStrings(fs, &o.cmdProps, "command-property", "String: producer_prop", "The same as --producer-property (its name in newer Kafka releases).")
	addString(fs, &o.producerConfig, "producer.config", "String: config file", "", "Producer config properties file. Note that [producer-property] takes precedence over this config.")
	addString(fs, &o.cmdConfig, "command-config", "String: config file", "", "The same as --producer.config (its name in newer Kafka releases).")
}

const lineMessageReaderClass = "org.apache.kafka.tools.LineMessageReader"

func (o *consoleProducerOptions) run(ctx context.Context, t *toolEnv) error {
	if !t.changed("topic") {
		return t.usageErr(`Missing required argument "[topic]"`)
	}
	if err := validateBootstrap(o.bootstrap); err != nil {
		return t.usageErr("%s", err.Error())
	}
	if o.lineReaderClass != lineMessageReaderClass && o.lineReaderClass != "kafka.tools.LineMessageReader" {
		return t.usageErr("Only %s is available in spool; custom reader classes need a JVM.", lineMessageReaderClass)
	}
	reader, err := o.lineReader()
	if err != nil {
		fmt.Fprintln(t.stderr, "org.apache.kafka.common.KafkaException: "+err.Error())
		return exitCode(1)
	}
	p, err := o.producerProps(t)
	if err != nil {
		fmt.Fprintln(t.stderr, err)
		return exitCode(1)
	}
	cfg, err := newClientConfig(roleProducer, p, t.stderr)
	if err != nil {
		fmt.Fprintln(t.stderr, "org.apache.kafka.common.config.ConfigException: "+err.Error())
		return exitCode(1)
	}
	cl, err := kgo.NewClient(cfg.opts...)
	if err != nil {
		fmt.Fprintln(t.stderr, err)
		return exitCode(1)
	}
	defer cl.Close()
	return o.produceLines(ctx, t, cl, reader)
}

func (o *consoleProducerOptions) lineReader() (*lineReader, error) {
	p, err := loadPropsIf(o.readerConfig)
	if err != nil {
		return nil, err
	}
	p = p.merge(parseKeyValues(o.readerProps), parseKeyValues(o.readerProps2))
	return newLineReader(p)
}

// producerProps builds the producer configuration the way Kafka's
// ConsoleProducer does: the config file, then --producer-property, then the
// tool's own options (which override only when given or when the key is not
// set yet).
func (o *consoleProducerOptions) producerProps(t *toolEnv) (props, error) {
	p, err := loadPropsIf(o.producerConfig)
	if err != nil {
		return nil, err
	}
	p2, err := loadPropsIf(o.cmdConfig)
	if err != nil {
		return nil, err
	}
	p = p.merge(p2, parseKeyValues(o.propArgs), parseKeyValues(o.cmdProps))
	p["bootstrap.servers"] = o.bootstrap
	p["compression.type"] = orDefault(o.compression, "none")
	if p["client.id"] == "" {
		p["client.id"] = "console-producer"
	}
	merge := func(key, flag, value string) {
		if _, ok := p[key]; t.changed(flag) || !ok {
			p[key] = value
		}
	}
	merge("linger.ms", "timeout", strconv.FormatInt(o.lingerMs, 10))
	merge("acks", "request-required-acks", o.acks)
	merge("request.timeout.ms", "request-timeout-ms", strconv.Itoa(o.requestTimeoutMs))
	merge("retries", "message-send-max-retries", strconv.Itoa(o.retries))
	merge("retry.backoff.ms", "retry-backoff-ms", strconv.FormatInt(o.retryBackoffMs, 10))
	merge("send.buffer.bytes", "socket-buffer-size", strconv.Itoa(o.socketBufferSize))
	merge("buffer.memory", "max-memory-bytes", strconv.FormatInt(o.maxMemoryBytes, 10))
	merge("batch.size", "batch-size", strconv.Itoa(o.batchSize))
	merge("batch.size", "max-partition-memory-bytes", strconv.Itoa(o.maxPartitionMemoryBytes))
	merge("metadata.max.age.ms", "metadata-expiry-ms", strconv.FormatInt(o.metadataExpiryMs, 10))
	merge("max.block.ms", "max-block-ms", strconv.FormatInt(o.maxBlockMs, 10))
	return p, nil
}

// produceLines sends one record per stdin line until end of input or until
// ctx is cancelled, then waits for everything sent to be acknowledged.
func (o *consoleProducerOptions) produceLines(ctx context.Context, t *toolEnv, cl *kgo.Client, reader *lineReader) error {
	lines, stop := readLines(t.stdin)
	defer stop()
	prompt := isTerminal(t.stdin) && isTerminal(t.stdout)
	var failed atomic.Bool
	var produceErr error
	for lineNo := 1; produceErr == nil; lineNo++ {
		if prompt {
			fmt.Fprint(t.stdout, ">")
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
		case line, ok = <-lines:
		}
		if !ok {
			break
		}
		rec, err := reader.record(o.topic, line, lineNo)
		if err != nil {
			produceErr = fmt.Errorf("org.apache.kafka.common.KafkaException: %s", err)
			break
		}
		if o.sync {
			if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
				produceErr = fmt.Errorf("java.util.concurrent.ExecutionException: %s", exceptionString(err))
			}
			continue
		}
		cl.Produce(ctx, rec, func(r *kgo.Record, err error) {
			if err != nil {
				failed.Store(true)
				reportSendError(t.stderr, r, err)
			}
		})
	}
	// Records already handed to the client still go out, as Kafka's
	// producer.close() in its shutdown hook sends them.
	if err := cl.Flush(context.WithoutCancel(ctx)); err != nil && produceErr == nil {
		produceErr = err
	}
	if produceErr != nil {
		fmt.Fprintln(t.stderr, produceErr)
		return exitCode(1)
	}
	if failed.Load() {
		return exitCode(1)
	}
	return nil
}

// reportSendError prints what Kafka's ErrorLoggingCallback logs.
func reportSendError(w io.Writer, r *kgo.Record, err error) {
	size := func(b []byte) string {
		if b == nil {
			return "null"
		}
		return fmt.Sprintf("%d bytes", len(b))
	}
	fmt.Fprintf(w, "ERROR Error when sending message to topic %s with key: %s, value: %s with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n%s\n",
		r.Topic, size(r.Key), size(r.Value), exceptionString(err))
}

// readLines reads r line by line on its own goroutine, so that the tool
// can stop on Ctrl-C while a terminal read is blocked. Lines end at "\n"
// (a preceding "\r" is dropped); the last line may lack its terminator.
// stop lets the goroutine end at its next line; a read blocked on a
// terminal ends with the process.
func readLines(r io.Reader) (lines <-chan string, stop func()) {
	out := make(chan string)
	done := make(chan struct{})
	go func() {
		defer close(out)
		br := bufio.NewReaderSize(r, 64*1024)
		for {
			line, err := br.ReadString('\n')
			if line != "" || err == nil {
				line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
				select {
				case out <- line:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func() { close(done) }
}

// isTerminal reports whether v is a terminal, where Kafka's tools prompt.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// validateBootstrap checks --bootstrap-server as Kafka's ToolsUtils does:
// every comma-separated entry needs a host and a port.
func validateBootstrap(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("Error while validating the bootstrap address\n")
	}
	for _, hp := range strings.Split(s, ",") {
		i := strings.LastIndex(hp, ":")
		if i < 0 {
			return errors.New("Please provide valid host:port like host1:9091,host2:9092\n")
		}
		if _, err := strconv.ParseUint(hp[i+1:], 10, 16); err != nil {
			return errors.New("Please provide valid host:port like host1:9091,host2:9092\n")
		}
	}
	return nil
}
