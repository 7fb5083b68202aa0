"""Helpers shared by the interop scenario scripts.

Every script takes the broker's bootstrap address (host:port) as its first
argument, prints what it checked, and exits non-zero with a line starting
"FAIL:" when the broker did not behave as Apache Kafka does.
"""

import sys
import time
import uuid


_failures = []


def fail(msg):
    """Reports a failure after which the scenario cannot go on, and exits."""
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    """Reports a failed expectation and lets the scenario go on; run exits 1."""
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        _failures.append(msg)
    return cond


def run(main):
    """Runs a scenario and exits non-zero if any check failed."""
    main()
    if _failures:
        print("%d check(s) failed" % len(_failures), file=sys.stderr)
        sys.exit(1)
    print("ok")


def check_eq(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


def args(usage):
    """Returns the command line after the script name; the bootstrap first."""
    if len(sys.argv) < 2:
        print("usage: %s BOOTSTRAP %s" % (sys.argv[0], usage), file=sys.stderr)
        sys.exit(2)
    return sys.argv[1:]


def topic_name(scenario):
    """A topic name no earlier run against the same broker has used."""
    return "interop-%s-%s" % (scenario, uuid.uuid4().hex[:8])


def eventually(fn, what, timeout=10.0):
    """Polls fn until it returns a true value, failing after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            fail("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(0.1)


def create_topic(admin, name, partitions, config=None):
    """Creates a topic with confluent_kafka's AdminClient and waits for it."""
    from confluent_kafka.admin import NewTopic

    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=10, request_timeout=15)
    try:
        futures[name].result()
    except Exception as e:
        fail("create topic %s: %s" % (name, e))

    def ready():
        md = admin.list_topics(timeout=5).topics.get(name)
        return md is not None and md.error is None and len(md.partitions) == partitions and \
            all(p.leader >= 0 for p in md.partitions.values())
    eventually(ready, "topic %s with %d partitions and leaders in metadata" % (name, partitions))


def config_source(entry):
    """The ConfigSource of a confluent_kafka ConfigEntry (an int in 1.x)."""
    from confluent_kafka.admin import ConfigSource

    return ConfigSource(entry.source)
