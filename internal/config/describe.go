package config

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// Entry is one config of a DescribeConfigs result.
type Entry struct {
	Name string
	// Value is nil for sensitive configs and for unset configs without a
	// default.
	Value         *string
	Source        Source
	ReadOnly      bool
	Sensitive     bool
	Type          Type
	Documentation string
	// Synonyms are the keys that could supply the value, highest precedence
	// first; filled only when asked for.
	Synonyms []Synonym
}

// Synonym is a key and layer that sets (or defaults) a described config.
type Synonym struct {
	Name   string
	Value  *string
	Source Source
}

// ClusterDefault is the node id that stands for the cluster-wide default
// broker resource (a BROKER resource with an empty name).
const ClusterDefault int32 = -1

// ParseBrokerResource turns a BROKER resource name into the node id to
// describe or alter: ClusterDefault for the empty name, self for this
// node's id. Other names are errors, which Kafka answers with
// INVALID_REQUEST.
func ParseBrokerResource(name string, self int32) (int32, error) {
	if name == "" {
		return ClusterDefault, nil
	}
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("broker id must be an integer, but it is: %s", name)
	}
	if int32(id) != self {
		return 0, fmt.Errorf("unexpected broker id, expected %d or empty string, but received %s", self, name)
	}
	return self, nil
}

// wanted filters names by the requested keys; no keys means all.
func wanted(names, keys []string) []string {
	if len(keys) == 0 {
		return names
	}
	var out []string
	for _, n := range names {
		if slices.Contains(keys, n) {
			out = append(out, n)
		}
	}
	return out
}

// DescribeTopic describes a topic's configs (nil keys: all of them) as
// Kafka does: the effective value, the layer it came from, and the
// overriding and broker synonym keys that are set, by precedence.
func DescribeTopic(l Layers, keys []string, includeSynonyms bool) []Entry {
	var out []Entry
	for _, name := range wanted(TopicKeys(), keys) {
		d, _ := lookupTopicDef(name)
		out = append(out, describeTopicKey(l, d, includeSynonyms, true))
	}
	return out
}

// DescribeCreatedTopic lists every config of a topic as a CreateTopics
// (v5+) response carries them. Kafka's controller resolves these itself and
// counts every set broker synonym, so unlike DescribeTopic a value set as
// log.retention.hours reports STATIC_BROKER_CONFIG.
func DescribeCreatedTopic(l Layers) []Entry {
	var out []Entry
	for _, name := range TopicKeys() {
		d, _ := lookupTopicDef(name)
		out = append(out, describeTopicKey(l, d, false, false))
	}
	return out
}

func describeTopicKey(l Layers, d topicDef, includeSynonyms, trimLikeBroker bool) Entry {
	r := l.resolveTopicKey(d)
	value := r.value
	if v, err := d.topicValue(r); err == nil {
		value = format(v)
	}
	var syns []Synonym
	if r.source == SourceDynamicTopicConfig {
		syns = append(syns, Synonym{Name: d.Name, Value: ptr(value), Source: SourceDynamicTopicConfig})
	}
	names := make([]string, len(d.synonyms))
	for i, s := range d.synonyms {
		names[i] = s.name
	}
	broker := l.brokerSynonyms(names, false)
	if trimLikeBroker {
		broker = dropUntil(broker, names)
	}
	syns = append(syns, broker...)
	e := Entry{
		Name:          d.Name,
		Value:         ptr(value),
		Source:        SourceDefaultConfig,
		Type:          d.Type,
		Documentation: d.Doc,
	}
	if len(syns) > 0 {
		e.Source = syns[0].Source
	}
	if includeSynonyms {
		e.Synonyms = syns
	}
	return e
}

// dropUntil drops broker synonyms until the first one named like the topic
// key's own broker key (names[0]), as Kafka's ConfigHelper does: with only
// log.retention.hours set, retention.ms reports DEFAULT_CONFIG and no
// synonyms, because the list never reaches log.retention.ms.
func dropUntil(syns []Synonym, names []string) []Synonym {
	if len(names) == 0 {
		return syns
	}
	for i, s := range syns {
		if s.Name == names[0] {
			return syns[i:]
		}
	}
	return nil
}

