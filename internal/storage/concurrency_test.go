package storage

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

func TestConcurrentReadersAndAppender(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionBytes = 20_000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	const batches = 400
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := int64(0)
			for {
				select {
				case <-stop:
					return
				default:
				}
				end := l.EndOffsetMetadata()
				res, err := l.Read(next, 2048, end, true)
				if errors.Is(err, ErrOffsetOutOfRange) {
					next = l.LogStartOffset() // retention passed us
					continue
				}
				if err != nil {
					errc <- err
					return
				}
				data, err := res.Slice.AppendTo(nil)
				res.Slice.Release()
				if err != nil {
					errc <- err
					return
				}
				for len(data) > 0 {
					b, rest, err := record.Peek(data)
					if err != nil || b.CRC() != b.ComputeCRC() || b.LastOffset() < next {
						errc <- errors.New("read a bad or out-of-order batch")
						return
					}
					next, data = b.NextOffset(), rest
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // retention and flushes race the appender
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := l.ApplyRetention(l.clock.Now(), l.LogEndOffset()); err != nil {
				errc <- err
				return
			}
			if err := l.Flush(); err != nil {
				errc <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for range batches {
		b := makeBatch(batchSpec{base: l.LogEndOffset(), n: 3, ts: 1, valueSize: 40})
		info, err := l.Append(b)
		if err != nil {
			t.Fatal(err)
		}
		if info.FlushTo > 0 {
			if err := l.FlushUpTo(info.FlushTo); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
	if l.LogEndOffset() != 3*batches {
		t.Fatalf("log end %d", l.LogEndOffset())
	}
}

func TestDeletionWaitsForOutstandingSlice(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(40, 1, 200)
	first := l.Segments()[0]
	res, err := l.Read(0, 1<<20, l.EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(first.Path)
	// Retention deletes the segment while the "fetch" still holds it.
	if _, err := l.DeleteRecordsBefore(l.Segments()[1].BaseOffset, l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.Path); !os.IsNotExist(err) {
		t.Fatal("the deleted segment kept its name")
	}
	if _, err := os.Stat(first.Path + deletedSuffix); err != nil {
		t.Fatalf("the segment was unlinked while a slice holds it: %v", err)
	}
	var buf bytes.Buffer
	if _, err := res.Slice.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want[:res.Slice.Len()]) {
		t.Fatal("the slice's bytes changed")
	}
	res.Slice.Release()
	if _, err := os.Stat(first.Path + deletedSuffix); !os.IsNotExist(err) {
		t.Fatalf("the segment outlived its last reader: %v", err)
	}
	res.Slice.Release() // a second release is a no-op
}

func TestSendfileToTCP(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 4 << 20
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(200, 4, 1000) // ~800 KB, more than a socket buffer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		data, _ := io.ReadAll(c)
		got <- data
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Read(8, 1<<30, l.EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, handled, err := sendFile(conn, res.Slice.f, 0, 0); !handled || err != nil {
		t.Fatalf("a TCP connection does not take sendfile: %v", err)
	}
	n, err := res.Slice.WriteTo(conn.(*net.TCPConn))
	if err != nil || n != int64(res.Slice.Len()) {
		t.Fatalf("sent %d of %d: %v", n, res.Slice.Len(), err)
	}
	want, err := res.Slice.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Slice.Release()
	conn.Close()
	if data := <-got; !bytes.Equal(data, want) {
		t.Fatalf("received %d bytes, want %d identical ones", len(data), len(want))
	}
	// Two slices of the same file sent concurrently do not disturb each other.
	var wg sync.WaitGroup
	for _, start := range []int64{0, 400} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := net.Pipe()
			defer a.Close()
			r, err := l.Read(start, 1<<30, l.EndOffsetMetadata(), true)
			if err != nil {
				t.Error(err)
				return
			}
			defer r.Slice.Release()
			done := make(chan []byte)
			go func() { d, _ := io.ReadAll(b); done <- d }()
			r.Slice.WriteTo(a)
			a.Close()
			want, _ := r.Slice.AppendTo(nil)
			if !bytes.Equal(<-done, want) {
				t.Error("concurrent slices interfered")
			}
		}()
	}
	wg.Wait()
}
