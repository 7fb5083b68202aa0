package assignor

import (
	"fmt"
	"strings"
)

// Assignor computes a group's target assignment (Kafka's
// ConsumerGroupPartitionAssignor). Implementations are pure: the result
// depends only on the arguments, which they do not modify, and equal
// arguments give equal results.
type Assignor interface {
	// Name is what members ask for in ConsumerGroupHeartbeat's
	// ServerAssignor and what describes report.
	Name() string
	// Assign returns an assignment for every member of the spec. Each
	// partition of each subscribed topic goes to exactly one member that
	// subscribes to its topic.
	Assign(spec GroupSpec, topics TopicDescriber) (GroupAssignment, error)
}

// Names of the built-in assignors.
const (
	UniformName = "uniform"
	RangeName   = "range"
)

// Java class names of the built-in assignors, which Kafka's
// group.consumer.assignors also accepts.
const (
	uniformClass = "org.apache.kafka.coordinator.group.assignor.UniformAssignor"
	rangeClass   = "org.apache.kafka.coordinator.group.assignor.RangeAssignor"
)

// DefaultNames returns group.consumer.assignors's default, "uniform,range":
// the first is the group's assignor when its members name none.
func DefaultNames() []string {
	return []string{UniformName, RangeName}
}

// builtin returns the built-in assignor called name, by its short name or
// its Kafka class name.
func builtin(name string) (Assignor, bool) {
	switch name {
	case UniformName, uniformClass:
		return Uniform{}, true
	case RangeName, rangeClass:
		return Range{}, true
	}
	return nil, false
}

// Registry holds the configured assignors, in configuration order.
type Registry struct {
	list []Assignor
}

// NewRegistry resolves a group.consumer.assignors list. Entries are
// "uniform", "range" or their Kafka class names, surrounded by optional
// spaces; the list must name at least one assignor and no assignor twice.
func NewRegistry(names []string) (*Registry, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("group.consumer.assignors: no assignor configured")
	}
	r := &Registry{}
	for _, name := range names {
		a, ok := builtin(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("group.consumer.assignors: unknown assignor %q (known: %s, %s)", name, UniformName, RangeName)
		}
		if _, err := r.Lookup(a.Name()); err == nil {
			return nil, fmt.Errorf("group.consumer.assignors: assignor %q configured twice", a.Name())
		}
		r.list = append(r.list, a)
	}
	return r, nil
}

// Default returns the first configured assignor.
func (r *Registry) Default() Assignor {
	return r.list[0]
}

// Names returns the configured assignors' names in configuration order.
func (r *Registry) Names() []string {
	names := make([]string, len(r.list))
	for i, a := range r.list {
		names[i] = a.Name()
	}
	return names
}

// Lookup returns the configured assignor called name (exact, as Kafka
// compares). An unknown name gets an error matching
// ErrUnsupportedAssignor (an *UnsupportedAssignorError) whose message is
// Kafka's.
func (r *Registry) Lookup(name string) (Assignor, error) {
	for _, a := range r.list {
		if a.Name() == name {
			return a, nil
		}
	}
	return nil, &UnsupportedAssignorError{Name: name, Supported: r.Names()}
}

// UnsupportedAssignorError is the error of a name no configured assignor
// has. It matches ErrUnsupportedAssignor.
type UnsupportedAssignorError struct {
	Name      string
	Supported []string
}

// Error returns the message Kafka's coordinator answers with.
func (e *UnsupportedAssignorError) Error() string {
	return fmt.Sprintf("ServerAssignor %s is not supported. Supported assignors: %s.",
		e.Name, strings.Join(e.Supported, ", "))
}

// Is makes errors.Is(err, ErrUnsupportedAssignor) true.
func (e *UnsupportedAssignorError) Is(target error) bool {
	return target == ErrUnsupportedAssignor
}
