package broker

import "github.com/spoolhq/spool/internal/config"

// replicaCounts are the ReplicaManager gauges of one scrape.
type replicaCounts struct {
	partitions, leaders, underReplicated, underMinISR int
}

// countReplicas walks the hosted partitions once, as Kafka's ReplicaManager
// gauges see them: under-replicated and under-min-ISR count only
// partitions led here, against the committed ISR.
func (b *Broker) countReplicas() replicaCounts {
	var c replicaCounts
	for _, t := range b.replicas.Topics() {
		for _, p := range t.Partitions {
			c.partitions++
			if !p.IsLeader() {
				continue
			}
			l := p.Leadership()
			c.leaders++
			if len(l.ISR) < len(l.Replicas) {
				c.underReplicated++
			}
			if len(l.ISR) < effectiveMinISR(p.Config(), len(l.Replicas)) {
				c.underMinISR++
			}
		}
	}
	return c
}

// effectiveMinISR is min.insync.replicas bounded by the replication factor,
// as Kafka's Partition.effectiveMinIsr.
func effectiveMinISR(t config.Topic, replicas int) int {
	return min(int(t.MinInsyncReplicas), replicas)
}

// registerReplicaGauges adds Kafka's ReplicaManager gauges under the names
// the Prometheus JMX exporter gives them
// (kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions →
// kafka_server_replicamanager_underreplicatedpartitions).
func (b *Broker) registerReplicaGauges() {
	gauges := []struct {
		name, help string
		fn         func(replicaCounts) int
	}{
		{"kafka_server_replicamanager_partitioncount", "Partitions hosted by this broker.",
			func(c replicaCounts) int { return c.partitions }},
		{"kafka_server_replicamanager_leadercount", "Partitions this broker leads.",
			func(c replicaCounts) int { return c.leaders }},
		{"kafka_server_replicamanager_underreplicatedpartitions", "Partitions led here whose ISR is smaller than their replicas.",
			func(c replicaCounts) int { return c.underReplicated }},
		{"kafka_server_replicamanager_underminisrpartitioncount", "Partitions led here whose ISR is below min.insync.replicas.",
			func(c replicaCounts) int { return c.underMinISR }},
	}
	for _, g := range gauges {
		b.metrics.GaugeFunc(g.name, g.help, func() float64 { return float64(g.fn(b.countReplicas())) })
	}
}

// registerControllerGauges adds the KafkaController gauges: this node's
// ActiveControllerCount (1 while it is the active controller, so the sum
// over a healthy cluster is 1), and, on the active controller only,
// OfflinePartitionsCount (partitions without a leader) and the cluster's
// topic and partition counts.
func (b *Broker) registerControllerGauges() {
	active := func() float64 {
		if b.ActiveController() {
			return 1
		}
		return 0
	}
	b.metrics.GaugeFunc("kafka_controller_kafkacontroller_activecontrollercount",
		"1 on the active controller, else 0.", active)
	onActive := func(fn func() int) func() float64 {
		return func() float64 {
			if !b.ActiveController() {
				return 0
			}
			return float64(fn())
		}
	}
	b.metrics.GaugeFunc("kafka_controller_kafkacontroller_offlinepartitionscount",
		"Partitions without a leader, on the active controller.", onActive(func() int {
			n := 0
			for _, t := range b.Image().Topics() {
				for _, p := range t.Partitions() {
					if p.Leader < 0 {
						n++
					}
				}
			}
			return n
		}))
	b.metrics.GaugeFunc("kafka_controller_kafkacontroller_globaltopiccount",
		"Topics in the cluster, on the active controller.", onActive(func() int { return b.Image().NumTopics() }))
	b.metrics.GaugeFunc("kafka_controller_kafkacontroller_globalpartitioncount",
		"Partitions in the cluster, on the active controller.", onActive(func() int {
			n := 0
			for _, t := range b.Image().Topics() {
				n += t.NumPartitions()
			}
			return n
		}))
}
