package wirecheck

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// unhex decodes hex with spaces between groups for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The inputs the fuzzer found: kmsg v1.15.0 loops for about 50 s on each.
const (
	// Metadata v12: no topics, two false flags, then a tagged-field count
	// of 2^32-1.
	spinMetadataBody = "01 00 00 ffffffff0f"
	// A Produce v13 frame without its size: the header (key 0, version
	// 13, correlation id 13, client id "fuzz", no tags), then a body
	// whose partition declares a tagged-field count past what is left.
	spinProduceFrame = "0000000d0000000d000466757a7a00" +
		"00ffff000003e8026a09a61d6d0e48cd82477c62cef23dac020000000100fffffff50000000000" +
		"0000000d00000052ffffffff96969696969696960000"
)

// splitFrame splits a request frame (without its size) into key, version
// and body, skipping the header's tagged fields in flexible versions.
func splitFrame(t testing.TB, frame []byte) (key, version int16, body []byte) {
	t.Helper()
	key, version = int16(frame[0])<<8|int16(frame[1]), int16(frame[2])<<8|int16(frame[3])
	idLen := int(frame[8])<<8 | int(frame[9])
	body = frame[10+idLen:]
	c, _ := lookup(key, version)
	if version >= c.msg.flexible {
		if body[0] != 0 {
			t.Fatalf("seed frame with header tags")
		}
		body = body[1:]
	}
	return key, version, body
}

func TestSpinInputsRefused(t *testing.T) {
	key, version, body := splitFrame(t, unhex(t, spinProduceFrame))
	for _, tc := range []struct {
		name         string
		key, version int16
		body         []byte
		field        string
	}{
		{"metadata", 3, 12, unhex(t, spinMetadataBody), ""},
		{"produce", key, version, body, "TopicData.PartitionData"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Request(tc.key, tc.version, tc.body)
			var e *Error
			if !errors.As(err, &e) || e.reason != reasonShort || e.what != "tagged-field count" || e.Field != tc.field {
				t.Fatalf("got %v, want a tagged-field count refused at %q", err, tc.field)
			}
		})
	}
}

// kmsg decodes a known tag at every flexible version, whatever version
// Kafka added it in. Fetch's ReplicaState (tag 1, Kafka 15+) is a struct
// with its own tagged fields, so at v12 it too must be walked, or a count
// inside it would spin kmsg.
func TestTaggedStructWalkedAtEveryFlexibleVersion(t *testing.T) {
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(12)
	req.ReplicaState.ID, req.ReplicaState.Epoch = 1, 2
	body := req.AppendTo(nil)
	// The body ends with the top-level tags: one field, tag 1, 13 bytes:
	// ID, Epoch and ReplicaState's own empty tag section.
	tail := unhex(t, "01 01 0d 00000001 0000000000000002 00")
	if !bytes.HasSuffix(body, tail) {
		t.Fatalf("unexpected encoding %x", body)
	}
	if err := Request(1, 12, body); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	spin := append(body[:len(body)-len(tail):len(body)-len(tail)],
		unhex(t, "01 01 11 00000001 0000000000000002 ffffffff0f")...)
	err := Request(1, 12, spin)
	var e *Error
	if !errors.As(err, &e) || e.Field != "ReplicaState" || e.what != "tagged-field count" {
		t.Fatalf("got %v, want ReplicaState's tagged-field count refused", err)
	}
}

// Refusals of what kmsg would decode: Kafka refuses these, or reads them
// differently from kmsg.
func TestStricterThanKmsg(t *testing.T) {
	for _, tc := range []struct {
		name         string
		key, version int16
		body         string
		reason       reason
		field        string
	}{
		{"trailing byte", 18, 0, "00", reasonTrailing, ""},
		{"null non-nullable array", 3, 0, "ffffffff", reasonNull, "Topics"},
		{"compact null non-nullable array", 61, 0, "00 00", reasonNull, "Topics"},
		{"compact count past int32", 61, 0, "8280808008 00", reasonNull, "Topics"},
		{"struct marker below -1", 75, 0, "01 00000001 fe 01 00000000 00 00", reasonMarker, "Cursor"},
		{"tagged field longer than its content", 1, 12,
			"ffffffff 00000000 00000000 7fffffff 00 00000000 ffffffff 01 01 01 01 00 02 01ff",
			reasonTagSize, "ClusterId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := unhex(t, tc.body)
			wantReason(t, Request(tc.key, tc.version, body), tc.reason, tc.field)
			if err, _ := kmsgDecode(tc.key, tc.version, body); err != nil {
				t.Fatalf("kmsg refuses it too (%v): not a case of being stricter", err)
			}
		})
	}
}

func wantReason(t *testing.T, err error, r reason, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.reason != r || e.Field != field {
		t.Fatalf("got %v, want reason %d at %q", err, r, field)
	}
	if e.Error() == "" {
		t.Fatal("empty message")
	}
}
