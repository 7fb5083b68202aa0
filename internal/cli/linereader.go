package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// lineReader turns stdin lines into records as Kafka's LineMessageReader
// does: optionally "headers<TAB>key<TAB>value", with configurable
// separators and a marker that stands for null.
type lineReader struct {
	parseKey, parseHeaders, ignoreError bool
	keySep, headersDelim                string
	headersSep, headersKeySep           string
	nullMarker                          *string
}

// newLineReader reads the reader properties (parse.key, key.separator,
// ...); unknown ones are ignored, as Kafka's reader ignores them.
func newLineReader(p props) (*lineReader, error) {
	r := &lineReader{keySep: "\t", headersDelim: "\t", headersSep: ",", headersKeySep: ":"}
	r.parseKey = p.boolProp("parse.key")
	r.parseHeaders = p.boolProp("parse.headers")
	r.ignoreError = p.boolProp("ignore.error")
	set := func(key string, dst *string) {
		if v, ok := p[key]; ok {
			*dst = v
		}
	}
	set("key.separator", &r.keySep)
	set("headers.delimiter", &r.headersDelim)
	set("headers.separator", &r.headersSep)
	set("headers.key.separator", &r.headersKeySep)
	if v, ok := p["null.marker"]; ok {
		r.nullMarker = &v
	}
	return r, r.validate()
}

// validate refuses separators that would make lines ambiguous.
func (r *lineReader) validate() error {
	type named struct{ name, value string }
	distinct := [][2]named{
		{{"headers.delimiter", r.headersDelim}, {"headers.separator", r.headersSep}},
		{{"headers.delimiter", r.headersDelim}, {"headers.key.separator", r.headersKeySep}},
		{{"headers.separator", r.headersSep}, {"headers.key.separator", r.headersKeySep}},
	}
	if r.nullMarker != nil {
		m := named{"null.marker", *r.nullMarker}
		distinct = append(distinct,
			[2]named{m, {"key.separator", r.keySep}},
			[2]named{m, {"headers.separator", r.headersSep}},
			[2]named{m, {"headers.delimiter", r.headersDelim}},
			[2]named{m, {"headers.key.separator", r.headersKeySep}},
		)
	}
	for _, p := range distinct {
		if p[0].value == p[1].value {
			return fmt.Errorf("%s and %s may not be equal", p[0].name, p[1].name)
		}
	}
	return nil
}

// record parses one line (without its line terminator) into a record.
func (r *lineReader) record(topic, line string, lineNo int) (*kgo.Record, error) {
	rest := line
	headers, rest, err := r.field(r.parseHeaders, rest, r.headersDelim, "headers delimiter", line, lineNo)
	if err != nil {
		return nil, err
	}
	key, value, err := r.field(r.parseKey, rest, r.keySep, "key separator", line, lineNo)
	if err != nil {
		return nil, err
	}
	rec := &kgo.Record{Topic: topic, Key: r.bytes(key), Value: r.bytes(&value)}
	if headers != nil && !r.isNull(*headers) {
		if rec.Headers, err = r.splitHeaders(*headers, lineNo); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// field cuts the part of s before sep when enabled; a missing separator is
// an error unless ignore.error is set, in which case the field is absent.
func (r *lineReader) field(enabled bool, s, sep, what, line string, lineNo int) (*string, string, error) {
	if !enabled {
		return nil, s, nil
	}
	before, after, found := strings.Cut(s, sep)
	if !found {
		if r.ignoreError {
			return nil, s, nil
		}
		return nil, "", fmt.Errorf("No %s found on line number %d: '%s'", what, lineNo, line)
	}
	return &before, after, nil
}

func (r *lineReader) isNull(s string) bool { return r.nullMarker != nil && s == *r.nullMarker }

// bytes is the record field for s: nil for an absent field or the null
// marker, which Kafka sends as null rather than as empty.
func (r *lineReader) bytes(s *string) []byte {
	if s == nil || r.isNull(*s) {
		return nil
	}
	return []byte(*s)
}

func (r *lineReader) splitHeaders(s string, lineNo int) ([]kgo.RecordHeader, error) {
	pairs := strings.Split(s, r.headersSep)
	for len(pairs) > 0 && pairs[len(pairs)-1] == "" {
		pairs = pairs[:len(pairs)-1] // as Java's String#split drops them
	}
	headers := make([]kgo.RecordHeader, 0, len(pairs))
	for _, pair := range pairs {
		k, v, found := strings.Cut(pair, r.headersKeySep)
		if !found {
			if r.ignoreError {
				headers = append(headers, kgo.RecordHeader{Key: pair})
				continue
			}
			return nil, fmt.Errorf("No header key separator found in pair '%s' on line number %d", pair, lineNo)
		}
		if r.isNull(k) {
			return nil, errors.New("Header keys should not be equal to the null marker '" + *r.nullMarker + "' as they can't be null")
		}
		headers = append(headers, kgo.RecordHeader{Key: k, Value: r.bytes(&v)})
	}
	return headers, nil
}
