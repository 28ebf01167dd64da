#!/usr/bin/env python3
"""A pubsub socketdriver peer written from the protocol description alone (EVE's driver.go header):
AF_UNIX SOCK_SEQPACKET, one message per send/recv, space-separated ASCII fields, base64 keys and
JSON values. Shares no code with the TypeScript implementation under test.

  peer.py sub SOCKET TOPIC [REQUEST]  subscribe; print every frame received as 'frame <hex>' and,
                                      for updates/deletes, 'decoded <json>'; 'closed' at the end
  peer.py pub SOCKET TOPIC [STATE]    publish (STATE: a JSON object key -> JSON text, held before
                                      the socket listens); commands on stdin, one JSON object per line:
     {"op":"set","key":K,"json":TEXT[,"large":{"field":F,"value":V,"dir":D}]}
     {"op":"del","key":K}   {"op":"raw","hex":H}
     prints 'ready', 'request <hex>' per subscriber, 'ok' after each command
"""
import base64, json, os, selectors, socket, sys, tempfile

MAXSIZE = 65535


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def b64(s):
    return base64.b64encode(s.encode()).decode()


def sub(path, topic, request):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.send((request or "request " + topic).encode())
    while True:
        data = s.recv(MAXSIZE + 1)
        if not data:
            out("closed")
            return
        out("frame " + data.hex())
        f = data.decode().split(" ")
        if f[0] == "update":
            key = base64.b64decode(f[2], validate=True).decode()
            val = json.loads(base64.b64decode(f[3], validate=True))
            out("decoded " + json.dumps({"update": key, "value": val}))
        elif f[0] == "delete":
            out("decoded " + json.dumps({"delete": base64.b64decode(f[2], validate=True).decode()}))


def pub(path, topic, initial):
    if os.path.exists(path):
        os.unlink(path)  # the previous (killed) instance's socket
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    lsock.bind(path)
    lsock.listen(8)
    state = dict(initial)  # key -> json text, insertion ordered
    waiting, live = set(), set()
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, "listen")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    out("ready")

    def send_all(msg):
        for c in list(live):
            try:
                c.send(msg)
            except OSError:
                live.discard(c)

    def update(key, text):
        return ("update %s %s %s" % (topic, b64(key), b64(text))).encode()

    while True:
        for k, _ in sel.select():
            if k.data == "listen":
                c, _ = lsock.accept()
                waiting.add(c)
                sel.register(c, selectors.EVENT_READ, "conn")
            elif k.data == "conn":
                c = k.fileobj
                data = c.recv(256)
                if c in waiting and data:
                    waiting.discard(c)
                    out("request " + data.hex())
                    c.send(("hello %s false" % topic).encode())
                    for key, text in state.items():
                        c.send(update(key, text))
                    c.send(("complete " + topic).encode())
                    live.add(c)
                elif not data:
                    sel.unregister(c)
                    waiting.discard(c)
                    live.discard(c)
                    c.close()
            else:
                line = sys.stdin.readline()
                if not line:
                    return
                cmd = json.loads(line)
                if cmd["op"] == "set":
                    text = cmd["json"]
                    large = cmd.get("large")
                    if large:
                        # The value is moved out to a temp file, as pubsub/large.go does on the socket.
                        field = large["field"]
                        fd, name = tempfile.mkstemp(prefix="pubsub-file-" + field, dir=large["dir"])
                        with os.fdopen(fd, "w") as f:
                            json.dump({"pubsub-large-" + field: large["value"]}, f)
                        obj = json.loads(text)
                        obj["pubsub-file-" + field] = json.dumps(name)
                        text = json.dumps(obj, separators=(",", ":"))
                    state[cmd["key"]] = text
                    send_all(update(cmd["key"], text))
                elif cmd["op"] == "del":
                    state.pop(cmd["key"], None)
                    send_all(("delete %s %s" % (topic, b64(cmd["key"]))).encode())
                elif cmd["op"] == "raw":
                    send_all(bytes.fromhex(cmd["hex"]))
                out("ok")


if __name__ == "__main__":
    mode, path, topic = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "sub":
        sub(path, topic, sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        pub(path, topic, json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
