package controller

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
)

// ConfigOp is one config change. Legacy AlterConfigs uses only Name and
// Value: the listed keys become the resource's whole config.
type ConfigOp struct {
	Name  string
	Op    config.OpType
	Value *string
}

// AlterConfigsResource is the changes requested for one resource.
type AlterConfigsResource struct {
	Resource metadata.ConfigResource
	Ops      []ConfigOp
}

// AlterConfigsResult is the outcome for one resource.
type AlterConfigsResult struct {
	Resource metadata.ConfigResource
	Err      error
}

// AlterConfigs changes the configs of topics and brokers, one result per
// resource in request order. incremental selects IncrementalAlterConfigs
// (apply Ops) over legacy AlterConfigs (replace the whole set). The changes
// of all resources that pass validation are written as one batch.
func (c *Controller) AlterConfigs(ctx context.Context, resources []AlterConfigsResource, incremental, validateOnly bool) []AlterConfigsResult {
	results, err := run(ctx, c, "AlterConfigs", func(img *metadata.Image) ([]metadata.Record, []AlterConfigsResult) {
		records, results := decideAlterConfigs(img, &c.cfg, resources, incremental)
		if validateOnly {
			records = nil
		}
		return records, results
	})
	if results == nil {
		results = make([]AlterConfigsResult, len(resources))
		for i, r := range resources {
			results[i].Resource = r.Resource
		}
	}
	for i := range results {
		if err != nil && results[i].Err == nil {
			results[i].Err = err
		}
	}
	return results
}

func decideAlterConfigs(img *metadata.Image, cfg *Config, resources []AlterConfigsResource, incremental bool) ([]metadata.Record, []AlterConfigsResult) {
	results := make([]AlterConfigsResult, len(resources))
	dup := duplicates(resources, func(r AlterConfigsResource) string { return r.Resource.String() })
	var records []metadata.Record
	for i, r := range resources {
		results[i].Resource = r.Resource
		if dup[r.Resource.String()] {
			results[i].Err = newError(ErrInvalidRequest, "Duplicate resource.")
			continue
		}
		recs, err := decideAlterConfig(img, cfg, r, incremental)
		if err != nil {
			results[i].Err = err
			continue
		}
		records = append(records, recs...)
	}
	if len(records) > maxRecordsPerOp {
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = tooLarge()
			}
		}
		return nil, results
	}
	return records, results
}

func decideAlterConfig(img *metadata.Image, cfg *Config, r AlterConfigsResource, incremental bool) ([]metadata.Record, error) {
	if err := checkConfigResource(img, cfg.ControllerIDs, r.Resource); err != nil {
		return nil, err
	}
	current := img.Configs(r.Resource)
	var next map[string]string
	var err error
	if incremental {
		next, err = applyIncremental(cfg, r, current)
	} else {
		next, err = legacyConfigs(r)
	}
	if err != nil {
		return nil, err
	}
	if r.Resource.Type == metadata.ResourceBroker {
		err = cfg.ValidateBrokerConfigs(img, r.Resource.Name, next)
	} else {
		err = cfg.ValidateTopicConfigs(next)
	}
	if err != nil {
		return nil, invalidConfig(err)
	}
	var named []string
	if r.Resource.Type == metadata.ResourceBroker {
		for _, op := range r.Ops {
			named = append(named, op.Name)
		}
	}
	return configRecords(r.Resource.Type, r.Resource.Name, current, next, named), nil
}

// checkConfigResource applies Kafka's rules for the resources of
// AlterConfigs: an existing topic, or a registered broker or a controller
// named by its decimal id ("" being the cluster-wide default).
func checkConfigResource(img *metadata.Image, controllers []int32, r metadata.ConfigResource) error {
	switch r.Type {
	case metadata.ResourceTopic:
		if r.Name == "" {
			return newError(ErrInvalidRequest, "Default topic resources are not allowed.")
		}
		if err := validateTopicName(r.Name); err != nil {
			return err
		}
		if img.Topic(r.Name) == nil {
			return newError(ErrUnknownTopicOrPartition, "The topic '%s' does not exist.", r.Name)
		}
	case metadata.ResourceBroker:
		if r.Name == "" {
			return nil
		}
		id, err := strconv.ParseInt(r.Name, 10, 32)
		if err != nil {
			return newError(ErrInvalidRequest, "Unable to parse broker name as a base 10 number.")
		}
		if id < 0 {
			return newError(ErrInvalidRequest, "Invalid negative broker ID.")
		}
		if img.Broker(int32(id)) == nil && !slices.Contains(controllers, int32(id)) {
			return newError(ErrBrokerIDNotRegistered, "No node with id %d found.", id)
		}
	default:
		return newError(ErrInvalidRequest, "Unexpected resource type %d.", int8(r.Type))
	}
	return nil
}

func applyIncremental(cfg *Config, r AlterConfigsResource, current map[string]string) (map[string]string, error) {
	dup := duplicates(r.Ops, func(op ConfigOp) string { return op.Name })
	if len(dup) > 0 {
		return nil, newError(ErrInvalidRequest, "Error due to duplicate config keys")
	}
	next, err := cfg.ApplyIncremental(r.Resource.Type, cloneMap(current), r.Ops)
	if err != nil {
		return nil, invalidConfig(err)
	}
	return next, nil
}

// legacyConfigs is the whole new config of a legacy AlterConfigs: the listed
// keys, every other key deleted. A null value deletes a broker key and is
// rejected for topics, as in Kafka.
func legacyConfigs(r AlterConfigsResource) (map[string]string, error) {
	next := map[string]string{}
	var nulls []string
	for _, op := range r.Ops {
		if op.Value == nil {
			nulls = append(nulls, op.Name)
			continue
		}
		next[op.Name] = *op.Value
	}
	if len(nulls) > 0 && r.Resource.Type == metadata.ResourceTopic {
		return nil, newError(ErrInvalidConfig, "Null value not supported for topic configs: %s", joinComma(nulls))
	}
	return next, nil
}

// configRecords returns the ConfigRecords that turn current into next. Keys
// in named get a record even if unchanged: Kafka rewrites broker configs
// that an alter names so that brokers reload them (KAFKA-14136).
func configRecords(t metadata.ResourceType, name string, current, next map[string]string, named []string) []metadata.Record {
	var records []metadata.Record
	rewrite := map[string]bool{}
	for _, k := range named {
		rewrite[k] = true
	}
	for _, k := range sortedKeys(next) {
		if old, ok := current[k]; !ok || old != next[k] || rewrite[k] {
			v := next[k]
			records = append(records, metadata.ConfigRecord{ResourceType: t, ResourceName: name, Name: k, Value: &v})
		}
	}
	for _, k := range sortedKeys(current) {
		if _, ok := next[k]; !ok {
			records = append(records, metadata.ConfigRecord{ResourceType: t, ResourceName: name, Name: k})
		}
	}
	return records
}

// invalidConfig turns a validator's error into INVALID_CONFIG with its text,
// unless it already is one of this package's errors.
func invalidConfig(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: ErrInvalidConfig, Message: err.Error()}
}

func joinComma(s []string) string { return strings.Join(s, ",") }
