package cli

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spoolhq/spool/internal/record"
)

// dumpLogOptions are kafka-dump-log.sh's options.
type dumpLogOptions struct {
	printData, verifyOnly, sanityOnly, deep, skipMetadata bool
	files                                                 string
	maxMessageSize, maxBytes                              int
	valueDecoder, keyDecoder                              string
	offsets, txnLog, clusterMetadata, remoteMetadata      bool
	shareState                                            bool
}

func newDumpLogCommand() *cobra.Command {
	return toolSpec{
		name:  "dump-log",
		short: "Print the contents of log segment, index and snapshot files (kafka-dump-log.sh)",
		about: "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &dumpLogOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

const stringDecoderClass = "org.apache.kafka.tools.api.StringDecoder"

func (o *dumpLogOptions) register(fs *pflag.FlagSet) {
	addBool(fs, &o.printData, "print-data-log", "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.")
	addBool(fs, &o.verifyOnly, "verify-index-only", "If set, just verify the index log without printing its content.")
	addBool(fs, &o.sanityOnly, "index-sanity-check", "If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.")
	addString(fs, &o.files, "files", "String: file1, file2, ...", "", "REQUIRED: The comma separated list of data and index log files to be dumped.")
	addInt(fs, &o.maxMessageSize, "max-message-size", "Integer: size", 5*1024*1024, true, "Size of largest message.")
	addInt(fs, &o.maxBytes, "max-bytes", "Integer: size", math.MaxInt32, true, "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).")
	addBool(fs, &o.deep, "deep-iteration", "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.")
	addOptional(fs, &o.valueDecoder, "value-decoder-class", "String", stringDecoderClass, stringDecoderClass, "If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait.")
	addOptional(fs, &o.keyDecoder, "key-decoder-class", "String", stringDecoderClass, stringDecoderClass, "If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait.")
	addBool(fs, &o.offsets, "offsets-decoder", "If set, log data will be parsed as offset data from the __consumer_offsets topic.")
	addBool(fs, &o.txnLog, "transaction-log-decoder", "If set, log data will be parsed as transaction metadata from the __transaction_state topic.")
	addBool(fs, &o.clusterMetadata, "cluster-metadata-decoder", "If set, log data will be parsed as cluster metadata records.")
	addBool(fs, &o.remoteMetadata, "remote-log-metadata-decoder", "If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records.")
	addBool(fs, &o.shareState, "share-group-state-decoder", "If set, log data will be parsed as share group state data from the __share_group_state topic.")
	addBool(fs, &o.skipMetadata, "skip-record-metadata", "Whether to skip printing metadata for each record.")
}

// dumpRun is one dump-log invocation: its settings and the problems found,
// which are reported on stderr after every file is dumped, as Kafka does.
type dumpRun struct {
	o           *dumpLogOptions
	out, errOut *bufio.Writer
	printData   bool
	deep        bool
	parse       messageParser
	nonConsec   []pathPairs // offsets that do not follow each other
	indexMis    []pathPairs // index entries that point at the wrong batch
	timeMis     []pathPairs
	timeOrder   []pathPairs
	timeMissing []pathPairs
}

// pathPairs is a list of (found, expected) pairs for one file.
type pathPairs struct {
	path  string
	pairs [][2]int64
}

func addPair(list []pathPairs, path string, a, b int64) []pathPairs {
	if n := len(list); n > 0 && list[n-1].path == path {
		list[n-1].pairs = append(list[n-1].pairs, [2]int64{a, b})
		return list
	}
	return append(list, pathPairs{path: path, pairs: [][2]int64{{a, b}}})
}

func (o *dumpLogOptions) run(ctx context.Context, t *toolEnv) error {
	if !t.changed("files") {
		return t.usageErr(`Missing required argument "[files]"`)
	}
	decoding := t.changed("value-decoder-class") || t.changed("key-decoder-class")
	special := o.offsets || o.txnLog || o.clusterMetadata || o.remoteMetadata || o.shareState
	r := &dumpRun{
		o: o, out: bufio.NewWriter(t.stdout), errOut: bufio.NewWriter(t.stderr),
		printData: o.printData || decoding || special,
	}
	r.deep = o.deep || r.printData
	parse, err := o.messageParser(t.stderr)
	if err != nil {
		return plainErr(t, err.Error())
	}
	r.parse = parse
	defer r.out.Flush()
	defer r.errOut.Flush()
	for _, f := range strings.Split(o.files, ",") {
		if ctx.Err() != nil {
			break
		}
		if err := r.dumpFile(f); err != nil {
			r.out.Flush()
			fmt.Fprintln(r.errOut, err)
			return exitCode(1)
		}
	}
	r.reportProblems()
	return nil
}

func (r *dumpRun) dumpFile(path string) error {
	fmt.Fprintf(r.out, "Dumping %s\n", path)
	switch filepath.Ext(path) {
	case ".log":
		return r.dumpLog(path)
	case ".index":
		return r.dumpIndex(path)
	case ".timeindex":
		return r.dumpTimeIndex(path)
	case ".snapshot":
		return r.dumpProducerSnapshot(path)
	}
	fmt.Fprintf(r.errOut, "Ignoring unknown file %s\n", path)
	return nil
}

// baseOffsetOf reads a segment's base offset from its 20-digit file name.
func baseOffsetOf(path string) (int64, error) {
	name := filepath.Base(path)
	n, err := strconv.ParseInt(strings.SplitN(name, ".", 2)[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("java.lang.NumberFormatException: For input string: \"%s\"", strings.SplitN(name, ".", 2)[0])
	}
	return n, nil
}

// segmentReader reads whole batches from a segment file, stopping at its
// end, at maxBytes, or at a batch that is cut short or cannot be framed.
type segmentReader struct {
	r        *bufio.Reader
	pos      int64 // file position of the next batch
	maxBytes int64
	buf      []byte
}

func (s *segmentReader) next() (record.Batch, error) {
	var head [record.LogOverhead]byte
	if _, err := io.ReadFull(s.r, head[:]); err != nil {
		return nil, io.EOF
	}
	length := int64(int32(binary.BigEndian.Uint32(head[8:])))
	size := length + record.LogOverhead
	if length < record.HeaderSize-record.LogOverhead || s.pos+size > s.maxBytes {
		return nil, io.EOF
	}
	if int64(cap(s.buf)) < size {
		s.buf = make([]byte, size)
	}
	s.buf = s.buf[:size]
	copy(s.buf, head[:])
	if _, err := io.ReadFull(s.r, s.buf[record.LogOverhead:]); err != nil {
		return nil, io.EOF
	}
	b, _, err := record.Peek(s.buf)
	if err != nil {
		return nil, io.EOF
	}
	return b, nil
}

func (r *dumpRun) dumpLog(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Log starting offset: %d\n", base)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("java.nio.file.NoSuchFileException: %s", path)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	seg := &segmentReader{r: bufio.NewReaderSize(f, 1<<20), maxBytes: int64(r.o.maxBytes)}
	abs, _ := filepath.Abs(path)
	lastOffset := int64(-1)
	var rd record.Reader
	defer rd.Close()
	for {
		b, err := seg.next()
		if errors.Is(err, io.EOF) {
			break
		}
		r.printBatch(b, seg.pos)
		if r.deep {
			lastOffset = r.printRecords(&rd, b, abs, lastOffset)
		}
		seg.pos += int64(len(b))
	}
	if trailing := fi.Size() - seg.pos; trailing > 0 && r.o.maxBytes == math.MaxInt32 {
		fmt.Fprintf(r.out, "Found %d invalid bytes at the end of %s\n", trailing, filepath.Base(path))
	}
	return nil
}

func timestampTypeName(b record.Batch) string {
	if b.LogAppendTime() {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// printBatch prints the batch line of Kafka's DumpLogSegments.
func (r *dumpRun) printBatch(b record.Batch, position int64) {
	horizon := "OptionalLong.empty"
	if b.HasDeleteHorizon() {
		horizon = fmt.Sprintf("OptionalLong[%d]", b.FirstTimestamp())
	}
	if b.Magic() >= 2 {
		fmt.Fprintf(r.out, "baseOffset: %d lastOffset: %d count: %d baseSequence: %d lastSequence: %d producerId: %d producerEpoch: %d "+
			"partitionLeaderEpoch: %d isTransactional: %t isControl: %t deleteHorizonMs: %s",
			b.BaseOffset(), b.LastOffset(), b.NumRecords(), b.BaseSequence(), b.LastSequence(), b.ProducerID(), b.ProducerEpoch(),
			b.PartitionLeaderEpoch(), b.IsTransactional(), b.IsControl(), horizon)
	} else {
		fmt.Fprintf(r.out, "offset: %d", b.LastOffset())
	}
	fmt.Fprintf(r.out, " position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t\n",
		position, timestampTypeName(b), b.MaxTimestamp(), len(b), b.Magic(), b.Codec(), b.CRC(), b.CRC() == b.ComputeCRC())
}

// printRecords prints one line per record of b (magic v2 only) and returns
// the last offset seen, noting offsets that do not follow each other.
func (r *dumpRun) printRecords(rd *record.Reader, b record.Batch, path string, last int64) int64 {
	if b.Magic() != 2 {
		return last
	}
	rd.Reset(b, record.DefaultMaxDecompressedBytes)
	for rd.Next() {
		rec := rd.Record()
		if last != -1 && rec.Offset != last+1 {
			r.nonConsec = addPair(r.nonConsec, path, last, rec.Offset)
		}
		last = rec.Offset
		r.printRecord(b, rec)
	}
	if err := rd.Err(); err != nil {
		fmt.Fprintf(r.errOut, "org.apache.kafka.common.errors.CorruptRecordException: batch at offset %d: %v\n", b.BaseOffset(), err)
	}
	return last
}

func (r *dumpRun) printRecord(b record.Batch, rec *record.Record) {
	prefix := "| "
	if !r.o.skipMetadata {
		keys := make([]string, len(rec.Headers))
		for i, h := range rec.Headers {
			keys[i] = h.Key
		}
		fmt.Fprintf(r.out, "%soffset: %d %s: %d keySize: %d valueSize: %d sequence: %d headerKeys: [%s]",
			prefix, rec.Offset, timestampTypeName(b), rec.Timestamp, fieldSize(rec.Key), fieldSize(rec.Value),
			recordSequence(b, rec.OffsetDelta), strings.Join(keys, ","))
		prefix = " "
		if b.IsControl() {
			fmt.Fprint(r.out, controlRecordText(rec))
		}
	}
	if r.printData && !b.IsControl() {
		key, payload := r.parse(rec)
		if key != nil {
			fmt.Fprintf(r.out, "%skey: %s", prefix, *key)
		}
		if payload != nil {
			fmt.Fprintf(r.out, " payload: %s", *payload)
		}
	}
	fmt.Fprintln(r.out)
}

func fieldSize(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

// recordSequence is a record's producer sequence: the batch's base
// sequence plus the offset delta, wrapping past MaxInt32; -1 without one.
func recordSequence(b record.Batch, delta int32) int64 {
	base := b.BaseSequence()
	if base < 0 {
		return -1
	}
	seq := int64(base) + int64(delta)
	if seq > math.MaxInt32 {
		seq -= math.MaxInt32 + 1
	}
	return seq
}

// controlRecordText describes a control record: a transaction marker or
// another control type.
func controlRecordText(rec *record.Record) string {
	if len(rec.Key) < 4 {
		return " controlType: UNKNOWN(-1)"
	}
	typ := int16(binary.BigEndian.Uint16(rec.Key[2:]))
	switch typ {
	case 0, 1:
		name := "ABORT"
		if typ == 1 {
			name = "COMMIT"
		}
		epoch := int32(-1)
		if len(rec.Value) >= 6 {
			epoch = int32(binary.BigEndian.Uint32(rec.Value[2:]))
		}
		return fmt.Sprintf(" endTxnMarker: %s coordinatorEpoch: %d", name, epoch)
	}
	names := map[int16]string{2: "LEADER_CHANGE", 3: "SNAPSHOT_HEADER", 4: "SNAPSHOT_FOOTER", 5: "KRAFT_VERSION", 6: "KRAFT_VOTERS"}
	name, ok := names[typ]
	if !ok {
		name = "UNKNOWN"
	}
	return fmt.Sprintf(" controlType: %s(%d)", name, typ)
}

func (r *dumpRun) reportProblems() {
	for _, m := range r.indexMis {
		fmt.Fprintf(r.errOut, "Mismatches in :%s\n", m.path)
		for _, p := range m.pairs {
			fmt.Fprintf(r.errOut, "  Index offset: %d, log offset: %d\n", p[0], p[1])
		}
	}
	for _, m := range r.timeMis {
		fmt.Fprintf(r.errOut, "Found timestamp mismatch in :%s\n", m.path)
		for _, p := range m.pairs {
			fmt.Fprintf(r.errOut, "  Index timestamp: %d, log timestamp: %d\n", p[0], p[1])
		}
	}
	for _, m := range r.timeOrder {
		fmt.Fprintf(r.errOut, "Found out of order timestamp in :%s\n", m.path)
		for _, p := range m.pairs {
			fmt.Fprintf(r.errOut, "  Index timestamp: %d, Previously indexed timestamp: %d\n", p[0], p[1])
		}
	}
	for _, m := range r.timeMissing {
		fmt.Fprintln(r.errOut, "The following indexed offsets are not found in the log.")
		for _, p := range m.pairs {
			fmt.Fprintf(r.errOut, "Indexed offset: %d, found log offset: %d\n", p[0], p[1])
		}
	}
	for _, m := range r.nonConsec {
		fmt.Fprintf(r.errOut, "Non-consecutive offsets in %s\n", m.path)
		for _, p := range m.pairs {
			fmt.Fprintf(r.errOut, "  %d is followed by %d\n", p[0], p[1])
		}
	}
}
