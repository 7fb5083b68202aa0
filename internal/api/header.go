package api

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Header is a request header (v1 or v2).
type Header struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      string
}

var errShortHeader = errors.New("request header is truncated")

// parseHeader splits a request frame into its header and body. Whether the
// header carries tagged fields (v2) depends on whether the request version
// is flexible, which only kmsg knows, so the caller passes isFlexible.
func parseHeader(frame []byte, isFlexible func(key, version int16) (bool, bool)) (Header, []byte, error) {
	if len(frame) < 8 {
		return Header{Key: -1}, nil, errShortHeader
	}
	h := Header{
		Key:           int16(binary.BigEndian.Uint16(frame)),
		Version:       int16(binary.BigEndian.Uint16(frame[2:])),
		CorrelationID: int32(binary.BigEndian.Uint32(frame[4:])),
	}
	if len(frame) < 10 {
		return h, nil, errShortHeader
	}
	rest := frame[8:]
	idLen := int16(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if idLen > 0 {
		if int(idLen) > len(rest) {
			return h, nil, errShortHeader
		}
		h.ClientID = string(rest[:idLen])
		rest = rest[idLen:]
	} else if idLen < -1 {
		return h, nil, fmt.Errorf("client id length %d", idLen)
	}
	flexible, known := isFlexible(h.Key, h.Version)
	if !known || !flexible {
		return h, rest, nil
	}
	rest, err := skipTags(rest)
	return h, rest, err
}

// skipTags skips a tagged-field section (KIP-482): a count, then for each
// field a tag, a size and the data.
func skipTags(b []byte) ([]byte, error) {
	n, b, err := uvarint(b)
	if err != nil {
		return nil, err
	}
	for i := uint64(0); i < n; i++ {
		if _, b, err = uvarint(b); err != nil {
			return nil, err
		}
		var size uint64
		if size, b, err = uvarint(b); err != nil {
			return nil, err
		}
		if size > uint64(len(b)) {
			return nil, errShortHeader
		}
		b = b[size:]
	}
	return b, nil
}

func uvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errShortHeader
	}
	return v, b[n:], nil
}

// kmsgFlexible reports whether kmsg knows the key and, if so, whether the
// version is flexible.
func kmsgFlexible(key, version int16) (flexible, known bool) {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return false, false
	}
	req.SetVersion(version)
	return req.IsFlexible(), true
}
