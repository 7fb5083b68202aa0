package config

import "fmt"

// threadPools are the dynamic thread counts Kafka lets change by at most a
// factor of two at a time.
var threadPools = []string{"num.io.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir", "background.threads"}

// ValidateDynamicBroker checks a new dynamic broker config layer (the whole
// layer after the change, as IncrementalAlterConfigs leaves it) against the
// current layers: for this node when perBroker, else as the cluster-wide
// default. Unknown, read-only and (for the cluster default) per-broker-only
// keys are rejected, values must be valid, the resulting node config must
// pass Validate, and thread counts may at most halve or double.
// Kafka answers failures here with INVALID_REQUEST.
func ValidateDynamicBroker(current Layers, layer map[string]string, perBroker bool) error {
	if err := checkDynamicKeys(layer, perBroker); err != nil {
		return err
	}
	for _, k := range sortedKeys(layer) {
		d, _ := lookupBrokerDef(k)
		if _, err := d.parse(layer[k]); err != nil {
			return err
		}
	}
	next := current
	if perBroker {
		next.DynamicBroker = layer
	} else {
		next.DynamicDefault = layer
	}
	nb, err := ResolveBroker(next)
	if err != nil {
		return err
	}
	if err := nb.Validate(); err != nil {
		return fmt.Errorf("invalid dynamic configuration: %w", err)
	}
	if ob, err := ResolveBroker(current); err == nil {
		return checkThreadPools(ob, nb)
	}
	return nil
}

// checkDynamicKeys rejects keys that cannot be set in this layer.
func checkDynamicKeys(layer map[string]string, perBroker bool) error {
	var readOnly, perBrokerOnly []string
	for _, k := range sortedKeys(layer) {
		d, ok := lookupBrokerDef(k)
		switch {
		case !ok:
			return &UnknownKeyError{Key: k}
		case d.Update == ReadOnly:
			readOnly = append(readOnly, k)
		case d.Update == PerBroker && !perBroker:
			perBrokerOnly = append(perBrokerOnly, k)
		}
	}
	if len(readOnly) > 0 {
		return &ReadOnlyError{Keys: readOnly}
	}
	if len(perBrokerOnly) > 0 {
		return &PerBrokerOnlyError{Keys: perBrokerOnly}
	}
	return nil
}

func checkThreadPools(old, next *Broker) error {
	get := func(b *Broker, k string) int32 {
		switch k {
		case "num.io.threads":
			return b.NumIOThreads
		case "num.replica.fetchers":
			return b.NumReplicaFetchers
		case "num.recovery.threads.per.data.dir":
			return b.NumRecoveryThreadsPerDataDir
		default:
			return b.BackgroundThreads
		}
	}
	for _, k := range threadPools {
		o, n := get(old, k), get(next, k)
		switch {
		case n == o:
		case n <= 0:
			return conflictf("dynamic thread count update validation failed for %s=%d: value should be at least 1", k, n)
		case n < o/2:
			return conflictf("dynamic thread count update validation failed for %s=%d: value should be at least half the current value %d", k, n, o)
		case n > o*2:
			return conflictf("dynamic thread count update validation failed for %s=%d: value should not be greater than double the current value %d", k, n, o)
		}
	}
	return nil
}

// UpdateModeOf reports how a broker key may be changed at runtime; ok is
// false for keys that are not broker configs.
func UpdateModeOf(name string) (mode UpdateMode, ok bool) {
	d, ok := lookupBrokerDef(name)
	return d.Update, ok
}
