package config

import (
	"errors"
	"sort"
)

// Layers holds the raw config strings that decide a value, by precedence:
// a topic's overrides, then this broker's dynamic config, then the
// cluster-wide dynamic default, then server.properties, then the defaults of
// the definition tables. Nil maps are empty layers.
type Layers struct {
	Topic          map[string]string // dynamic topic config (topic overrides)
	DynamicBroker  map[string]string // dynamic config of this broker
	DynamicDefault map[string]string // dynamic cluster-wide default
	Static         map[string]string // server.properties as read
}

// brokerLayer is one of the broker-level layers with the source it reports.
type brokerLayer struct {
	values map[string]string
	source Source
}

func (l Layers) brokerLayers() []brokerLayer {
	return []brokerLayer{
		{l.DynamicBroker, SourceDynamicBrokerConfig},
		{l.DynamicDefault, SourceDynamicDefaultBrokerConfig},
		{l.Static, SourceStaticBrokerConfig},
	}
}

// idAliases are keys Kafka treats as one when only one of them is given
// (KafkaConfig.populateSynonyms).
var idAliases = map[string]string{"node.id": "broker.id", "broker.id": "node.id"}

// get returns a layer's raw value of name. Within one layer node.id and
// broker.id stand in for each other, as Kafka copies one into the other.
func (b brokerLayer) get(name string) (string, bool) {
	if v, ok := b.values[name]; ok {
		return v, true
	}
	if alias, ok := idAliases[name]; ok {
		v, ok := b.values[alias]
		return v, ok
	}
	return "", false
}

// brokerRaw returns the raw value of a broker key from the highest layer
// that sets it, with that layer's source.
func (l Layers) brokerRaw(name string) (string, Source, bool) {
	for _, b := range l.brokerLayers() {
		if v, ok := b.get(name); ok {
			return v, b.source, true
		}
	}
	return "", SourceDefaultConfig, false
}

// brokerSet reports whether any broker layer sets name.
func (l Layers) brokerSet(name string) bool {
	_, _, ok := l.brokerRaw(name)
	return ok
}

// brokerDefault is the default of a broker key under these layers. It is
// the definition's default except for controller.quorum.voters, whose
// single-node default gives way to a configured dynamic quorum.
func (l Layers) brokerDefault(d Def) (string, bool) {
	if d.Name == "controller.quorum.voters" && l.brokerSet("controller.quorum.bootstrap.servers") {
		return "", true
	}
	return d.Default, !d.Null
}

// values holds every broker key's parsed effective value; nil is a null.
type values map[string]any

// brokerValues parses the effective value of every broker key. Bad values
// are all reported, sorted by key.
func (l Layers) brokerValues() (values, error) {
	v := make(values, len(brokerDefs))
	var errs []error
	for _, d := range brokerDefs {
		raw, _, ok := l.brokerRaw(d.Name)
		if !ok {
			raw, ok = l.brokerDefault(d)
		}
		if !ok {
			v[d.Name] = nil
			continue
		}
		parsed, err := d.parse(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v[d.Name] = parsed
	}
	sortErrors(errs)
	return v, errors.Join(errs...)
}

func sortErrors(errs []error) {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}

func (v values) bool(k string) bool     { return v[k].(bool) }
func (v values) int16(k string) int16   { return v[k].(int16) }
func (v values) int32(k string) int32   { return v[k].(int32) }
func (v values) int64(k string) int64   { return v[k].(int64) }
func (v values) float(k string) float64 { return v[k].(float64) }
func (v values) list(k string) []string { return v[k].([]string) }
func (v values) isNull(k string) bool   { return v[k] == nil }

// str returns a string key's value, "" for a null.
func (v values) str(k string) string {
	s, _ := v[k].(string)
	return s
}
