#!/usr/bin/python3
"""Admin, produce and read-back with kafka-python.

KafkaAdminClient creates a two-partition topic with a config and reads the
config back with DescribeConfigs; KafkaProducer (acks='all') sends records to
chosen partitions and gets their offsets; KafkaConsumer, with no group, assigns
the partitions, seeks to the beginning and must read exactly those records
back in order; the topic is then deleted.
"""

import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

from harness import args, check, check_eq, eventually, fail, run, topic_name

COUNT = 40
PARTITIONS = 2


def record(i):
    headers = [("n", b"%d" % i)] if i % 4 == 0 else []
    return i % PARTITIONS, b"k%d" % (i % 7), b"kafka-python %d" % i, headers


def admin_setup(admin, topic):
    resp = admin.create_topics([NewTopic(topic, PARTITIONS, 1, topic_configs={"retention.ms": "3600000"})],
                               timeout_ms=10000)
    errors = [(t, code) for t, code, *_ in resp.topic_errors if code != 0]
    if errors:
        fail("create_topics: %s" % errors)
    eventually(lambda: topic in admin.list_topics(), "%s in list_topics" % topic)

    resps = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    configs = {}
    for resp in resps:
        for err, msg, _, name, entries in resp.resources:
            check_eq(err, 0, "describe_configs error for %s (%s)" % (name, msg))
            configs.update({e[0]: e[1] for e in entries})
    check_eq(configs.get("retention.ms"), "3600000", "retention.ms")
    check_eq(configs.get("cleanup.policy"), "delete", "cleanup.policy")
    print("created %s, describe_configs shows %d configs" % (topic, len(configs)))


def produce(bootstrap, topic):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = []
    for i in range(COUNT):
        partition, key, value, headers = record(i)
        futures.append(producer.send(topic, key=key, value=value, partition=partition, headers=headers))
    producer.flush(15)
    offsets = {p: [] for p in range(PARTITIONS)}
    for i, f in enumerate(futures):
        try:
            md = f.get(timeout=10)
        except Exception as e:
            fail("send of record %d: %r" % (i, e))
        check_eq(md.partition, record(i)[0], "partition of record %d" % i)
        offsets[md.partition].append(md.offset)
    producer.close(5)
    for p, got in offsets.items():
        check_eq(got, list(range(len(got))), "partition %d offsets" % p)
    print("produced %d records with acks=all" % COUNT)


def consume(bootstrap, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(tps)
    consumer.seek_to_beginning()
    got = {p: [] for p in range(PARTITIONS)}
    deadline = time.monotonic() + 20
    while sum(len(v) for v in got.values()) < COUNT and time.monotonic() < deadline:
        for tp, msgs in consumer.poll(timeout_ms=500).items():
            got[tp.partition].extend(msgs)
    # One more poll: a broker that repeats records would show them now.
    for tp, msgs in consumer.poll(timeout_ms=500).items():
        got[tp.partition].extend(msgs)
    consumer.close()

    for p in range(PARTITIONS):
        want = [(k, v, h) for q, k, v, h in map(record, range(COUNT)) if q == p]
        want = [(o, k, v, h) for o, (k, v, h) in enumerate(want)]
        have = [(m.offset, m.key, m.value, list(m.headers)) for m in got[p]]
        check_eq(have, want, "partition %d records" % p)
    print("consumed %d records back" % sum(len(v) for v in got.values()))


def main():
    bootstrap = args("")[0]
    topic = topic_name("kafka-python")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin_setup(admin, topic)
    produce(bootstrap, topic)
    consume(bootstrap, topic)

    resp = admin.delete_topics([topic], timeout_ms=10000)
    errors = [(t, code) for t, code, *_ in resp.topic_error_codes if code != 0]
    check(not errors, "delete_topics: %s" % errors)
    eventually(lambda: topic not in admin.list_topics(), "%s to leave list_topics" % topic)
    admin.close()
    print("deleted %s" % topic)


if __name__ == "__main__":
    run(main)
