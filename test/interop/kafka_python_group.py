#!/usr/bin/python3
"""A group consumer and the group admin calls of kafka-python.

A three-partition topic gets 20 records per partition. A KafkaConsumer with a
group_id subscribes, reads them all and commits them by hand with metadata;
while it is in the group, KafkaAdminClient.describe_consumer_groups must show
the group Stable with that one member, its subscription and its assignment,
and list_consumer_group_offsets the commits with their metadata. After it
closes, the group is Empty. Five more records per partition are produced; a
second consumer in the group, auto-committing, must read exactly those,
starting after the commits; deleting the group while it is a member fails
with NON_EMPTY_GROUP; when it closes it commits its position. Then
list_consumer_groups lists the group, delete_consumer_groups deletes it (its
offsets go with it), and deleting it again fails with GROUP_ID_NOT_FOUND.
"""

import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import GroupIdNotFoundError, NoError, NonEmptyGroupError
from kafka.structs import OffsetAndMetadata

from harness import args, check, check_eq, eventually, fail, run, topic_name

PARTITIONS = 3


def value(p, i):
    return b"kafka-python p%d #%d" % (p, i)


def produce(bootstrap, topic, first, last):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = [(p, i, producer.send(topic, key=b"k%d" % i, value=value(p, i), partition=p))
               for p in range(PARTITIONS) for i in range(first, last)]
    producer.flush(15)
    for p, i, f in futures:
        try:
            md = f.get(timeout=10)
        except Exception as e:
            fail("send of record %d to partition %d: %r" % (i, p, e))
        check_eq((md.partition, md.offset), (p, i), "partition and offset of record %d" % i)
    producer.close(5)


def consume(consumer, count, what):
    """Polls until count records arrived, then once more for extras."""
    got = []
    deadline = time.monotonic() + 45
    while len(got) < count:
        if time.monotonic() > deadline:
            fail("%s: read %d of %d records (assignment %s)" % (what, len(got), count, consumer.assignment()))
        for _, msgs in consumer.poll(timeout_ms=200).items():
            got.extend((m.partition, m.offset, m.value) for m in msgs)
    for _, msgs in consumer.poll(timeout_ms=500).items():
        got.extend((m.partition, m.offset, m.value) for m in msgs)
    return sorted(got)


def tps(topic):
    return [TopicPartition(topic, p) for p in range(PARTITIONS)]


def describe(admin, group):
    groups = admin.describe_consumer_groups([group])
    if len(groups) != 1:
        fail("describe_consumer_groups returned %d groups" % len(groups))
    return groups[0]


def check_member(admin, group, topic, client_id):
    g = describe(admin, group)
    check_eq((g.error_code, g.group, g.state, g.protocol_type, g.protocol), (0, group, "Stable", "consumer", "range"),
             "error, group, state, protocol type and protocol")
    if not check_eq(len(g.members), 1, "members"):
        return
    m = g.members[0]
    check(m.member_id.startswith(client_id + "-"), "member id %r does not start with the client id" % m.member_id)
    check_eq((m.client_id, m.client_host), (client_id, "/127.0.0.1"), "client id and host")
    check_eq(list(m.member_metadata.subscription), [topic], "subscription")
    check_eq([(t, sorted(ps)) for t, ps in m.member_assignment.assignment], [(topic, list(range(PARTITIONS)))],
             "assignment")
    print("describe_consumer_groups: %s %s/%s, member %s from %s" % (g.state, g.protocol_type, g.protocol,
                                                                      m.client_id, m.client_host))


def main():
    bootstrap = args("")[0]
    topic = topic_name("kafka-python-group")
    group = "interop-kafka-python-group-" + topic.rsplit("-", 1)[1]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    resp = admin.create_topics([NewTopic(topic, PARTITIONS, 1)], timeout_ms=10000)
    if any(code != 0 for _, code, *_ in resp.topic_errors):
        fail("create_topics: %s" % resp.topic_errors)
    eventually(lambda: topic in admin.list_topics(), "%s in list_topics" % topic)
    produce(bootstrap, topic, 0, 20)

    # Manual commits, with metadata.
    c1 = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, client_id="kp-manual",
                       enable_auto_commit=False, auto_offset_reset="earliest")
    c1.subscribe([topic])
    got = consume(c1, 60, "manual-commit consumer")
    check_eq(got, [(p, i, value(p, i)) for p in range(PARTITIONS) for i in range(20)], "first consumer's records")
    check_eq(c1.assignment(), set(tps(topic)), "first consumer's assignment")
    check_member(admin, group, topic, "kp-manual")
    check_eq(admin.list_consumer_group_offsets(group), {}, "offsets before any commit")
    c1.commit({tp: OffsetAndMetadata(20, "read by kp-manual") for tp in tps(topic)})
    check_eq({tp.partition: c1.committed(tp) for tp in tps(topic)}, {p: 20 for p in range(PARTITIONS)},
             "committed() after commit")
    check_eq(admin.list_consumer_group_offsets(group),
             {tp: OffsetAndMetadata(20, "read by kp-manual") for tp in tps(topic)},
             "list_consumer_group_offsets after the manual commit")
    c1.close()
    eventually(lambda: describe(admin, group).state == "Empty", "group %s to be Empty" % group, 30)
    g = describe(admin, group)
    check_eq((g.protocol_type, g.members), ("consumer", []), "protocol type and members of the empty group")
    print("manual commit of 20 per partition, with metadata; group Empty after close")

    # Auto commit resumes after the commits and commits on close.
    produce(bootstrap, topic, 20, 25)
    c2 = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, client_id="kp-auto",
                       enable_auto_commit=True, auto_commit_interval_ms=200, auto_offset_reset="earliest")
    c2.subscribe([topic])
    got = consume(c2, 15, "auto-commit consumer")
    check_eq(got, [(p, i, value(p, i)) for p in range(PARTITIONS) for i in range(20, 25)],
             "second consumer's records: exactly those after the commits")
    check_member(admin, group, topic, "kp-auto")
    check_eq(admin.delete_consumer_groups([group]), [(group, NonEmptyGroupError)], "delete of a group with a member")
    c2.close()
    check_eq(admin.list_consumer_group_offsets(group), {tp: OffsetAndMetadata(25, "") for tp in tps(topic)},
             "offsets auto-committed on close")
    print("auto-commit consumer resumed at 20, read 15 records, committed 25 per partition on close")

    listed = admin.list_consumer_groups()
    check((group, "consumer") in listed, "list_consumer_groups %s does not list (%r, 'consumer')" % (listed, group))
    check_eq(admin.delete_consumer_groups([group]), [(group, NoError)], "delete of the empty group")
    check((group, "consumer") not in admin.list_consumer_groups(), "deleted group still listed")
    check_eq(admin.list_consumer_group_offsets(group), {}, "offsets of the deleted group")
    check_eq(admin.delete_consumer_groups([group]), [(group, GroupIdNotFoundError)], "delete of a deleted group")
    admin.close()
    print("listed, deleted, and gone")


if __name__ == "__main__":
    run(main)
