package metadata

import "fmt"

// Each record type has one body version so far, version 0. A new field means
// a new version; decoders reject versions they do not know rather than guess.

func encodeBody(e *encoder, r Record) error {
	switch r := r.(type) {
	case RegisterBrokerRecord:
		encodeRegisterBroker(e, r)
	case UnregisterBrokerRecord:
		e.varint(int64(r.BrokerID))
		e.varint(r.BrokerEpoch)
	case BrokerRegistrationChangeRecord:
		e.varint(int64(r.BrokerID))
		e.varint(r.BrokerEpoch)
		e.int8(r.Fenced)
		e.int8(r.InControlledShutdown)
	case TopicRecord:
		e.string(r.Name)
		e.uuid(r.TopicID)
	case PartitionRecord:
		encodePartition(e, r)
	case PartitionChangeRecord:
		encodePartitionChange(e, r)
	case RemoveTopicRecord:
		e.uuid(r.TopicID)
	case ConfigRecord:
		e.int8(int8(r.ResourceType))
		e.string(r.ResourceName)
		e.string(r.Name)
		e.nullableString(r.Value)
	case ProducerIdsRecord:
		e.varint(int64(r.BrokerID))
		e.varint(r.BrokerEpoch)
		e.varint(r.NextProducerID)
	case FeatureLevelRecord:
		e.string(r.Name)
		e.varint(int64(r.Level))
	default:
		return fmt.Errorf("encode record: unknown record %T", r)
	}
	return nil
}

func encodeRegisterBroker(e *encoder, r RegisterBrokerRecord) {
	e.varint(int64(r.BrokerID))
	e.uuid(r.IncarnationID)
	e.varint(r.BrokerEpoch)
	e.uvarint(uint64(len(r.Endpoints)))
	for _, ep := range r.Endpoints {
		e.string(ep.Name)
		e.string(ep.Host)
		e.uvarint(uint64(ep.Port))
		e.varint(int64(ep.SecurityProtocol))
	}
	e.nullableString(r.Rack)
	e.bool(r.Fenced)
	e.bool(r.InControlledShutdown)
}

func encodePartition(e *encoder, r PartitionRecord) {
	e.uuid(r.TopicID)
	e.varint(int64(r.Partition))
	e.int32s(r.Replicas)
	e.int32s(r.ISR)
	e.int32s(r.RemovingReplicas)
	e.int32s(r.AddingReplicas)
	e.varint(int64(r.Leader))
	e.int8(r.LeaderRecoveryState)
	e.varint(int64(r.LeaderEpoch))
	e.varint(int64(r.PartitionEpoch))
	e.int32s(r.ELR)
	e.int32s(r.LastKnownELR)
}

func encodePartitionChange(e *encoder, r PartitionChangeRecord) {
	e.uuid(r.TopicID)
	e.varint(int64(r.Partition))
	e.int32s(r.ISR)
	e.varint(int64(r.Leader))
	e.int32s(r.Replicas)
	e.int32s(r.RemovingReplicas)
	e.int32s(r.AddingReplicas)
	e.int8(r.LeaderRecoveryState)
	e.int32s(r.ELR)
	e.int32s(r.LastKnownELR)
}

func decodeBody(d *decoder, t RecordType) Record {
	switch t {
	case RegisterBrokerType:
		return decodeRegisterBroker(d)
	case UnregisterBrokerType:
		return UnregisterBrokerRecord{BrokerID: d.int32(), BrokerEpoch: d.int64()}
	case BrokerRegistrationChangeType:
		return BrokerRegistrationChangeRecord{
			BrokerID: d.int32(), BrokerEpoch: d.int64(), Fenced: d.int8(), InControlledShutdown: d.int8(),
		}
	case TopicType:
		return TopicRecord{Name: d.string(), TopicID: d.uuid()}
	case PartitionType:
		return decodePartition(d)
	case PartitionChangeType:
		return decodePartitionChange(d)
	case RemoveTopicType:
		return RemoveTopicRecord{TopicID: d.uuid()}
	case ConfigType:
		return ConfigRecord{
			ResourceType: ResourceType(d.int8()), ResourceName: d.string(), Name: d.string(), Value: d.nullableString(),
		}
	case ProducerIDsType:
		return ProducerIdsRecord{BrokerID: d.int32(), BrokerEpoch: d.int64(), NextProducerID: d.int64()}
	case FeatureLevelType:
		return FeatureLevelRecord{Name: d.string(), Level: d.int16()}
	}
	d.fail("unknown record type %d", uint16(t))
	return nil
}

func decodeRegisterBroker(d *decoder) RegisterBrokerRecord {
	r := RegisterBrokerRecord{BrokerID: d.int32(), IncarnationID: d.uuid(), BrokerEpoch: d.int64()}
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail("%d endpoints in %d bytes", n, len(d.b)-d.off)
		n = 0
	}
	for range n {
		r.Endpoints = append(r.Endpoints, Endpoint{
			Name: d.string(), Host: d.string(), Port: d.uint16(), SecurityProtocol: d.int16(),
		})
	}
	r.Rack = d.nullableString()
	r.Fenced = d.bool()
	r.InControlledShutdown = d.bool()
	return r
}

func decodePartition(d *decoder) PartitionRecord {
	return PartitionRecord{
		TopicID:             d.uuid(),
		Partition:           d.int32(),
		Replicas:            d.int32s(),
		ISR:                 d.int32s(),
		RemovingReplicas:    d.int32s(),
		AddingReplicas:      d.int32s(),
		Leader:              d.int32(),
		LeaderRecoveryState: d.int8(),
		LeaderEpoch:         d.int32(),
		PartitionEpoch:      d.int32(),
		ELR:                 d.int32s(),
		LastKnownELR:        d.int32s(),
	}
}

func decodePartitionChange(d *decoder) PartitionChangeRecord {
	return PartitionChangeRecord{
		TopicID:             d.uuid(),
		Partition:           d.int32(),
		ISR:                 d.int32s(),
		Leader:              d.int32(),
		Replicas:            d.int32s(),
		RemovingReplicas:    d.int32s(),
		AddingReplicas:      d.int32s(),
		LeaderRecoveryState: d.int8(),
		ELR:                 d.int32s(),
		LastKnownELR:        d.int32s(),
	}
}
