package cli

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// messageFormatter prints records as Kafka's DefaultMessageFormatter does:
// the fields selected by the print.* properties, in a fixed order, joined
// by key.separator and ended by line.separator.
type messageFormatter struct {
	printTimestamp, printKey, printValue   bool
	printPartition, printOffset            bool
	printDelivery, printEpoch, printHeader bool
	keySep, lineSep, headersSep, null      []byte
	keyDeser, valueDeser, headersDeser     deserializer
}

// deserializer renders a field's bytes as text, as a Java Deserializer's
// result's toString() would.
type deserializer func(b []byte) ([]byte, error)

// newMessageFormatter reads the formatter properties (print.key=true, ...).
// A deserializer that cannot be used is reported on warn and left out, as
// Kafka's formatter logs and skips it.
func newMessageFormatter(p props, warn io.Writer) *messageFormatter {
	f := &messageFormatter{
		printValue: true,
		keySep:     []byte("\t"), lineSep: []byte("\n"), headersSep: []byte(","), null: []byte("null"),
	}
	flags := []struct {
		key string
		dst *bool
	}{
		{"print.timestamp", &f.printTimestamp}, {"print.key", &f.printKey}, {"print.offset", &f.printOffset},
		{"print.delivery", &f.printDelivery}, {"print.epoch", &f.printEpoch}, {"print.partition", &f.printPartition},
		{"print.headers", &f.printHeader}, {"print.value", &f.printValue},
	}
	for _, fl := range flags {
		if _, ok := p[fl.key]; ok {
			*fl.dst = p.boolProp(fl.key)
		}
	}
	seps := []struct {
		key string
		dst *[]byte
	}{
		{"key.separator", &f.keySep}, {"line.separator", &f.lineSep},
		{"headers.separator", &f.headersSep}, {"null.literal", &f.null},
	}
	for _, s := range seps {
		if v, ok := p[s.key]; ok {
			*s.dst = []byte(v)
		}
	}
	f.keyDeser = deserializerProp(p, "key.deserializer", warn)
	f.valueDeser = deserializerProp(p, "value.deserializer", warn)
	f.headersDeser = deserializerProp(p, "headers.deserializer", warn)
	return f
}

func deserializerProp(p props, key string, warn io.Writer) deserializer {
	name, ok := p[key]
	if !ok {
		return nil
	}
	d, err := javaDeserializer(name)
	if err != nil {
		fmt.Fprintf(warn, "ERROR Unable to instantiate a deserializer from %s (org.apache.kafka.tools.consumer.DefaultMessageFormatter)\n", name)
		return nil
	}
	return d
}

// write formats one record. Every field is followed by key.separator when
// another field follows it, by line.separator otherwise.
func (f *messageFormatter) write(w io.Writer, r *kgo.Record) error {
	var b []byte
	remaining := []bool{f.printTimestamp, f.printPartition, f.printOffset, f.printDelivery, f.printEpoch, f.printHeader, f.printKey, f.printValue}
	sep := func(i int) {
		for _, more := range remaining[i+1:] {
			if more {
				b = append(b, f.keySep...)
				return
			}
		}
		b = append(b, f.lineSep...)
	}
	if f.printTimestamp {
		b = append(b, timestampField(r)...)
		sep(0)
	}
	if f.printPartition {
		b = append(b, "Partition:"+strconv.Itoa(int(r.Partition))...)
		sep(1)
	}
	if f.printOffset {
		b = append(b, "Offset:"+strconv.FormatInt(r.Offset, 10)...)
		sep(2)
	}
	if f.printDelivery {
		b = append(b, "Delivery:NOT_PRESENT"...) // only share groups count deliveries
		sep(3)
	}
	if f.printEpoch {
		b = append(b, "Epoch:"...)
		if r.LeaderEpoch >= 0 {
			b = strconv.AppendInt(b, int64(r.LeaderEpoch), 10)
		} else {
			b = append(b, "NOT_PRESENT"...)
		}
		sep(4)
	}
	var err error
	if f.printHeader {
		if b, err = f.appendHeaders(b, r.Headers); err != nil {
			return err
		}
		sep(5)
	}
	if f.printKey {
		if b, err = f.appendField(b, f.keyDeser, r.Key); err != nil {
			return err
		}
		sep(6)
	}
	if f.printValue {
		if b, err = f.appendField(b, f.valueDeser, r.Value); err != nil {
			return err
		}
		b = append(b, f.lineSep...)
	}
	_, err = w.Write(b)
	return err
}

