package cleaner

import "github.com/spoolhq/spool/internal/record"

// transactions is where the cleaner meets transactions, as Kafka's
// CleanedTransactionMetadata: it is told of every batch in offset order,
// and will say which batches belong to aborted transactions (removed at
// once, whatever their keys, and left out of the offset map) and which
// markers may go (a commit marker no batch of its transaction is left for,
// an abort marker once its transaction's batches are gone, either only
// past its delete horizon). That needs the aborted transactions of the
// cleaned range, from the transaction index, which comes with
// transactions; until then every batch is taken as committed and every
// marker is kept, which is what Kafka does for logs without transactions.
type transactions struct{}

// abortedData reports whether data batch b belongs to an aborted
// transaction.
func (transactions) abortedData(record.Batch) bool { return false }

// removableMarker reports whether control batch b may be removed at time
// now (ms).
func (transactions) removableMarker(record.Batch, int64) bool { return false }