// brokerSynonyms lists, layer by layer from the highest, every one of the
// given broker keys that the layer sets, then their non-null defaults.
func (l Layers) brokerSynonyms(names []string, sensitive bool) []Synonym {
	var out []Synonym
	add := func(name, value string, src Source) {
		s := Synonym{Name: name, Source: src}
		if !sensitive {
			s.Value = ptr(value)
		}
		out = append(out, s)
	}
	for _, b := range l.brokerLayers() {
		for _, n := range names {
			if v, ok := b.get(n); ok {
				add(n, v, b.source)
			}
		}
	}
	for _, n := range names {
		if d, ok := lookupBrokerDef(n); ok {
			if v, ok := l.brokerDefault(d); ok {
				add(n, v, SourceDefaultConfig)
			}
		}
	}
	return out
}

// synonymGroup is the set of broker keys that describe one setting in
// different units, in precedence order (log.retention.ms, .minutes,
// .hours); a key in no group is its own group.
func synonymGroup(name string) []string {
	for _, d := range topicDefs {
		if len(d.synonyms) < 2 {
			continue
		}
		for _, s := range d.synonyms {
			if s.name == name {
				return TopicSynonyms(d.Name)
			}
		}
	}
	return []string{name}
}

// DescribeBroker describes broker configs as Kafka does. For a node id it
// lists every config (nil keys: all) with its effective value; for
// ClusterDefault it lists only the configs set as the dynamic cluster
// default. Synonyms of a key start at the key itself: a higher-precedence
// key of its group (log.retention.ms for log.retention.hours) is not listed.
func DescribeBroker(l Layers, nodeID int32, keys []string, includeSynonyms bool) []Entry {
	perBroker := nodeID != ClusterDefault
	var names []string
	if perBroker {
		for _, d := range brokerDefs {
			if !d.Internal || l.brokerSet(d.Name) {
				names = append(names, d.Name)
			}
		}
		sort.Strings(names)
	} else {
		for _, k := range sortedKeys(l.DynamicDefault) {
			if _, ok := lookupBrokerDef(k); ok {
				names = append(names, k)
			}
		}
	}
	var out []Entry
	for _, name := range wanted(names, keys) {
		d, _ := lookupBrokerDef(name)
		out = append(out, describeBrokerKey(l, d, perBroker, includeSynonyms))
	}
	return out
}

func describeBrokerKey(l Layers, d Def, perBroker, includeSynonyms bool) Entry {
	all := l.brokerSynonyms(synonymGroup(d.Name), d.Sensitive())
	for len(all) > 0 && all[0].Name != d.Name {
		all = all[1:]
	}
	var syns []Synonym
	for _, s := range all {
		if perBroker || s.Source == SourceDynamicDefaultBrokerConfig {
			syns = append(syns, s)
		}
	}
	e := Entry{
		Name:          d.Name,
		Source:        SourceDefaultConfig,
		ReadOnly:      d.Update == ReadOnly,
		Sensitive:     d.Sensitive(),
		Type:          d.Type,
		Documentation: d.Doc,
	}
	if len(syns) > 0 {
		e.Source = syns[0].Source
	}
	if includeSynonyms {
		e.Synonyms = syns
	}
	if !d.Sensitive() {
		e.Value = brokerValue(l, d, perBroker)
	}
	return e
}

// brokerValue is the value DescribeConfigs shows for a broker key: the
// effective value for a node, the dynamic default for the cluster resource.
func brokerValue(l Layers, d Def, perBroker bool) *string {
	if !perBroker {
		return ptr(l.DynamicDefault[d.Name])
	}
	raw, _, ok := l.brokerRaw(d.Name)
	if !ok {
		if raw, ok = l.brokerDefault(d); !ok {
			return nil
		}
	}
	if v, err := d.parse(raw); err == nil {
		return ptr(format(v))
	}
	return ptr(raw)
}

func ptr(s string) *string { return &s }
