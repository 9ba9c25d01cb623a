"""A Python expert on the wire: a ZeroMQ ROUTER that speaks Nexus's expert protocol
(`ExpertQuery` in, `ExpertAnswer` out, `Control.status_request` answered with a status), so
Nexus workers — local or on other machines — ask it as they ask `nexus expert`.

Whatever queries have arrived when it looks (up to `max_batch` states) are answered with one
call of the expert on all their states: one forward pass of an SB3 model serves every worker.
An expert that raises, or answers with the wrong shape or a value out of the action space,
gets each of those queries an error answer (the worker counts it and asks again); the server
lives on.

With `curve_keys` (a directory from `nexus keys generate`) it serves over CurveZMQ, as `nexus
expert` does: its pair from `server.key`, admitting only the client keys in `allowed_clients`
(pyzmq's ZAP handler asks this server); refused handshakes are counted (`auth_failures`)."""
import json
import os
import sys
import time

import numpy as np
import zmq

from nexusrl import wire
from nexusrl._serving import serve_until_stopped
from nexusrl._proto.nexus.v1 import control_pb2, expert_pb2


class ActionSpace:
    """`discrete:N` (indices 0..N-1) or `box:D` (D floats), as the worker checks them."""

    def __init__(self, text):
        kind, _, size = text.partition(":")
        if kind not in ("discrete", "box") or not size.isdigit() or int(size) < 1:
            raise ValueError(f'action space "{text}" is not discrete:N or box:D')
        self.discrete = kind == "discrete"
        self.size = int(size)
        self.dimension = 1 if self.discrete else self.size

    def shape_actions(self, actions, rows):
        """The expert's output as `[rows, dimension]` float32, or a ValueError naming the problem."""
        array = np.asarray(actions)
        # One value a row, [N], reads as [N, 1]: indices, or a one-dimensional Box's actions.
        if self.dimension == 1 and array.shape == (rows,):
            array = array[:, None]
        if array.shape != (rows, self.dimension):
            expected = f"[{rows}] or [{rows}, 1] indices" if self.discrete else (
                f"[{rows}] or [{rows}, 1]" if self.dimension == 1 else f"[{rows}, {self.dimension}]")
            raise ValueError(f"the expert returned an array of shape {list(array.shape)} for {rows} observations; expected {expected}")
        array = array.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError("the expert returned a value that is not finite")
        if self.discrete and not np.all((array == np.round(array)) & (array >= 0) & (array < self.size)):
            raise ValueError(f"the expert returned an action outside Discrete({self.size})")
        return array


