#!/usr/bin/python3
"""Static group members (KIP-345) with confluent-kafka (librdkafka).

Two consumers with a group.instance.id each split a four-partition topic,
read and commit ten records per partition. The second closes: a static
member does not leave the group, so the group stays Stable with both
members and the first sees no rebalance. A new consumer with the second's
group.instance.id then takes its place without a rebalance: it gets a new
member id (the instance id and a suffix), the same partitions, and reads
exactly the records produced since, from the commits; the first member is
never revoked.
"""

import time

from confluent_kafka.admin import AdminClient

from confluent_group import PARTITIONS, Member, describe, poll_until, produce, value
from harness import args, check, check_eq, create_topic, run, topic_name


def member_ids(admin, group):
    g = describe(admin, group)
    return g.state, {m.client_id: m.id for m in g.members}


def main():
    bootstrap = args("")[0]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = topic_name("confluent-static")
    group = "interop-confluent-static-" + topic.rsplit("-", 1)[1]
    create_topic(admin, topic, PARTITIONS)
    instance = {name: "%s-%s" % (group, name) for name in ("s1", "s2")}

    def static(name):
        return Member(bootstrap, group, topic, "interop-" + name, "range",
                      **{"group.instance.id": instance[name], "session.timeout.ms": 30000})

    s1 = static("s1")
    poll_until([s1], lambda: s1.assignment == set(range(PARTITIONS)), "s1 to be assigned every partition")
    s2 = static("s2")
    poll_until([s1, s2], lambda: s1.assignment and s2.assignment and
               s1.assignment | s2.assignment == set(range(PARTITIONS)), "s1 and s2 to split the partitions")
    produce(bootstrap, topic, 0, 10)
    poll_until([s1, s2], lambda: len(s1.records) + len(s2.records) >= 10 * PARTITIONS, "the first 40 records")
    for m in (s1, s2):
        check_eq(m.commit_read(), {p: 10 for p in m.assignment}, "%s commit" % m.name)
    state, ids = member_ids(admin, group)
    check_eq(state, "Stable", "group state with both members")
    for name in ("s1", "s2"):
        mid = ids.get("interop-" + name, "")
        check(mid.startswith(instance[name] + "-"), "member id %r does not start with the group.instance.id" % mid)
    print("s1 %s and s2 %s, member ids %s" % (sorted(s1.assignment), sorted(s2.assignment), sorted(ids.values())))

    # A static member that closes stays in the group until its session ends.
    s1_rebalances, s2_partitions = s1.rebalances, s2.assignment
    s2.consumer.close()
    end = time.monotonic() + 2
    while time.monotonic() < end:
        s1.poll()
    check_eq(member_ids(admin, group), (state, ids), "state and members after the static member closed")
    check_eq(s1.rebalances, s1_rebalances, "s1 rebalance callbacks after s2 closed")

    # Its replacement takes its place without a rebalance.
    produce(bootstrap, topic, 10, 15)
    s2b = static("s2")
    poll_until([s1, s2b], lambda: s2b.assignment == s2_partitions and len(s2b.records) >= 5 * len(s2_partitions)
               and len(s1.records) >= 15 * len(s1.assignment), "s2's replacement to read on")
    end = time.monotonic() + 1  # records read twice would show now
    while time.monotonic() < end:
        s1.poll()
        s2b.poll()
    check_eq(sorted(s2b.records), [(p, i, value(p, i)) for p in sorted(s2_partitions) for i in range(10, 15)],
             "the replacement's records: exactly those after s2's commits")
    check_eq(sorted(s1.records), [(p, i, value(p, i)) for p in sorted(s1.assignment) for i in range(15)], "s1 records")
    check_eq(s1.rebalances, s1_rebalances, "s1 rebalance callbacks after the replacement joined")
    state, after = member_ids(admin, group)
    check_eq(state, "Stable", "group state after the replacement joined")
    check_eq(after.get("interop-s1"), ids["interop-s1"], "s1 member id after the replacement joined")
    new_id = after.get("interop-s2", "")
    check(new_id != ids["interop-s2"] and new_id.startswith(instance["s2"] + "-"),
          "replacement member id %r: want a new one starting with the group.instance.id" % new_id)
    check_eq(len(after), 2, "members after the replacement joined")
    print("s2 replaced by member %s with partitions %s, no rebalance" % (new_id, sorted(s2b.assignment)))
    s1.consumer.close()
    s2b.consumer.close()


if __name__ == "__main__":
    run(main)
