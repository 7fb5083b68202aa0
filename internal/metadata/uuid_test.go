package metadata

import (
	"strings"
	"testing"
)

func TestUUIDText(t *testing.T) {
	tests := []struct {
		u    UUID
		text string
	}{
		{ZeroUUID, "AAAAAAAAAAAAAAAAAAAAAA"},
		{MetadataTopicID, "AAAAAAAAAAAAAAAAAAAAAQ"},
		{UUID{0: 0xfb, 15: 0xff}, "-wAAAAAAAAAAAAAAAAAA_w"},
	}
	for _, tt := range tests {
		if got := tt.u.String(); got != tt.text {
			t.Errorf("%x.String() = %q, want %q", tt.u, got, tt.text)
		}
		got, err := ParseUUID(tt.text)
		if err != nil || got != tt.u {
			t.Errorf("ParseUUID(%q) = %x, %v; want %x", tt.text, got, err, tt.u)
		}
	}
}

func TestParseUUIDPadded(t *testing.T) {
	u, err := ParseUUID("AAAAAAAAAAAAAAAAAAAAAQ==")
	if err != nil || u != MetadataTopicID {
		t.Fatalf("ParseUUID(padded) = %v, %v", u, err)
	}
}

func TestParseUUIDErrors(t *testing.T) {
	for _, s := range []string{"", "AAAA", "AAAAAAAAAAAAAAAAAAAAA!", strings.Repeat("A", 25), "AAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := ParseUUID(s); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", s)
		}
	}
}

func TestNewUUID(t *testing.T) {
	seen := map[UUID]bool{}
	for range 1000 {
		u := NewUUID()
		if !u.Assignable() || seen[u] {
			t.Fatalf("NewUUID() = %s: reserved, dash-prefixed or repeated", u)
		}
		if u[6]>>4 != 4 || u[8]>>6 != 2 {
			t.Fatalf("NewUUID() = %x: not a version 4 UUID", u)
		}
		seen[u] = true
	}
	if ZeroUUID.Assignable() || MetadataTopicID.Assignable() || (UUID{0: 0xfb}).Assignable() {
		t.Fatal("a reserved or dash-prefixed UUID is assignable")
	}
}
