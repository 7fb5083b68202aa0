#!/usr/bin/python3
"""Checks a topic's configs as librdkafka's DescribeConfigs reports them.

usage: confluent_config.py BOOTSTRAP TOPIC CHECK...

Each CHECK is NAME=VALUE (the value, set on the topic: source
DYNAMIC_TOPIC_CONFIG) or NAME~VALUE (the value, not set on the topic: any other
source). The Go interop test changes configs with IncrementalAlterConfigs
through franz-go, which the packaged confluent-kafka cannot send, and reads
them back with this script.
"""

import re

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from harness import args, check, check_eq, config_source, fail, run


def main():
    argv = args("TOPIC NAME=VALUE|NAME~VALUE...")
    if len(argv) < 3:
        fail("need a topic and at least one check")
    bootstrap, topic, checks = argv[0], argv[1], argv[2:]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    try:
        configs = admin.describe_configs([res], request_timeout=15)[res].result()
    except Exception as e:
        fail("describe_configs %s: %s" % (topic, e))

    for c in checks:
        m = re.fullmatch(r"([^=~]+)([=~])(.*)", c)
        if not m:
            fail("bad check %r" % c)
        name, op, value = m.groups()
        if not check(name in configs, "describe_configs has no %s" % name):
            continue
        entry = configs[name]
        src = config_source(entry)
        ok = check_eq(entry.value, value, name)
        ok &= check_eq(src == ConfigSource.DYNAMIC_TOPIC_CONFIG, op == "=",
                       "%s set on the topic (source %s)" % (name, src.name))
        if ok:
            print("checked %s: %s (%s)" % (name, entry.value, src.name))


if __name__ == "__main__":
    run(main)
