// Package wirecheck checks the shape of a Kafka request body before kmsg
// decodes it.
//
// Why: kmsg v1.15.0 reads the tagged-field count at the end of every struct
// of a flexible version (a uvarint up to 2^32-1) and loops that many times
// even after its input has run out, so a 20-byte request can keep a core
// busy for most of a minute. No fixed kmsg exists, and we do not copy its
// code, so requests are walked here first.
//
// What: Request walks a body along the schema of its API and version and
// refuses it if any length, count or tagged-field count cannot fit in the
// bytes that follow it (a tagged field takes at least two bytes, an array
// element at least its smallest encoding), if a value is malformed, or if
// the walk does not end exactly at the end of the body. A body it accepts
// is decoded by kmsg in time linear in its size. It also refuses a few
// things kmsg lets through but Kafka does not (null for a non-nullable
// array, a known tagged field whose content does not fill its size); see
// the reasons in error.go.
//
// How: the schemas (schemas_*.go) are written by hand after Kafka's JSON
// message definitions, and after kmsg for versions newer than those, with
// the versions in which each field exists. At start-up each is compiled
// into one plan per version (compile.go) with the versions resolved and
// runs of fixed-size fields merged, so a check makes no version
// comparisons, copies nothing and allocates nothing unless it refuses. The
// tests make kmsg the oracle: its random encodings of every API and version
// are accepted, their truncations refused, and mutations accepted only if
// kmsg decodes them; a field a schema lets be null must be one kmsg keeps
// null when it encodes what it decoded.
//
// Every API the broker serves must have a schema: internal/api's tests fail
// for a row of its version table that has none.
package wirecheck
