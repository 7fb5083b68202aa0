#!/usr/bin/python3
"""An idempotent acks=all producer and a group consumer (confluent-kafka)
keep going while the test kills a broker of the cluster.

usage: confluent_failover.py BOOTSTRAP TOPIC GROUP COUNT HISTORY

Sends COUNT records ("c-0", "c-1", ...) to TOPIC, about one a millisecond,
with enable.idempotence and acks=all, while a consumer in GROUP reads the
topic and commits. It prints "acked N" every 500 acknowledgements, so that
the test knows when to kill a broker. Every send and its answer go to the
HISTORY file, one line each:

    value partition offset call_ns return_ns error

(offset -1 and an error when not acknowledged; times from one monotonic
clock). After the last send it flushes, then reads with the consumer until
it has seen every acknowledged record, and fails if any never comes.
"""

import time

from confluent_kafka import Consumer, Producer

from harness import args, check, fail, run


def main():
    bootstrap, topic, group, count, history_path = args("TOPIC GROUP COUNT HISTORY")
    count = int(count)
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 1,
        "message.timeout.ms": 120000,
    })
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 200,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
    })
    consumer.subscribe([topic])
    history = open(history_path, "w")
    acked = {}  # value -> (partition, offset)
    failed = []
    consumed = {}  # value -> times read
    calls = {}

    def delivered(err, msg):
        value = msg.value().decode()
        now = time.monotonic_ns()
        if err is not None:
            failed.append(value)
            history.write("%s %d -1 %d %d %s\n" % (value, msg.partition(), calls[value], now,
                                                   str(err).replace(" ", "_").replace("\n", "_")))
            return
        acked[value] = (msg.partition(), msg.offset())
        history.write("%s %d %d %d %d -\n" % (value, msg.partition(), msg.offset(), calls[value], now))
        if len(acked) % 500 == 0:
            print("acked %d" % len(acked), flush=True)

    def consume(timeout):
        msg = consumer.poll(timeout)
        if msg is None or msg.error():
            return
        value = msg.value().decode()
        consumed[value] = consumed.get(value, 0) + 1

    for i in range(count):
        value = "c-%d" % i
        while True:
            try:
                calls[value] = time.monotonic_ns()
                producer.produce(topic, value=value.encode(), on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
        consume(0)
        time.sleep(0.001)
    left = producer.flush(120)
    check(left == 0, "%d records still not delivered 120s after the last send" % left)
    history.close()
    print("sent %d: %d acknowledged, %d failed" % (count, len(acked), len(failed)), flush=True)

    deadline = time.monotonic() + 90
    while any(v not in consumed for v in acked):
        if time.monotonic() > deadline:
            missing = [v for v in acked if v not in consumed]
            fail("the group consumer never read %d acknowledged records, e.g. %s" % (len(missing), missing[:5]))
        consume(0.2)
    consumer.close()
    again = sum(1 for n in consumed.values() if n > 1)
    print("the group consumer read every acknowledged record (%d read more than once, "
          "after a rebalance)" % again)


if __name__ == "__main__":
    run(main)
