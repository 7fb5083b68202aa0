package cli

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// clientMetrics counts what --print-metrics reports. Kafka's tools print
// the Java client's metric registry; franz-go has none, so these few
// counterparts are gathered from its hooks and printed in the same table.
type clientMetrics struct {
	clientID string
	start    time.Time
	mu       struct {
		sync.Mutex
		requests, bytesOut, bytesIn        int64
		batches, batchBytes, recordsSent   int64
		uncompressed, maxBatch             int64
		fetchBatches, fetchRecords, fetchB int64
	}
}

func newClientMetrics(clientID string) *clientMetrics {
	return &clientMetrics{clientID: clientID, start: time.Now()}
}

var (
	_ kgo.HookBrokerWrite         = (*clientMetrics)(nil)
	_ kgo.HookBrokerRead          = (*clientMetrics)(nil)
	_ kgo.HookProduceBatchWritten = (*clientMetrics)(nil)
	_ kgo.HookFetchBatchRead      = (*clientMetrics)(nil)
)

func (m *clientMetrics) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, err error) {
	if err != nil {
		return
	}
	m.mu.Lock()
	m.mu.requests++
	m.mu.bytesOut += int64(n)
	m.mu.Unlock()
}

func (m *clientMetrics) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, err error) {
	if err != nil {
		return
	}
	m.mu.Lock()
	m.mu.bytesIn += int64(n)
	m.mu.Unlock()
}

func (m *clientMetrics) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, b kgo.ProduceBatchMetrics) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mu.batches++
	m.mu.batchBytes += int64(b.CompressedBytes)
	m.mu.uncompressed += int64(b.UncompressedBytes)
	m.mu.maxBatch = max(m.mu.maxBatch, int64(b.CompressedBytes))
}

// recordSent counts a record the broker acknowledged. It is counted from
// the record's promise rather than franz-go's batch hook, which runs after
// the batch's promises, so a Flush can return before the last batch's hook
// has counted it.
func (m *clientMetrics) recordSent() {
	m.mu.Lock()
	m.mu.recordsSent++
	m.mu.Unlock()
}

func (m *clientMetrics) OnFetchBatchRead(_ kgo.BrokerMetadata, _ string, _ int32, b kgo.FetchBatchMetrics) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mu.fetchBatches++
	m.mu.fetchRecords += int64(b.NumRecords)
	m.mu.fetchB += int64(b.UncompressedBytes)
}

// write prints the metrics as Kafka's ToolsUtils.printMetrics does: sorted
// "group:name:{tags}" names padded to one width, " : ", the value.
func (m *clientMetrics) write(w io.Writer, group string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	secs := time.Since(m.start).Seconds()
	ratio := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	values := map[string]float64{
		"request-total":       float64(m.mu.requests),
		"request-rate":        float64(m.mu.requests) / secs,
		"outgoing-byte-total": float64(m.mu.bytesOut),
		"incoming-byte-total": float64(m.mu.bytesIn),
	}
	if group == "producer-metrics" {
		values["batch-size-avg"] = ratio(m.mu.batchBytes, m.mu.batches)
		values["batch-size-max"] = float64(m.mu.maxBatch)
		values["record-send-total"] = float64(m.mu.recordsSent)
		values["record-send-rate"] = float64(m.mu.recordsSent) / secs
		values["compression-rate-avg"] = ratio(m.mu.batchBytes, m.mu.uncompressed)
	} else {
		values["records-consumed-total"] = float64(m.mu.fetchRecords)
		values["records-consumed-rate"] = float64(m.mu.fetchRecords) / secs
		values["bytes-consumed-total"] = float64(m.mu.fetchB)
		values["records-per-batch-avg"] = ratio(m.mu.fetchRecords, m.mu.fetchBatches)
	}
	names := make([]string, 0, len(values))
	width := len("Metric Name")
	full := map[string]string{}
	for name := range values {
		n := fmt.Sprintf("%s:%s:{client-id=%s}", group, name, m.clientID)
		full[name] = n
		names = append(names, name)
		width = max(width, len(n))
	}
	sort.Slice(names, func(i, j int) bool { return full[names[i]] < full[names[j]] })
	fmt.Fprintf(w, "\n%-*s   %s\n", width, "Metric Name", "Value")
	for _, name := range names {
		fmt.Fprintf(w, "%-*s : %.3f\n", width, full[name], values[name])
	}
}
