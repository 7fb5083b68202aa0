package controller

import (
	"context"
	"slices"

	"github.com/spoolhq/spool/internal/metadata"
)

// maxRecordsPerOp bounds the records one operation may write, as Kafka's
// MAX_RECORDS_PER_USER_OP does: a request for a million partitions fails
// instead of building a giant batch.
const maxRecordsPerOp = 10000

// CreateTopic is one topic of a CreateTopics request.
type CreateTopic struct {
	Name string
	// NumPartitions is the partition count, -1 for num.partitions.
	NumPartitions int32
	// ReplicationFactor is the replica count, -1 for
	// default.replication.factor.
	ReplicationFactor int16
	// Assignments places the replicas by hand; NumPartitions and
	// ReplicationFactor must then be -1.
	Assignments []ReplicaAssignment
	// Configs are the topic's configs; a nil value is an error, as in Kafka.
	Configs map[string]*string
}

// ReplicaAssignment lists the brokers of one partition, preferred leader
// first.
type ReplicaAssignment struct {
	Partition int32
	Replicas  []int32
}

// CreateTopicResult is the outcome for one requested topic.
type CreateTopicResult struct {
	Name              string
	TopicID           metadata.TopicID // zero unless created
	NumPartitions     int32
	ReplicationFactor int16
	Err               error
}

// CreateTopics creates topics, one result per requested topic in request
// order. With validateOnly it checks everything and creates nothing.
func (c *Controller) CreateTopics(ctx context.Context, topics []CreateTopic, validateOnly bool) []CreateTopicResult {
	results, err := run(ctx, c, "CreateTopics", func(img *metadata.Image) ([]metadata.Record, []CreateTopicResult) {
		records, results := decideCreateTopics(img, &c.cfg, topics)
		if validateOnly {
			records = nil
			for i := range results {
				results[i].TopicID = metadata.ZeroUUID
			}
		}
		return records, results
	})
	if results == nil {
		results = make([]CreateTopicResult, len(topics))
		for i, t := range topics {
			results[i].Name = t.Name
		}
	}
	for i := range results {
		if err != nil && results[i].Err == nil {
			results[i] = CreateTopicResult{Name: results[i].Name, Err: err}
		}
	}
	return results
}

// decideCreateTopics checks each topic as Kafka does, in Kafka's order:
// duplicates in the request, the name, existence, collisions, configs, then
// partitions and placement.
func decideCreateTopics(img *metadata.Image, cfg *Config, topics []CreateTopic) ([]metadata.Record, []CreateTopicResult) {
	results := make([]CreateTopicResult, len(topics))
	dup := duplicates(topics, func(t CreateTopic) string { return t.Name })
	collisions := newCollisionIndex(img)
	var records []metadata.Record
	for i, t := range topics {
		results[i].Name = t.Name
		if dup[t.Name] {
			results[i].Err = newError(ErrInvalidRequest, "Duplicate topic name.")
			continue
		}
		recs, res := decideCreateTopic(img, cfg, t, collisions)
		results[i] = res
		if res.Err != nil {
			continue
		}
		records = append(records, recs...)
		collisions.add(t.Name)
	}
	if len(records) > maxRecordsPerOp {
		return nil, failOK(results)
	}
	return records, results
}

func failOK(results []CreateTopicResult) []CreateTopicResult {
	for i := range results {
		if results[i].Err == nil {
			results[i] = CreateTopicResult{Name: results[i].Name, Err: tooLarge()}
		}
	}
	return results
}

func tooLarge() error {
	return newError(ErrPolicyViolation, "Unable to perform excessively large batch operation.")
}

