package cli

import (
	"fmt"
	"maps"
	"strings"

	"github.com/magiconair/properties"
)

// props is a set of Java-style properties: client configs, formatter and
// reader properties. Later values win, as with java.util.Properties#putAll.
type props map[string]string

// loadProps reads a Java .properties file (comments, continuation lines and
// escapes as java.util.Properties reads them). Property values are taken
// literally: ${...} is not expanded.
func loadProps(path string) (props, error) {
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load properties file %s: %w", path, err)
	}
	return props(p.Map()), nil
}

// loadPropsIf reads path when it is not empty.
func loadPropsIf(path string) (props, error) {
	if path == "" {
		return props{}, nil
	}
	return loadProps(path)
}

// parseKeyValues reads key=value arguments the way Kafka's
// CommandLineUtils.parseKeyValueArgs does: the value may itself contain '=',
// and a missing value is an empty string.
func parseKeyValues(args []string) props {
	p := make(props, len(args))
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		p[k] = v
	}
	return p
}

// merge returns a copy of p overlaid with each of the others in turn.
func (p props) merge(others ...props) props {
	out := maps.Clone(p)
	if out == nil {
		out = props{}
	}
	for _, o := range others {
		maps.Copy(out, o)
	}
	return out
}

// boolProp reads a property the way Kafka's tools read their boolean
// properties: only "true" (any case, surrounding spaces ignored) is true.
func (p props) boolProp(key string) bool {
	return strings.EqualFold(strings.TrimSpace(p[key]), "true")
}