func timestampField(r *kgo.Record) string {
	switch r.Attrs.TimestampType() {
	case 0:
		return "CreateTime:" + strconv.FormatInt(r.Timestamp.UnixMilli(), 10)
	case 1:
		return "LogAppendTime:" + strconv.FormatInt(r.Timestamp.UnixMilli(), 10)
	}
	return "NO_TIMESTAMP"
}

func (f *messageFormatter) appendHeaders(b []byte, hs []kgo.RecordHeader) ([]byte, error) {
	if len(hs) == 0 {
		return append(b, "NO_HEADERS"...), nil
	}
	for i, h := range hs {
		b = append(b, h.Key+":"...)
		var err error
		if b, err = f.appendField(b, f.headersDeser, h.Value); err != nil {
			return nil, err
		}
		if i < len(hs)-1 {
			b = append(b, f.headersSep...)
		}
	}
	return b, nil
}

// appendField writes a key, value or header value; null becomes
// null.literal, which Kafka then still hands to the deserializer.
func (f *messageFormatter) appendField(b []byte, d deserializer, v []byte) ([]byte, error) {
	if v == nil {
		v = f.null
	}
	if d == nil {
		return append(b, v...), nil
	}
	out, err := d(v)
	if err != nil {
		return nil, err
	}
	return append(b, out...), nil
}

// javaDeserializer returns the Kafka deserializer class name's behaviour
// for the classes in org.apache.kafka.common.serialization.
func javaDeserializer(class string) (deserializer, error) {
	name := class[strings.LastIndex(class, ".")+1:]
	switch name {
	case "StringDeserializer", "UUIDDeserializer":
		return func(b []byte) ([]byte, error) { return []byte(strings.ToValidUTF8(string(b), "\uFFFD")), nil }, nil
	case "ByteArrayDeserializer", "ByteBufferDeserializer":
		// Java would print the array's identity hash; the bytes are what
		// anyone wants to see.
		return func(b []byte) ([]byte, error) { return b, nil }, nil
	case "BytesDeserializer":
		return func(b []byte) ([]byte, error) { return []byte(javaBytesString(b)), nil }, nil
	case "LongDeserializer":
		return fixedWidth(name, 8, func(b []byte) string { return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10) }), nil
	case "IntegerDeserializer":
		return fixedWidth(name, 4, func(b []byte) string { return strconv.Itoa(int(int32(binary.BigEndian.Uint32(b)))) }), nil
	case "ShortDeserializer":
		return fixedWidth(name, 2, func(b []byte) string { return strconv.Itoa(int(int16(binary.BigEndian.Uint16(b)))) }), nil
	case "DoubleDeserializer":
		return fixedWidth(name, 8, func(b []byte) string { return javaDouble(math.Float64frombits(binary.BigEndian.Uint64(b)), 64) }), nil
	case "FloatDeserializer":
		return fixedWidth(name, 4, func(b []byte) string {
			return javaDouble(float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32)
		}), nil
	case "BooleanDeserializer":
		return fixedWidth(name, 1, func(b []byte) string { return strconv.FormatBool(b[0] != 0) }), nil
	case "VoidDeserializer":
		return func(b []byte) ([]byte, error) {
			return nil, errors.New("org.apache.kafka.common.errors.SerializationException: Data should be null for a VoidDeserializer.")
		}, nil
	}
	return nil, fmt.Errorf("unknown deserializer %s", class)
}

func fixedWidth(name string, size int, format func([]byte) string) deserializer {
	return func(b []byte) ([]byte, error) {
		if len(b) != size {
			return nil, fmt.Errorf("org.apache.kafka.common.errors.SerializationException: Size of data received by %s is not %d", name, size)
		}
		return []byte(format(b)), nil
	}
}

// javaBytesString is Kafka's Bytes#toString: printable ASCII as is,
// everything else as \xNN.
func javaBytesString(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= ' ' && c <= '~' && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02X", c)
		}
	}
	return sb.String()
}

// javaDouble prints a float as Java's Double#toString does: plain decimal
// notation between 10^-3 and 10^7, scientific ("1.0E10") outside it, and
// always at least one digit after the point.
func javaDouble(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	abs := math.Abs(v)
	if v == 0 || abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'e', -1, bits), "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}
