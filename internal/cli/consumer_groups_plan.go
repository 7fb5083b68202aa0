package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reset plans are CSV, one partition a line: "topic,partition,offset" for
// a single group, "group,topic,partition,offset" otherwise.

// exportPlan is --export: the plan as the CSV --from-file reads.
func exportPlan(plan resetPlan, singleGroup bool) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, group := range sortedKeys(plan) {
		for _, tp := range slices.SortedFunc(maps.Keys(plan[group]), compareTopicPartitions) {
			rec := []string{tp.topic, strconv.Itoa(int(tp.partition)), strconv.FormatInt(plan[group][tp], 10)}
			if !singleGroup {
				rec = append([]string{group}, rec...)
			}
			_ = w.Write(rec) // a strings.Builder does not fail
		}
	}
	w.Flush()
	return b.String()
}

// fromFile is --from-file: the group's offsets from the plan, kept within
// each partition's log.
func (r *groupsRun) fromFile(ctx context.Context, group string) (map[topicPartition]int64, error) {
	plan, err := readResetPlan(r.o.fromFile, r.o.groups)
	if err != nil {
		return nil, err
	}
	offsets, ok := plan[group]
	if !ok {
		printError(r.t, fmt.Sprintf("No reset plan for group %s found.", group))
		return map[topicPartition]int64{}, nil
	}
	return r.clampToLog(ctx, offsets)
}

// readResetPlan reads a plan file. The group-less format is read when one
// --group is given and the first line has three columns.
func readResetPlan(path string, groups []string) (resetPlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "java.io.IOException: " + err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			msg = "java.nio.file.NoSuchFileException: " + path
		}
		return nil, &groupsFailure{msg: msg, trace: "java.lang.RuntimeException: " + msg}
	}
	lines := javaSplit(string(data), "\n")
	noGroup := false
	if len(groups) == 1 && len(lines) > 0 {
		rec, err := csvLine(lines[0])
		noGroup = err == nil && len(rec) == 3
	}
	plan := resetPlan{}
	for i, line := range lines {
		group, tp, offset, err := planLine(line, noGroup)
		if err != nil {
			msg := fmt.Sprintf("java.io.IOException: line %d of %s is not %s: %s", i+1, path, planColumns(noGroup), err)
			return nil, &groupsFailure{msg: msg, trace: "java.lang.RuntimeException: " + msg}
		}
		if noGroup {
			group = groups[0]
		}
		if plan[group] == nil {
			plan[group] = map[topicPartition]int64{}
		}
		plan[group][tp] = offset
	}
	return plan, nil
}

func planColumns(noGroup bool) string {
	if noGroup {
		return "topic,partition,offset"
	}
	return "group,topic,partition,offset"
}

func csvLine(line string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimSuffix(line, "\r")))
	r.FieldsPerRecord = -1
	return r.Read()
}

func planLine(line string, noGroup bool) (group string, tp topicPartition, offset int64, err error) {
	rec, err := csvLine(line)
	if err != nil {
		return "", tp, 0, fmt.Errorf("%q", line)
	}
	if !noGroup {
		if len(rec) != 4 {
			return "", tp, 0, fmt.Errorf("%q", line)
		}
		group, rec = rec[0], rec[1:]
	}
	if len(rec) != 3 {
		return "", tp, 0, fmt.Errorf("%q", line)
	}
	p, err1 := strconv.ParseInt(rec[1], 10, 32)
	offset, err2 := strconv.ParseInt(rec[2], 10, 64)
	if err1 != nil || err2 != nil {
		return "", tp, 0, fmt.Errorf("%q", line)
	}
	return group, topicPartition{rec[0], int32(p)}, offset, nil
}

// kafkaDateTime is the form Kafka's Utils.getDateTime parses:
// yyyy-MM-dd'T'HH:mm:ss.SSS with a zone (Z, +hh, +hhmm or +hh:mm).
var kafkaDateTime = regexp.MustCompile(`^(\d{1,9})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,3})(Z|[+-]\d{2}(?::?\d{2})?)$`)

// parseKafkaDateTime reads --to-datetime as Kafka does: a time without a
// zone is UTC. The errors are Java's ParseException messages.
func parseKafkaDateTime(s string) (int64, error) {
	parts := javaSplit(s, "T")
	if len(parts) < 2 {
		return 0, errors.New("Error parsing timestamp. It does not contain a 'T' according to ISO8601 format")
	}
	if !strings.ContainsAny(parts[1], "+-Z") {
		s += "Z"
	}
	unparseable := fmt.Errorf("Unparseable date: \"%s\"", s)
	m := kafkaDateTime.FindStringSubmatch(s)
	if m == nil {
		return 0, unparseable
	}
	n := make([]int, 7)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	year, month, day, hour, minute, sec, ms := n[0], n[1], n[2], n[3], n[4], n[5], n[6]
	offset, ok := zoneOffset(m[8])
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), time.FixedZone("", offset))
	// SimpleDateFormat is not lenient here: no day 32, no hour 24.
	if !ok || month < 1 || month > 12 || t.Day() != day || hour > 23 || minute > 59 || sec > 59 {
		return 0, unparseable
	}
	return t.UnixMilli(), nil
}

// zoneOffset reads Z, ±hh, ±hhmm or ±hh:mm into seconds east of UTC.
func zoneOffset(z string) (int, bool) {
	if z == "Z" {
		return 0, true
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, _ := strconv.Atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	secs := h*3600 + m*60
	if z[0] == '-' {
		secs = -secs
	}
	return secs, true
}

// isoDuration is the form java.time.Duration.parse reads: PnDTnHnMn.nS,
// each number signed, the whole optionally negated.
var isoDuration = regexp.MustCompile(`(?i)^([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$`)

var errDuration = errors.New("Text cannot be parsed to a Duration")

// parseISODuration reads --by-duration into milliseconds, with
// Duration.parse's error message.
func parseISODuration(s string) (int64, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || strings.EqualFold(m[3], "T") || m[2] == "" && m[4] == "" && m[5] == "" && m[6] == "" {
		return 0, errDuration
	}
	var total float64 // seconds; float64 holds any duration Kafka accepts to well under a millisecond
	for _, unit := range []struct {
		text string
		secs float64
	}{{m[2], 86400}, {m[4], 3600}, {m[5], 60}, {m[6], 1}} {
		if unit.text == "" {
			continue
		}
		n, err := strconv.ParseInt(unit.text, 10, 64)
		if err != nil {
			return 0, errDuration
		}
		total += float64(n) * unit.secs
	}
	if m[7] != "" {
		frac, _ := strconv.ParseFloat("0."+m[7], 64)
		if strings.HasPrefix(m[6], "-") {
			frac = -frac
		}
		total += frac
	}
	if m[1] == "-" {
		total = -total
	}
	ms := math.Round(total * 1000)
	if math.Abs(ms) > math.MaxInt64/2 {
		return 0, errDuration
	}
	return int64(ms), nil
}
