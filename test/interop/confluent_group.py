#!/usr/bin/python3
"""Group consumers with confluent-kafka (librdkafka): split, commit, resume.

usage: confluent_group.py BOOTSTRAP [range|cooperative-sticky]

A four-partition topic gets 40 records per partition. Consumer c1 subscribes
alone, is assigned every partition and reads them all without committing.
Consumer c2 then subscribes to the same group: c1 commits what it read when
its partitions are revoked (synchronously, in on_revoke), and the two split
the partitions, c2 starting at c1's commits. Ten more records per partition
must then reach exactly the consumer that owns the partition. Both commit
synchronously; Consumer.committed() and AdminClient.list_groups() (state,
protocol, members, their subscriptions and assignments) must show it. Five
more records per partition are produced, both consumers close (leaving the
group), and a new consumer c3 in the group must read exactly those five per
partition, starting after the commits. Across the whole run every record is
read exactly once. With cooperative-sticky (incremental rebalancing, KIP-429)
c1 gives up only the two partitions that move to c2, and commits only those
when they are revoked.
"""

import struct
import time

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from harness import args, check, check_eq, create_topic, eventually, fail, run, topic_name

PARTITIONS = 4


class Member:
    """One group consumer polled by the scenario, with what it was given."""

    def __init__(self, bootstrap, group, topic, name, strategy, **config):
        self.name = name
        self.records = []  # (partition, offset, value)
        self.assignment = set()
        self.next_offset = {}  # partition -> offset after the last record read
        self.revoked_commits = []
        self.rebalances = 0  # calls of on_assign and on_revoke
        config.update({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": name,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "partition.assignment.strategy": strategy,
        })
        self.consumer = Consumer(config)
        self.incremental = strategy == "cooperative-sticky"
        self.consumer.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)
        self.topic = topic

    def on_assign(self, consumer, partitions):
        self.rebalances += 1
        # Cooperative rebalances hand over only what is added or taken away.
        added = {tp.partition for tp in partitions}
        self.assignment = self.assignment | added if self.incremental else added

    def on_revoke(self, consumer, partitions):
        self.rebalances += 1
        # Commit what was read from the partitions being taken away, before
        # the group moves them, as an application that reads exactly once does.
        offsets = [TopicPartition(self.topic, tp.partition, self.next_offset[tp.partition])
                   for tp in partitions if tp.partition in self.next_offset]
        if offsets:
            self.commit(offsets, "on_revoke")
            self.revoked_commits.append(sorted((tp.partition, tp.offset) for tp in offsets))
        self.assignment = self.assignment - {tp.partition for tp in partitions}

    def commit(self, offsets, what):
        try:
            result = self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as e:
            fail("%s: commit %s: %s" % (self.name, what, e))
        for tp in result:
            check(tp.error is None, "%s: commit %s of partition %d: %s" % (self.name, what, tp.partition, tp.error))

    def commit_read(self):
        offsets = [TopicPartition(self.topic, p, o) for p, o in sorted(self.next_offset.items())
                   if p in self.assignment]
        self.commit(offsets, "after reading")
        return {tp.partition: tp.offset for tp in offsets}

    def poll(self, timeout=0.1):
        msg = self.consumer.poll(timeout)
        if msg is None:
            return
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                fail("%s: consume: %s" % (self.name, msg.error()))
            return
        self.records.append((msg.partition(), msg.offset(), msg.value()))
        self.next_offset[msg.partition()] = msg.offset() + 1

    def committed(self, partitions):
        tps = self.consumer.committed([TopicPartition(self.topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in tps}


def value(p, i):
    return b"p%d-record-%d" % (p, i)


def produce(bootstrap, topic, first, last):
    """Writes records first..last-1 to every partition; offsets must match."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    offsets = []

    def delivered(err, msg):
        if err is not None:
            fail("produce: %s" % err)
        offsets.append((msg.partition(), msg.offset(), msg.value()))

    for p in range(PARTITIONS):
        for i in range(first, last):
            producer.produce(topic, value=value(p, i), key=b"k%d" % i, partition=p, on_delivery=delivered)
    check_eq(producer.flush(30), 0, "records still undelivered after flush")
    want = sorted((p, i, value(p, i)) for p in range(PARTITIONS) for i in range(first, last))
    check_eq(sorted(offsets), want, "delivered offsets of records %d..%d" % (first, last - 1))
    return want


def poll_until(members, cond, what, timeout=45):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            fail("timed out after %ds waiting for %s; %s" % (timeout, what, "; ".join(
                "%s assigned %s, read %d" % (m.name, sorted(m.assignment), len(m.records)) for m in members)))
        for m in members:
            m.poll()


def decode_string(b, pos):
    (n,) = struct.unpack_from(">h", b, pos)
    return b[pos + 2:pos + 2 + n].decode(), pos + 2 + n


def decode_subscription(b):
    """The topics of a ConsumerProtocolSubscription (any version)."""
    pos = 2
    (n,) = struct.unpack_from(">i", b, pos)
    pos += 4
    topics = []
    for _ in range(n):
        topic, pos = decode_string(b, pos)
        topics.append(topic)
    return topics


def decode_assignment(b):
    """A ConsumerProtocolAssignment as {topic: sorted partitions}."""
    pos = 2
    (n,) = struct.unpack_from(">i", b, pos)
    pos += 4
    out = {}
    for _ in range(n):
        topic, pos = decode_string(b, pos)
        (k,) = struct.unpack_from(">i", b, pos)
        out[topic] = sorted(struct.unpack_from(">%di" % k, b, pos + 4))  # in the leader's order
        pos += 4 + 4 * k
    return out


def describe(admin, group):
    groups = admin.list_groups(group, timeout=10)
    if len(groups) != 1:
        fail("list_groups(%s) returned %d groups" % (group, len(groups)))
    g = groups[0]
    check(g.error is None, "list_groups(%s) error: %s" % (group, g.error))
    return g


def check_group(admin, group, topic, members, strategy):
    g = describe(admin, group)
    check_eq((g.id, g.state, g.protocol_type, g.protocol), (group, "Stable", "consumer", strategy),
             "group id, state, protocol type and protocol")
    by_client = {m.client_id: m for m in g.members}
    check_eq(sorted(by_client), sorted(m.name for m in members), "client ids of the members")
    for m in members:
        gm = by_client.get(m.name)
        if gm is None:
            continue
        check_eq(gm.client_host, "/127.0.0.1", "%s client host" % m.name)
        check_eq(decode_subscription(gm.metadata), [topic], "%s subscription" % m.name)
        check_eq(decode_assignment(gm.assignment), {topic: sorted(m.assignment)}, "%s assignment" % m.name)
    ids = {gm.id for gm in g.members}
    check(len(ids) == len(members) and all(ids), "member ids %s are not distinct and set" % ids)
    print("list_groups: %s %s/%s, members %s" % (g.state, g.protocol_type, g.protocol,
                                                  sorted((gm.client_id, gm.client_host) for gm in g.members)))


def main():
    argv = args("[range|cooperative-sticky]")
    bootstrap = argv[0]
    strategy = argv[1] if len(argv) > 1 else "range"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = topic_name("confluent-group-" + strategy)
    group = "interop-confluent-group-" + topic.rsplit("-", 1)[1]
    create_topic(admin, topic, PARTITIONS)
    want = produce(bootstrap, topic, 0, 40)

    # c1 alone: every partition, every record, nothing committed yet.
    c1 = Member(bootstrap, group, topic, "interop-c1", strategy)
    poll_until([c1], lambda: c1.assignment == set(range(PARTITIONS)) and len(c1.records) == len(want),
               "c1 to be assigned every partition and read the first 160 records")
    check_eq(c1.committed(range(PARTITIONS)), {p: OFFSET_INVALID for p in range(PARTITIONS)},
             "committed offsets before any commit")
    print("c1 alone: assigned %s, read %d records" % (sorted(c1.assignment), len(c1.records)))

    # c2 joins: c1 commits on revoke, the two split the partitions.
    c2 = Member(bootstrap, group, topic, "interop-c2", strategy)
    members = [c1, c2]
    poll_until(members, lambda: c1.assignment and c2.assignment and
               c1.assignment | c2.assignment == set(range(PARTITIONS)),
               "c1 and c2 to split the partitions")
    check(not c1.assignment & c2.assignment, "c1 %s and c2 %s share partitions" % (c1.assignment, c2.assignment))
    moved = sorted(c2.assignment) if c1.incremental else range(PARTITIONS)
    check_eq(c1.revoked_commits, [[(p, 40) for p in moved]], "c1's commits on revoke")
    check_eq(c1.committed(moved), {p: 40 for p in moved}, "committed after the rebalance")
    print("split: c1 %s, c2 %s" % (sorted(c1.assignment), sorted(c2.assignment)))
    check_group(admin, group, topic, members, strategy)

    # New records reach exactly the owner of their partition.
    want += produce(bootstrap, topic, 40, 50)
    poll_until(members, lambda: len(c1.records) + len(c2.records) >= len(want), "the next 40 records")
    for m in members:
        later = sorted(r for r in m.records if r[1] >= 40)
        check_eq(later, [(p, i, value(p, i)) for p in sorted(m.assignment) for i in range(40, 50)],
                 "%s records after the split" % m.name)
    for m in members:
        check_eq(m.commit_read(), {p: 50 for p in m.assignment}, "%s commit" % m.name)
        check_eq(m.committed(sorted(m.assignment)), {p: 50 for p in m.assignment}, "%s committed()" % m.name)
    check_eq(c2.committed(range(PARTITIONS)), {p: 50 for p in range(PARTITIONS)}, "committed offsets of the group")
    print("both committed 50 on every partition")

    # Both leave; c3 resumes after the commits.
    want += produce(bootstrap, topic, 50, 55)
    for m in members:
        m.consumer.close()
    eventually(lambda: describe(admin, group).state == "Empty", "group %s to be Empty after both left" % group, 30)
    check_eq(describe(admin, group).members, [], "members of the empty group")
    c3 = Member(bootstrap, group, topic, "interop-c3", strategy)
    poll_until([c3], lambda: c3.assignment == set(range(PARTITIONS)) and len(c3.records) >= 20,
               "c3 to read the last 20 records")
    end = time.monotonic() + 1  # records read twice or past the end would show now
    while time.monotonic() < end:
        c3.poll()
    check_eq(sorted(c3.records), [(p, i, value(p, i)) for p in range(PARTITIONS) for i in range(50, 55)],
             "c3 records: exactly those after the commits")
    check_eq(c3.commit_read(), {p: 55 for p in range(PARTITIONS)}, "c3 commit")
    c3.consumer.close()

    everything = sorted(c1.records + c2.records + c3.records)
    check_eq(everything, sorted(want), "every record read exactly once by the group")
    fresh = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    tps = fresh.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
    check_eq({tp.partition: tp.offset for tp in tps}, {p: 55 for p in range(PARTITIONS)},
             "committed offsets read by a consumer outside the group")
    fresh.close()
    listed = {g.id: g for g in admin.list_groups(timeout=10)}
    check(group in listed, "list_groups() does not list %s" % group)
    if group in listed:
        check_eq((listed[group].state, listed[group].protocol_type), ("Empty", "consumer"),
                 "state and protocol type in list_groups()")
    print("c3 resumed at 50 and read %d records; %d records read once in all" % (len(c3.records), len(everything)))


if __name__ == "__main__":
    run(main)
