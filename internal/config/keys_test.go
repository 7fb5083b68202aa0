package config

import (
	"sort"
	"testing"
)

// The definition tables are data; these tests keep them consistent with
// each other and with Kafka's rules.

func TestTopicDefsSortedAndParse(t *testing.T) {
	if !sort.SliceIsSorted(topicDefs, func(i, j int) bool { return topicDefs[i].Name < topicDefs[j].Name }) {
		t.Fatal("topicDefs must be sorted by name")
	}
	if len(topicDefs) != 33 {
		t.Errorf("Kafka 4.x has 33 topic configs, table has %d", len(topicDefs))
	}
	for _, d := range topicDefs {
		if d.Null || d.Doc == "" {
			t.Errorf("%s: topic keys need a default and documentation", d.Name)
		}
		if _, err := d.parse(d.Default); err != nil {
			t.Errorf("%s: default does not pass its own validator: %v", d.Name, err)
		}
	}
}

func TestBrokerDefaultsParse(t *testing.T) {
	for _, d := range brokerDefs {
		if d.Doc == "" {
			t.Errorf("%s: no documentation", d.Name)
		}
		if d.Null {
			continue
		}
		if _, err := d.parse(d.Default); err != nil {
			t.Errorf("%s: default does not pass its own validator: %v", d.Name, err)
		}
	}
}

// Every synonym is a broker key of a compatible type whose default gives
// the topic key's default, and Kafka makes exactly the first synonym of each
// topic key dynamic (DynamicLogConfig).
func TestTopicSynonymsMatchBrokerKeys(t *testing.T) {
	for _, td := range topicDefs {
		for i, s := range td.synonyms {
			bd, ok := lookupBrokerDef(s.name)
			if !ok {
				t.Errorf("%s: synonym %s is not a broker key", td.Name, s.name)
				continue
			}
			if bd.Type != td.Type && !(s.scale != 0 && bd.Type == TypeInt) {
				t.Errorf("%s: synonym %s is %v, topic key is %v", td.Name, s.name, bd.Type, td.Type)
			}
			want := ClusterWide
			if i > 0 {
				want = ReadOnly
			}
			if bd.Update != want {
				t.Errorf("%s: synonym %s is %v, want %v", td.Name, s.name, bd.Update, want)
			}
		}
		for _, s := range td.synonyms {
			if bd, _ := lookupBrokerDef(s.name); !bd.Null {
				if got := s.convert(bd.Default); got != td.Default {
					t.Errorf("%s: broker default %s=%s gives %s, topic default is %s", td.Name, s.name, bd.Default, got, td.Default)
				}
				break
			}
		}
	}
}

func TestKeyLookups(t *testing.T) {
	if d, ok := TopicDef("retention.ms"); !ok || d.Type != TypeLong || d.Default != "604800000" {
		t.Errorf("TopicDef(retention.ms) = %+v, %v", d, ok)
	}
	if d, _ := TopicDef("segment.ms"); d.Check("10") != nil || d.Check("0") == nil {
		t.Error("Def.Check must apply the key's validator")
	}
	if _, ok := TopicDef("log.retention.ms"); ok {
		t.Error("log.retention.ms is not a topic key")
	}
	if got := TopicSynonyms("retention.ms"); len(got) != 3 || got[2] != "log.retention.hours" {
		t.Errorf("TopicSynonyms(retention.ms) = %v", got)
	}
	if d, ok := BrokerDef("ssl.keystore.password"); !ok || !d.Sensitive() {
		t.Error("ssl.keystore.password must be sensitive")
	}
	keys := BrokerKeys()
	if !sort.StringsAreSorted(keys) || len(keys) != len(brokerDefs) {
		t.Error("BrokerKeys must list every key, sorted")
	}
	if m, ok := UpdateModeOf("listeners"); !ok || m != PerBroker {
		t.Error("listeners is per-broker")
	}
	if m, ok := UpdateModeOf("log.cleaner.threads"); !ok || m != ClusterWide {
		t.Error("log.cleaner.threads is cluster-wide")
	}
	if m, _ := UpdateModeOf("log.dirs"); m != ReadOnly {
		t.Error("log.dirs is read-only")
	}
	if _, ok := UpdateModeOf("nope"); ok {
		t.Error("unknown key has no update mode")
	}
}
