// Package config is the typed configuration of a Spool node and of its
// topics, under Apache Kafka 4.x key names, types, defaults and validators,
// so that a Kafka server.properties and Kafka's admin tools work unchanged.
//
// Two definition tables drive everything: one for node (broker) keys and one
// for topic keys, each key with its type, default, validator, documentation
// and, for broker keys, whether it can be changed at runtime. Topic keys also
// list their broker synonyms in Kafka's precedence order (retention.ms ←
// log.retention.ms, log.retention.minutes, log.retention.hours).
//
// Values come in layers, highest precedence first: topic overrides, dynamic
// per-broker config, dynamic cluster-default config, the static
// server.properties, and the defaults of the tables. Layers holds the raw
// strings of each; ResolveBroker and ResolveTopic turn them into the typed
// Broker and Topic structs, DescribeBroker and DescribeTopic into the entries
// a DescribeConfigs response carries.
//
// Where Spool's defaults differ from Kafka's, it is so that `spool server`
// with no arguments is a working single-node cluster:
//
//   - process.roles=broker,controller, node.id=1 (broker.id follows it),
//     controller.quorum.voters=1@localhost:9093,
//     listeners=PLAINTEXT://:9092,CONTROLLER://:9093,
//     controller.listener.names=CONTROLLER.
//   - log.dir=./data, so that log.dirs (which, as in Kafka, wins when set)
//     defaults to ./data.
//   - offsets.topic.replication.factor=1, transaction.state.log.replication.factor=1
//     and transaction.state.log.min.isr=1 (Kafka: 3, 3 and 2, which one node
//     cannot meet). Parse warns when a multi-node setup leaves them unset.
//   - An advertised listener whose host is empty advertises "localhost"
//     (Kafka advertises the machine's canonical host name). Clients on the
//     same machine then connect out of the box; anything else must set
//     advertised.listeners, as with Kafka in any real deployment.
//   - controller.quorum.voters keeps its Spool default only while
//     controller.quorum.bootstrap.servers is unset, so a dynamic (KIP-853)
//     quorum is not mixed with the single-node static one.
//   - spool.metrics.address (":9644") is Spool's own key: the address of the
//     Prometheus /metrics endpoint; empty disables it.
//
// Other deliberate differences from Kafka:
//
//   - Listener names are compared case-insensitively everywhere (Kafka
//     upper-cases them in listeners but not in controller.listener.names).
//   - Unknown keys in server.properties are reported as warnings; unknown keys
//     in a dynamic broker update are rejected (Kafka stores them as custom
//     plugin configs, which Spool has no use for).
//   - SSL and SASL keys are read-only: Spool has no per-listener
//     (listener.name.*) overrides to reload them through.
//
// DescribeConfigs of a topic key follows Kafka's ConfigHelper to the letter,
// quirk included: broker synonyms are listed from the topic key's own broker
// key on (log.retention.ms for retention.ms), so a value set only as
// log.retention.hours reports source DEFAULT_CONFIG and no synonyms, exactly
// as kafka-topics.sh --describe shows it against Kafka.
package config
