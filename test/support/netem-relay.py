#!/usr/bin/env python3
"""A userspace stand-in for `tc netem`, for kernels built without it (CONFIG_NET_SCH_NETEM unset).

    netem-relay.py TUN DELAY_MS JITTER_MS LOSS_PCT DUPLICATE_PCT REORDER_PCT SEED

Run inside a network namespace (`ip netns exec NS python3 netem-relay.py ...`). TUN is a persistent
tun device there (`ip tuntap add dev TUN mode tun`) to which a tc filter redirects every IP packet
arriving on the namespace's veth (`tc filter add dev VETH ingress ... action mirred egress redirect
dev TUN`). Each packet the kernel hands to TUN is written back into TUN after the impairment, and
the kernel then receives it as if it had come off the wire: the namespace's own TCP stack sees a
link that delays, loses, duplicates and reorders, exactly as it would behind netem on the other end.

The choices follow netem's (sch_netem.c) for one direction of a link:
- loss: each packet is dropped with probability LOSS_PCT %;
- duplicate: a packet that is kept is sent twice with probability DUPLICATE_PCT %;
- reorder: with probability REORDER_PCT % a packet goes out at once, the others wait the delay;
- delay: DELAY_MS plus a uniform draw in [-JITTER_MS, +JITTER_MS]; packets leave in order of their
  due time, so jitter reorders them too (as netem's time-sorted queue does);
- limit: at most 1000 packets wait (netem's default); beyond that new packets are dropped.

A tun device without offloads (no IFF_VNET_HDR, no TUNSETOFFLOAD) receives packets that the
kernel has already segmented to the MTU and checksummed, so each one is one packet on a wire.

It prints `ready` once attached, then a JSON line of counters every second (`stats {...}`), and
on SIGTERM a last one before it exits. Standard library only.
"""

import fcntl
import heapq
import json
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
QUEUE_LIMIT = 1000


def attach(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main(argv):
    name = argv[1]
    delay_s = float(argv[2]) / 1000
    jitter_s = float(argv[3]) / 1000
    loss = float(argv[4]) / 100
    duplicate = float(argv[5]) / 100
    reorder = float(argv[6]) / 100
    rng = random.Random(int(argv[7]))

    fd = attach(name)
    stats = {"in": 0, "lost": 0, "duplicated": 0, "sentEarly": 0, "overflow": 0, "out": 0}
    queue = []  # (due, seq, packet): a heap, earliest due first
    seq = 0
    stopping = []

    def stop(_signum, _frame):
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def report():
        sys.stdout.write("stats " + json.dumps(stats) + "\n")
        sys.stdout.flush()

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    next_report = time.monotonic() + 1

    while not stopping:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
                stats["out"] += 1
            except OSError:
                # The device went away or refused the packet: a wire that loses it.
                stats["lost"] += 1
        if now >= next_report:
            report()
            next_report = now + 1
        timeout = next_report - now
        if queue:
            timeout = min(timeout, max(0.0, queue[0][0] - now))
        try:
            readable, _, _ = select.select([fd], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        # Everything the kernel has queued for us now, so a burst is timed from when it arrived.
        for _ in range(256):
            try:
                packet = os.read(fd, 65536)
            except BlockingIOError:
                break
            stats["in"] += 1
            if rng.random() < loss:
                stats["lost"] += 1
                continue
            copies = 1
            if rng.random() < duplicate:
                copies = 2
                stats["duplicated"] += 1
            arrived = time.monotonic()
            for _ in range(copies):
                if len(queue) >= QUEUE_LIMIT:
                    stats["overflow"] += 1
                    continue
                if rng.random() < reorder:
                    stats["sentEarly"] += 1
                    due = arrived
                else:
                    due = arrived + max(0.0, delay_s + rng.uniform(-jitter_s, jitter_s))
                seq += 1
                heapq.heappush(queue, (due, seq, packet))
    report()


if __name__ == "__main__":
    main(sys.argv)
