#!/usr/bin/python3
"""Idempotent produce and exact read-back with confluent-kafka (librdkafka).

usage: confluent_roundtrip.py BOOTSTRAP [CODEC]   (none, gzip, snappy, lz4, zstd)

An idempotent producer (acks=all) sends keyed records, some with headers and
some without keys, to a new three-partition topic compressed with CODEC. Every
delivery must succeed, records with the same key must share a partition, and
each partition's offsets must run 0, 1, 2, ... in the order the records were
produced. A consumer that assigns the partitions itself (no group
subscription, no commits) must then read back exactly those records, once
each, in order.
"""

import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from harness import args, check, check_eq, create_topic, fail, run, topic_name

COUNT = 500
PARTITIONS = 3


def record(i):
    key = None if i % 50 == 49 else b"key-%d" % (i % 23)
    # Repetitive values compress; the varying tail keeps batches distinct.
    value = b"value-%05d-" % i + b"spool" * (i % 40)
    headers = [("n", b"%d" % i), ("even", b"yes" if i % 2 == 0 else b"no")] if i % 5 == 0 else None
    return key, value, headers


def produce(bootstrap, topic, codec):
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": codec,
        "linger.ms": 20,
    })
    delivered = []

    def on_delivery(i):
        def cb(err, msg):
            delivered.append((i, err, msg.partition(), msg.offset()))
        return cb

    for i in range(COUNT):
        key, value, headers = record(i)
        kwargs = {"headers": headers} if headers else {}
        producer.produce(topic, value=value, key=key, on_delivery=on_delivery(i), **kwargs)
        producer.poll(0)
    left = producer.flush(30)
    check_eq(left, 0, "records still undelivered after flush")

    errors = [(i, err) for i, err, _, _ in delivered if err is not None]
    check_eq(len(delivered), COUNT, "delivery reports")
    if errors:
        fail("%d deliveries failed, first: record %d: %s" % (len(errors), errors[0][0], errors[0][1]))

    by_partition = {}
    key_partition = {}
    for i, _, partition, offset in sorted(delivered):
        by_partition.setdefault(partition, []).append((offset, i))
        key = record(i)[0]
        if key is not None:
            check_eq(key_partition.setdefault(key, partition), partition, "partition of key %r" % key)
    for partition, entries in sorted(by_partition.items()):
        offsets = [o for o, _ in entries]
        check_eq(offsets, list(range(len(offsets))), "partition %d offsets in produce order" % partition)
    print("produced %d records (%s), per partition %s" % (
        COUNT, codec, {p: len(e) for p, e in sorted(by_partition.items())}))
    return by_partition


def consume(bootstrap, topic):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "interop-unused",  # required by the library; nothing joins or commits
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    got = {p: [] for p in range(PARTITIONS)}
    at_end = set()
    deadline = time.monotonic() + 30
    while len(at_end) < PARTITIONS:
        if time.monotonic() > deadline:
            fail("consumer did not reach the end of partitions %s" % sorted(set(got) - at_end))
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            fail("consume: %s" % msg.error())
        at_end.discard(msg.partition())
        got[msg.partition()].append(msg)
    consumer.close()
    return got


def main():
    argv = args("[none|gzip|snappy|lz4|zstd]")
    bootstrap = argv[0]
    codec = argv[1] if len(argv) > 1 else "none"
    topic = topic_name("roundtrip-" + codec)
    create_topic(AdminClient({"bootstrap.servers": bootstrap}), topic, PARTITIONS)

    produced = produce(bootstrap, topic, codec)
    consumed = consume(bootstrap, topic)
    for p in range(PARTITIONS):
        want = []
        for offset, i in produced.get(p, []):
            key, value, headers = record(i)
            want.append((offset, key, value, headers))
        have = [(m.offset(), m.key(), m.value(), m.headers()) for m in consumed[p]]
        if check_eq(len(have), len(want), "partition %d record count" % p):
            for h, w in zip(have, want):
                if not check_eq(h, w, "partition %d record at offset %d" % (p, w[0])):
                    break
    print("consumed %d records back exactly" % sum(len(v) for v in consumed.values()))


if __name__ == "__main__":
    run(main)
