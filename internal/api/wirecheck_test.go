package api

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/wirecheck"
)

// Every request Handle accepts is walked by wirecheck before kmsg decodes
// it, so an API cannot be served without a request schema there: adding a
// row (or raising a max version) here means describing the request in
// internal/wirecheck first.
func TestEveryServedVersionHasWireSchema(t *testing.T) {
	for _, s := range apiTable() {
		for v := s.min; v <= s.max; v++ {
			if !wirecheck.Supports(s.key, v) {
				t.Errorf("%s v%d is served but internal/wirecheck has no request schema for it",
					kmsg.NameForKey(s.key), v)
			}
		}
	}
}

// Bodies that made kmsg v1.15.0 loop for about 50 s close the connection
// at once.
func TestHandleRefusesSpinningBodies(t *testing.T) {
	h := NewHandler(Deps{})
	for name, frame := range map[string]string{
		// Metadata v12, correlation id 1, null client id, no header tags;
		// the body's tagged-field count is 2^32-1.
		"metadata": "0003000c00000001ffff00 010000ffffffff0f",
		// Produce v13 as the broker fuzzer sent it (without the size).
		"produce": "0000000d0000000d000466757a7a00" +
			"00ffff000003e8026a09a61d6d0e48cd82477c62cef23dac020000000100fffffff50000000000" +
			"0000000d00000052ffffffff96969696969696960000",
	} {
		t.Run(name, func(t *testing.T) {
			b, err := hex.DecodeString(strings.ReplaceAll(frame, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = h.Handle(context.Background(), nil, b)
			if err == nil || !strings.Contains(err.Error(), "tagged-field count") {
				t.Fatalf("got %v, want the tagged-field count refused", err)
			}
			if took := time.Since(start); took > time.Second {
				t.Fatalf("took %v", took)
			}
		})
	}
}
