#!/usr/bin/python3
"""A record batch larger than the topic's max.message.bytes is refused.

The topic allows 4096-byte batches; the producer's own limit stays at its 1 MB
default, so the 20000-byte record reaches the broker, which must answer
MESSAGE_TOO_LARGE (librdkafka's MSG_SIZE_TOO_LARGE). Records that fit, sent
before and after, must still be stored at consecutive offsets.
"""

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from harness import args, check_eq, create_topic, fail, run, topic_name


def send(producer, topic, value):
    result = []
    producer.produce(topic, value=value, partition=0,
                     on_delivery=lambda err, msg: result.append((err, msg.offset())))
    left = producer.flush(15)
    if left or not result:
        fail("no delivery report for a %d-byte record" % len(value))
    return result[0]


def main():
    bootstrap = args("")[0]
    topic = topic_name("toolarge")
    create_topic(AdminClient({"bootstrap.servers": bootstrap}), topic, 1, {"max.message.bytes": "4096"})

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0,
                         "message.send.max.retries": 0})
    err, offset = send(producer, topic, b"small-1")
    check_eq((err, offset), (None, 0), "first small record")

    err, _ = send(producer, topic, b"x" * 20000)
    code = err.code() if err is not None else None
    check_eq(code, KafkaError.MSG_SIZE_TOO_LARGE, "error for a 20000-byte record")
    print("20000-byte record refused: %s" % err)

    err, offset = send(producer, topic, b"small-2")
    check_eq((err, offset), (None, 1), "small record after the refused one")

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "interop-unused",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = [m.value() for m in consumer.consume(2, timeout=10) if not m.error()]
    consumer.close()
    check_eq(values, [b"small-1", b"small-2"], "records stored")


if __name__ == "__main__":
    run(main)
