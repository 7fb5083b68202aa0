package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// OpType is an IncrementalAlterConfigs operation, numbered as Kafka's
// AlterConfigOp.OpType.
type OpType int8

// Operations.
const (
	OpSet      OpType = 0
	OpDelete   OpType = 1
	OpAppend   OpType = 2
	OpSubtract OpType = 3
)

func (o OpType) String() string {
	switch o {
	case OpSet:
		return "SET"
	case OpDelete:
		return "DELETE"
	case OpAppend:
		return "APPEND"
	case OpSubtract:
		return "SUBTRACT"
	}
	return fmt.Sprintf("OpType(%d)", int8(o))
}

// Op is one change of an IncrementalAlterConfigs resource. Value is ignored
// by OpDelete; APPEND and SUBTRACT take a comma-separated list.
type Op struct {
	Key   string
	Op    OpType
	Value string
}

// OpError is an operation that cannot apply to its key; Kafka answers it
// with INVALID_CONFIG.
type OpError struct {
	Key    string
	Op     OpType
	Reason string
}

func (e *OpError) Error() string {
	return fmt.Sprintf("can't %s to key %s: %s", e.Op, e.Key, e.Reason)
}

// ApplyIncremental applies operations, in order, to a topic's overrides and
// returns the new overrides; current is not modified. APPEND and SUBTRACT
// are allowed only on LIST keys, and start from the key's default when the
// topic does not override it, as Kafka's controller does. The result still
// has to pass ValidateTopicConfigs.
func ApplyIncremental(current map[string]string, ops []Op) (map[string]string, error) {
	return applyOps(current, ops, func(k string) (Def, bool) {
		d, ok := lookupTopicDef(k)
		return d.Def, ok
	})
}

// ApplyIncrementalBroker is ApplyIncremental for a dynamic broker layer;
// the result still has to pass ValidateDynamicBroker.
func ApplyIncrementalBroker(current map[string]string, ops []Op) (map[string]string, error) {
	return applyOps(current, ops, lookupBrokerDef)
}

func applyOps(current map[string]string, ops []Op, lookup func(string) (Def, bool)) (map[string]string, error) {
	out := maps.Clone(current)
	if out == nil {
		out = map[string]string{}
	}
	for _, op := range ops {
		switch op.Op {
		case OpSet:
			out[op.Key] = op.Value
		case OpDelete:
			delete(out, op.Key)
		case OpAppend, OpSubtract:
			d, ok := lookup(op.Key)
			if !ok || d.Type != TypeList {
				return nil, &OpError{Key: op.Key, Op: op.Op, Reason: "its type is not LIST"}
			}
			out[op.Key] = applyListOp(out, d, op)
		default:
			return nil, &OpError{Key: op.Key, Op: op.Op, Reason: "unknown operation type"}
		}
	}
	return out, nil
}

// applyListOp appends the missing elements of op.Value to the current list,
// or removes the listed ones from it.
func applyListOp(current map[string]string, d Def, op Op) string {
	base, ok := current[d.Name]
	if !ok {
		base = d.Default
	}
	list := splitList(base)
	for _, e := range splitList(op.Value) {
		if op.Op == OpAppend && !slices.Contains(list, e) {
			list = append(list, e)
		}
		if op.Op == OpSubtract {
			list = slices.DeleteFunc(list, func(x string) bool { return x == e })
		}
	}
	return strings.Join(list, ",")
}