func decideCreateTopic(img *metadata.Image, cfg *Config, t CreateTopic, collisions *collisionIndex) ([]metadata.Record, CreateTopicResult) {
	res := CreateTopicResult{Name: t.Name}
	if res.Err = checkNewTopicName(img, t.Name, collisions); res.Err != nil {
		return nil, res
	}
	configs, err := topicConfigs(cfg, t.Configs)
	if err != nil {
		res.Err = err
		return nil, res
	}
	parts, err := newPartitions(img, cfg, t)
	if err != nil {
		res.Err = err
		return nil, res
	}
	res.TopicID = cfg.NewID()
	res.NumPartitions = int32(len(parts))
	res.ReplicationFactor = int16(len(parts[0].Replicas))
	records := []metadata.Record{metadata.TopicRecord{Name: t.Name, TopicID: res.TopicID}}
	// Configs go between the TopicRecord and the PartitionRecords, as in
	// Kafka, so brokers know a topic's configs before its partitions.
	records = append(records, configRecords(metadata.ResourceTopic, t.Name, nil, configs, nil)...)
	for _, p := range parts {
		p.TopicID = res.TopicID
		records = append(records, p)
	}
	return records, res
}

func checkNewTopicName(img *metadata.Image, name string, collisions *collisionIndex) error {
	if name == MetadataTopic {
		return newError(ErrInvalidRequest, "Creation of internal topic %s is prohibited.", MetadataTopic)
	}
	if err := validateTopicName(name); err != nil {
		return err
	}
	if img.Topic(name) != nil || collisions.created[name] {
		return newError(ErrTopicAlreadyExists, "Topic '%s' already exists.", name)
	}
	if other, ok := collisions.find(name); ok {
		return newError(ErrInvalidTopic, "Topic '%s' collides with existing topic: %s", name, other)
	}
	return nil
}

// topicConfigs turns requested configs into a validated map.
func topicConfigs(cfg *Config, requested map[string]*string) (map[string]string, error) {
	var nulls []string
	configs := map[string]string{}
	for k, v := range requested {
		if v == nil {
			nulls = append(nulls, k)
			continue
		}
		configs[k] = *v
	}
	if len(nulls) > 0 {
		slices.Sort(nulls)
		return nil, newError(ErrInvalidConfig, "Null value not supported for topic configs: %s", joinComma(nulls))
	}
	if err := cfg.ValidateTopicConfigs(configs); err != nil {
		return nil, invalidConfig(err)
	}
	return configs, nil
}

