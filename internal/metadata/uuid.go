package metadata

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// UUID is Kafka's 128-bit identifier, used for topic IDs, broker incarnation
// IDs and cluster IDs. Its text form is Kafka's: URL-safe base64 without
// padding, 22 characters.
type UUID [16]byte

// TopicID identifies a topic for its whole life: a topic deleted and created
// again under the same name gets a new ID.
type TopicID = UUID

// ZeroUUID means "no ID" on the wire and is never assigned.
var ZeroUUID UUID

// MetadataTopicID is the ID Kafka reserves for the __cluster_metadata topic
// (the UUID with value 1); it is never assigned to a user topic.
var MetadataTopicID = UUID{15: 1}

// IsZero reports whether u is the zero UUID.
func (u UUID) IsZero() bool { return u == ZeroUUID }

// Reserved reports whether u is one of the IDs Kafka never hands out.
func (u UUID) Reserved() bool { return u == ZeroUUID || u == MetadataTopicID }

// String returns Kafka's text form of u.
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// ParseUUID parses Kafka's text form of a UUID. Like Kafka it also accepts the
// padded 24-character form.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) > 24 {
		return u, fmt.Errorf("parse uuid %.24q...: too long", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return u, fmt.Errorf("parse uuid %q: %w", s, err)
	}
	if len(b) != len(u) {
		return u, fmt.Errorf("parse uuid %q: decoded to %d bytes, want 16", s, len(b))
	}
	copy(u[:], b)
	return u, nil
}

// NewUUID returns a random version-4 UUID that Kafka would also hand out: not
// reserved, and not starting with '-' in text form, so that command-line
// tools never mistake an ID for a flag.
func NewUUID() UUID {
	for {
		var u UUID
		rand.Read(u[:])         // never fails since Go 1.24: it crashes instead
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // IETF variant
		if u.Assignable() {
			return u
		}
	}
}

// Assignable reports whether Kafka could hand u out as a new ID.
func (u UUID) Assignable() bool {
	return !u.Reserved() && !strings.HasPrefix(u.String(), "-")
}
