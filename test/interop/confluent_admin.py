#!/usr/bin/python3
"""Topic administration with confluent-kafka (librdkafka) AdminClient.

Creates a topic with partitions and a config, reads it back through Metadata
and DescribeConfigs, replaces its configs with the legacy AlterConfigs (which
resets every config it does not name), checks the errors Kafka gives for a
duplicate topic, an unknown config and an unknown topic, and deletes it.
"""

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from harness import args, check, check_eq, config_source, create_topic, eventually, fail, run, topic_name

DEFAULT_RETENTION_MS = "604800000"  # log.retention.hours=168


def describe(admin, topic):
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    try:
        return admin.describe_configs([res], request_timeout=15)[res].result()
    except Exception as e:
        fail("describe_configs %s: %s" % (topic, e))


def check_dynamic(configs, name, value):
    check(name in configs, "describe_configs has no %s" % name)
    check_eq(configs[name].value, value, name)
    check_eq(config_source(configs[name]), ConfigSource.DYNAMIC_TOPIC_CONFIG, name + " source")
    check(not configs[name].is_default, "%s is set on the topic but is_default is true" % name)


def check_not_dynamic(configs, name, value):
    check(name in configs, "describe_configs has no %s" % name)
    check_eq(configs[name].value, value, name)
    check(config_source(configs[name]) != ConfigSource.DYNAMIC_TOPIC_CONFIG,
          "%s is not set on the topic but its source is DYNAMIC_TOPIC_CONFIG" % name)


def create_error(admin, topic, partitions, config):
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1,
                                            config=config)], operation_timeout=10, request_timeout=15)
    try:
        futures[topic].result()
    except Exception as e:
        return e.args[0].code()
    return None


def main():
    bootstrap = args("")[0]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = topic_name("admin")

    create_topic(admin, topic, 3, {"retention.ms": "3600000", "max.message.bytes": "200000"})
    md = admin.list_topics(topic=topic, timeout=10)
    addrs = ["%s:%d" % (b.host, b.port) for b in md.brokers.values()]
    check(bootstrap in addrs, "metadata brokers %s do not include the bootstrap %s" % (addrs, bootstrap))
    parts = md.topics[topic].partitions
    check_eq(sorted(parts), [0, 1, 2], "partition ids")
    for p in parts.values():
        check(p.leader in md.brokers, "partition %d leader %d is not a listed broker" % (p.id, p.leader))
        check_eq(p.replicas, [p.leader], "partition %d replicas" % p.id)
        check_eq(p.isrs, [p.leader], "partition %d isr" % p.id)
    print("created %s: 3 partitions, leaders %s" % (topic, sorted(p.leader for p in parts.values())))

    check_eq(create_error(admin, topic, 3, {}), KafkaError.TOPIC_ALREADY_EXISTS, "create an existing topic")
    check_eq(create_error(admin, topic_name("badconfig"), 1, {"no.such.config": "1"}),
             KafkaError.INVALID_CONFIG, "create with an unknown config")
    print("checked: create of a duplicate topic, create with an unknown config")

    configs = describe(admin, topic)
    check_dynamic(configs, "retention.ms", "3600000")
    check_dynamic(configs, "max.message.bytes", "200000")
    check_not_dynamic(configs, "cleanup.policy", "delete")
    print("checked: describe_configs (%d configs) shows the overrides" % len(configs))

    # Legacy AlterConfigs replaces the topic's whole set of overrides.
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"max.message.bytes": "300000"})
    try:
        admin.alter_configs([res], request_timeout=15)[res].result()
    except Exception as e:
        fail("alter_configs: %s" % e)
    configs = describe(admin, topic)
    check_dynamic(configs, "max.message.bytes", "300000")
    check_not_dynamic(configs, "retention.ms", DEFAULT_RETENTION_MS)
    print("checked: alter_configs sets max.message.bytes and resets retention.ms")

    try:
        admin.delete_topics([topic], operation_timeout=10, request_timeout=15)[topic].result()
    except Exception as e:
        fail("delete_topics: %s" % e)
    eventually(lambda: topic not in admin.list_topics(timeout=5).topics, "%s to leave metadata" % topic)
    try:
        admin.delete_topics([topic], operation_timeout=10, request_timeout=15)[topic].result()
        fail("deleting a deleted topic succeeded")
    except Exception as e:
        check_eq(e.args[0].code(), KafkaError.UNKNOWN_TOPIC_OR_PART, "delete an unknown topic")
    print("deleted %s" % topic)


if __name__ == "__main__":
    run(main)