// newPartitions returns the PartitionRecords (without topic ID) of a new
// topic: leader the first usable replica, ISR the usable replicas, epochs 0.
func newPartitions(img *metadata.Image, cfg *Config, t CreateTopic) ([]metadata.PartitionRecord, error) {
	if len(t.Assignments) > 0 {
		return manualPartitions(img, t)
	}
	switch {
	case t.ReplicationFactor < -1 || t.ReplicationFactor == 0:
		return nil, newError(ErrInvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.")
	case t.NumPartitions < -1 || t.NumPartitions == 0:
		return nil, newError(ErrInvalidPartitions, "Number of partitions was set to an invalid non-positive value.")
	}
	n, rf := t.NumPartitions, t.ReplicationFactor
	if n == -1 {
		n = cfg.DefaultPartitions
	}
	if rf == -1 {
		rf = cfg.DefaultReplicationFactor
	}
	if n > maxRecordsPerOp {
		return nil, tooLarge()
	}
	assignments, err := place(usableBrokers(img), 0, n, int(rf), cfg.Rand)
	if err != nil {
		return nil, err
	}
	parts := make([]metadata.PartitionRecord, n)
	for i, reps := range assignments {
		parts[i] = newPartition(int32(i), reps, reps)
	}
	return parts, nil
}

func manualPartitions(img *metadata.Image, t CreateTopic) ([]metadata.PartitionRecord, error) {
	if t.ReplicationFactor != -1 {
		return nil, newError(ErrInvalidRequest, "A manual partition assignment was specified, but replication factor was not set to -1.")
	}
	if t.NumPartitions != -1 {
		return nil, newError(ErrInvalidRequest, "A manual partition assignment was specified, but numPartitions was not set to -1.")
	}
	if len(t.Assignments) > maxRecordsPerOp {
		return nil, tooLarge()
	}
	parts := make([]metadata.PartitionRecord, len(t.Assignments))
	seen := map[int32]bool{}
	for _, a := range t.Assignments {
		if seen[a.Partition] {
			return nil, newError(ErrInvalidReplicaAssignment, "Found multiple manual partition assignments for partition %d", a.Partition)
		}
		seen[a.Partition] = true
		if err := checkManualAssignment(img, a.Replicas, len(t.Assignments[0].Replicas)); err != nil {
			return nil, err
		}
		isr := usableReplicas(img, a.Replicas)
		if len(isr) == 0 {
			return nil, newError(ErrInvalidReplicaAssignment,
				"All brokers specified in the manual partition assignment for partition %d are fenced or in controlled shutdown.", a.Partition)
		}
		if a.Partition >= 0 && int(a.Partition) < len(parts) {
			parts[a.Partition] = newPartition(a.Partition, a.Replicas, isr)
		}
	}
	for i := range parts {
		if !seen[int32(i)] {
			return nil, newError(ErrInvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
		}
	}
	return parts, nil
}

// checkManualAssignment applies Kafka's rules to one hand-made replica
// list: not empty, registered brokers, no repeats, and as many replicas as
// the topic's other partitions have.
func checkManualAssignment(img *metadata.Image, replicas []int32, rf int) error {
	if len(replicas) == 0 {
		return newError(ErrInvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	sorted := slices.Sorted(slices.Values(replicas))
	for i, id := range sorted {
		if img.Broker(id) == nil {
			return newError(ErrInvalidReplicaAssignment,
				"The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
		if i > 0 && sorted[i-1] == id {
			return newError(ErrInvalidReplicaAssignment,
				"The manual partition assignment includes the broker %d more than once.", id)
		}
	}
	if len(replicas) != rf {
		return newError(ErrInvalidReplicaAssignment,
			"The manual partition assignment includes a partition with %d replica(s), but this is not consistent with previous partitions, which have %d replica(s).",
			len(replicas), rf)
	}
	return nil
}

func usableReplicas(img *metadata.Image, replicas []int32) []int32 {
	var isr []int32
	for _, id := range replicas {
		if usable(img, id) {
			isr = append(isr, id)
		}
	}
	return isr
}

func newPartition(id int32, replicas, isr []int32) metadata.PartitionRecord {
	return metadata.PartitionRecord{
		Partition:      id,
		Replicas:       slices.Clone(replicas),
		ISR:            slices.Clone(isr),
		Leader:         isr[0],
		LeaderEpoch:    0,
		PartitionEpoch: 0,
	}
}

// collisionIndex finds topics whose names collide with a new one: existing
// topics and those created earlier in the same request.
type collisionIndex struct {
	img     *metadata.Image
	byKey   map[string]string // built on first use: most requests need none
	created map[string]bool
}

func newCollisionIndex(img *metadata.Image) *collisionIndex {
	return &collisionIndex{img: img, created: map[string]bool{}}
}

func (c *collisionIndex) find(name string) (string, bool) {
	if !hasCollisionChars(name) {
		return "", false
	}
	if c.byKey == nil {
		c.byKey = map[string]string{}
		for _, t := range c.img.Topics() {
			if hasCollisionChars(t.Name) {
				c.byKey[collisionKey(t.Name)] = t.Name
			}
		}
		for n := range c.created {
			if hasCollisionChars(n) {
				c.byKey[collisionKey(n)] = n
			}
		}
	}
	other, ok := c.byKey[collisionKey(name)]
	return other, ok
}

func (c *collisionIndex) add(name string) {
	c.created[name] = true
	if c.byKey != nil && hasCollisionChars(name) {
		c.byKey[collisionKey(name)] = name
	}
}

// duplicates returns the keys that occur more than once.
func duplicates[T any](items []T, key func(T) string) map[string]bool {
	seen := map[string]bool{}
	dup := map[string]bool{}
	for _, it := range items {
		k := key(it)
		if seen[k] {
			dup[k] = true
		}
		seen[k] = true
	}
	return dup
}
