package metadata

import "fmt"

// RecordType identifies a kind of metadata record. The numbers are Kafka's
// metadata record API keys, so a record's type means the same thing in Spool
// and in Kafka's own tools.
type RecordType uint16

// Record types.
const (
	RegisterBrokerType           RecordType = 0
	UnregisterBrokerType         RecordType = 1
	TopicType                    RecordType = 2
	PartitionType                RecordType = 3
	ConfigType                   RecordType = 4
	PartitionChangeType          RecordType = 5
	RemoveTopicType              RecordType = 9
	FeatureLevelType             RecordType = 12
	ProducerIDsType              RecordType = 15
	BrokerRegistrationChangeType RecordType = 17
)

var recordTypeNames = map[RecordType]string{
	RegisterBrokerType:           "RegisterBrokerRecord",
	UnregisterBrokerType:         "UnregisterBrokerRecord",
	TopicType:                    "TopicRecord",
	PartitionType:                "PartitionRecord",
	ConfigType:                   "ConfigRecord",
	PartitionChangeType:          "PartitionChangeRecord",
	RemoveTopicType:              "RemoveTopicRecord",
	FeatureLevelType:             "FeatureLevelRecord",
	ProducerIDsType:              "ProducerIdsRecord",
	BrokerRegistrationChangeType: "BrokerRegistrationChangeRecord",
}

func (t RecordType) String() string {
	if n, ok := recordTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("RecordType(%d)", uint16(t))
}

// Record is one metadata record. The concrete types are the *Record structs
// of this package, used by value.
type Record interface {
	Type() RecordType
}

// Sentinel values used by records, as in Kafka.
const (
	// NoLeader is the Leader of a partition without a leader.
	NoLeader int32 = -1
	// NoLeaderChange is PartitionChangeRecord.Leader when the leader stays.
	NoLeaderChange int32 = -2
	// NoRecoveryStateChange is PartitionChangeRecord.LeaderRecoveryState
	// when the state stays.
	NoRecoveryStateChange int8 = -1
)

// Leader recovery states (KIP-704).
const (
	Recovered  int8 = 0
	Recovering int8 = 1
)

// Fencing changes in BrokerRegistrationChangeRecord.Fenced.
const (
	Unfence         int8 = -1
	NoFencingChange int8 = 0
	Fence           int8 = 1
)

// ResourceType is the type of a config resource, numbered as in Kafka's
// ConfigResource.Type.
type ResourceType int8

// Config resource types.
const (
	ResourceTopic  ResourceType = 2
	ResourceBroker ResourceType = 4
)

func (t ResourceType) String() string {
	switch t {
	case ResourceTopic:
		return "TOPIC"
	case ResourceBroker:
		return "BROKER"
	}
	return fmt.Sprintf("ResourceType(%d)", int8(t))
}

// ConfigResource names the thing a config applies to: a topic by name, a
// broker by its id in decimal, or the cluster-wide broker default ("").
type ConfigResource struct {
	Type ResourceType
	Name string
}

func (r ConfigResource) String() string { return r.Type.String() + ":" + r.Name }

// Security protocols of an endpoint, numbered as in Kafka.
const (
	Plaintext     int16 = 0
	SSL           int16 = 1
	SASLPlaintext int16 = 2
	SASLSSL       int16 = 3
)

// Endpoint is one listener a broker can be reached on.
type Endpoint struct {
	Name             string // the listener name, e.g. PLAINTEXT
	Host             string
	Port             uint16
	SecurityProtocol int16
}

// RegisterBrokerRecord registers (or re-registers) a broker.
type RegisterBrokerRecord struct {
	BrokerID             int32
	IncarnationID        UUID  // changes every time the broker process starts
	BrokerEpoch          int64 // assigned by the controller
	Endpoints            []Endpoint
	Rack                 *string
	Fenced               bool
	InControlledShutdown bool
}

// UnregisterBrokerRecord removes a broker's registration.
type UnregisterBrokerRecord struct {
	BrokerID    int32
	BrokerEpoch int64
}

// BrokerRegistrationChangeRecord changes a registered broker's state.
type BrokerRegistrationChangeRecord struct {
	BrokerID             int32
	BrokerEpoch          int64
	Fenced               int8 // Unfence, NoFencingChange or Fence
	InControlledShutdown int8 // 0: no change, 1: in controlled shutdown
}

// TopicRecord creates a topic. Its partitions follow as PartitionRecords.
type TopicRecord struct {
	Name    string
	TopicID TopicID
}

// PartitionRecord creates a partition, or replaces it whole.
type PartitionRecord struct {
	TopicID             TopicID
	Partition           int32
	Replicas            []int32 // in preferred order
	ISR                 []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	Leader              int32
	LeaderRecoveryState int8
	LeaderEpoch         int32
	PartitionEpoch      int32
	ELR                 []int32 // eligible leader replicas (KIP-966), nil if unused
	LastKnownELR        []int32
}

// PartitionChangeRecord changes some fields of a partition; a nil slice or a
// NoLeaderChange / NoRecoveryStateChange value leaves the field as it is.
// Replaying it increments the partition epoch, and the leader epoch too if
// the leader field is set.
type PartitionChangeRecord struct {
	TopicID             TopicID
	Partition           int32
	ISR                 []int32
	Leader              int32
	Replicas            []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	LeaderRecoveryState int8
	ELR                 []int32
	LastKnownELR        []int32
}

// RemoveTopicRecord deletes a topic with its partitions and its configs.
type RemoveTopicRecord struct {
	TopicID TopicID
}

// ConfigRecord sets one config key of a resource, or deletes it if Value is
// nil.
type ConfigRecord struct {
	ResourceType ResourceType
	ResourceName string
	Name         string
	Value        *string
}

// ProducerIdsRecord hands the block of producer IDs that ends just before
// NextProducerID to a broker.
type ProducerIdsRecord struct {
	BrokerID       int32
	BrokerEpoch    int64
	NextProducerID int64
}

// FeatureLevelRecord finalizes a feature at a level; level 0 removes it.
type FeatureLevelRecord struct {
	Name  string
	Level int16
}

// Type implementations.
func (RegisterBrokerRecord) Type() RecordType           { return RegisterBrokerType }
func (UnregisterBrokerRecord) Type() RecordType         { return UnregisterBrokerType }
func (BrokerRegistrationChangeRecord) Type() RecordType { return BrokerRegistrationChangeType }
func (TopicRecord) Type() RecordType                    { return TopicType }
func (PartitionRecord) Type() RecordType                { return PartitionType }
func (PartitionChangeRecord) Type() RecordType          { return PartitionChangeType }
func (RemoveTopicRecord) Type() RecordType              { return RemoveTopicType }
func (ConfigRecord) Type() RecordType                   { return ConfigType }
func (ProducerIdsRecord) Type() RecordType              { return ProducerIDsType }
func (FeatureLevelRecord) Type() RecordType             { return FeatureLevelType }

// MetadataVersionFeature is the feature that versions the metadata log
// itself; ApiVersions reports it among the finalized features.
const MetadataVersionFeature = "metadata.version"

// MetadataVersion40IV3 is the metadata.version feature level of Kafka's
// "4.0-IV3", the level a Kafka 4.0 cluster is created at.
const MetadataVersion40IV3 int16 = 25