class ExpertServer:
    def __init__(self, expert, endpoint, observation_dim, action_space, max_batch=1024, log=None, curve_keys=None):
        self.expert = expert
        self.observation_dim = observation_dim
        self.action_space = action_space
        self.max_batch = max_batch
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 200)
        self.socket.setsockopt(zmq.SNDHWM, 64)
        self.socket.setsockopt(zmq.RCVHWM, 16)
        # Refused by size before it is read: 4,096 states of this width, and room to spare.
        self.socket.setsockopt(zmq.MAXMSGSIZE, 4096 * max(1, observation_dim) * 4 + (1 << 20))
        self.counts = {"queries": 0, "states": 0, "batches": 0, "rejected_messages": 0, "expert_errors": 0, "auth_failures": 0, "handshake_failures": 0}
        self._logged = set()
        self.authenticator, self.monitor = None, None
        if curve_keys is not None:
            self._serve_over_curve(curve_keys)
        self.socket.bind(endpoint.replace(":*", ":0") if endpoint.startswith("tcp://") else endpoint)
        self.endpoint = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)

    def _serve_over_curve(self, keys):
        from zmq.auth.thread import ThreadAuthenticator

        class Allowlist:
            def callback(self, domain, key):  # pyzmq's ZAP thread, a key as Z85 bytes
                return key in keys.allowed

        self.authenticator = ThreadAuthenticator(self.context)
        self.authenticator.start()
        self.authenticator.configure_curve_callback(domain="nexus", credentials_provider=Allowlist())
        self.socket.setsockopt(zmq.ZAP_DOMAIN, b"nexus")
        self.socket.setsockopt(zmq.CURVE_SERVER, 1)
        self.socket.setsockopt(zmq.CURVE_PUBLICKEY, keys.public)
        self.socket.setsockopt(zmq.CURVE_SECRETKEY, keys.secret)
        # Refusals are seen only as handshake events: a key not allowed, or a client without
        # CURVE (a mechanism mismatch) — both are peers refused for who they are.
        self.monitor = self.socket.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        self._keys_directory = keys.directory

    def _count_handshakes(self):
        from zmq.utils.monitor import recv_monitor_message

        while True:
            try:
                event = recv_monitor_message(self.monitor, zmq.NOBLOCK)
            except zmq.Again:
                return
            self.counts["auth_failures"] += 1
            if event["event"] != zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                self.counts["handshake_failures"] += 1
            if "auth" not in self._logged:
                self._logged.add("auth")
                self.log(f"refused a client over CurveZMQ (its key is not in {self._keys_directory}/allowed_clients, or it speaks no CURVE); "
                         "further ones are counted, not logged")

    def _refuse_once(self, kind, message):
        self.counts["rejected_messages"] += 1
        if kind not in self._logged:
            self._logged.add(kind)
            self.log(f"refused {message} (further ones of this kind are counted, not logged)")

    def serve(self, stop=lambda: False, watch_parent=False):
        also = {self.monitor: self._count_handshakes} if self.monitor is not None else None
        if serve_until_stopped(self.socket, self.serve_batch, stop=stop, watch_parent=watch_parent, also=also):
            self.log("the launcher is gone (standard input closed); stopping")

    def serve_batch(self):
        """Answers what has arrived: status requests at once, queries in one call."""
        queries, rows = [], 0
        while rows < self.max_batch:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            if len(frames) != 2:
                self._refuse_once("frames", f"a message of {len(frames)} frames")
                continue
            peer, payload = frames
            try:
                envelope = wire.decode(payload)
            except Exception as error:  # whatever a peer sends, the server lives on
                self._refuse_once("decode", f"a message that does not decode: {error}")
                continue
            body = envelope.WhichOneof("body")
            if body == "control" and envelope.control.WhichOneof("kind") == "status_request":
                self._reply(peer, control=control_pb2.Control(status=self.status()))
            elif body == "expert_query":
                query = envelope.expert_query
                try:
                    observations = wire.to_array(query.observations)
                    if observations.ndim != 2 or observations.shape[1] != self.observation_dim:
                        raise wire.WireError(f"observations of shape {list(observations.shape)}, expected [N, {self.observation_dim}]")
                    if not np.all(np.isfinite(observations)):
                        raise wire.WireError("observations hold a value that is not finite")
                except Exception as error:  # a malformed query is refused, never fatal
                    self._refuse_once("query", f"a query: {error}")
                    self._answer_error(peer, query.request_id, str(error))
                    continue
                queries.append((peer, query.request_id, observations))
                rows += observations.shape[0]
            else:
                self._refuse_once(body, f"a {body} message (not a query)")
        if queries:
            self.label(queries)

    def label(self, queries):
        states = np.vstack([observations for _, _, observations in queries])
        self.counts["batches"] += 1
        self.counts["queries"] += len(queries)
        try:
            actions = self.action_space.shape_actions(self.expert(states), len(states))
        except Exception as error:  # the user's expert: any failure is its answer's error
            self.counts["expert_errors"] += 1
            self.log(f"the expert failed on {len(states)} observations: {type(error).__name__}: {error}")
            for peer, request_id, _ in queries:
                self._answer_error(peer, request_id, f"{type(error).__name__}: {error}")
            return
        self.counts["states"] += len(states)
        start = 0
        for peer, request_id, observations in queries:
            end = start + observations.shape[0]
            answer = expert_pb2.ExpertAnswer(request_id=request_id, actions=wire.to_tensor(actions[start:end]))
            self._reply(peer, expert_answer=answer)
            start = end

    def _answer_error(self, peer, request_id, reason):
        self._reply(peer, expert_answer=expert_pb2.ExpertAnswer(request_id=request_id, error=reason[:1000]))

    def _reply(self, peer, **body):
        try:
            self.socket.send_multipart([peer, wire.encode(**body)], zmq.NOBLOCK)
        except zmq.Again:
            self.counts["slow_peer_replies_dropped"] = self.counts.get("slow_peer_replies_dropped", 0) + 1

    def status(self):
        return control_pb2.Status(role="expert", metrics=[control_pb2.Metric(name=name, value=float(value)) for name, value in sorted(self.counts.items())])

    def announce(self, path):
        """Writes the bound endpoint as `nexus expert --announce` does (atomically)."""
        temporary = f"{path}.tmp-{os.getpid()}"
        with open(temporary, "w") as handle:
            json.dump({"role": "expert", "pid": os.getpid(), "endpoints": {"expert": self.endpoint}}, handle)
        os.replace(temporary, path)

    def close(self):
        if self.monitor is not None:
            self.socket.disable_monitor()
            self.monitor.close()
        self.socket.close()
        if self.authenticator is not None:
            self.authenticator.stop()
