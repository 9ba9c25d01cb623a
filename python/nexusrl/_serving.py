"""The loop both servers run: wait for messages on one socket, and stop when asked or when
standard input closes (the process that started this one is gone)."""
import os
import sys


def serve_until_stopped(socket, on_readable, stop=lambda: False, watch_parent=False, also=None):
    """Calls `on_readable()` whenever `socket` has a message (and `also[s]()` when socket `s`
    of `also` has one); returns why it stopped (None when `stop()` said so)."""
    import zmq

    also = also or {}
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    for other in also:
        poller.register(other, zmq.POLLIN)
    if watch_parent:
        poller.register(sys.stdin.fileno(), zmq.POLLIN)
    import time
    while not stop():
        # A client that steps at once sends its next request within microseconds: wait for
        # it awake for a moment (a sleeping process wakes slowly on a virtual machine).
        deadline = time.perf_counter() + 0.0005
        events = {}
        while not events and time.perf_counter() < deadline:
            events = dict(poller.poll(0))
        if not events:
            events = dict(poller.poll(500))
        if watch_parent and events.get(sys.stdin.fileno()) and not os.read(sys.stdin.fileno(), 4096):
            return "standard input closed"
        for other, handler in also.items():
            if other in events:
                handler()
        if socket in events:
            on_readable()
    return None
