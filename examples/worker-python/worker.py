#!/usr/bin/env python3
"""A live-chat worker over the Vert.x TCP event-bus bridge, Python 3 standard library only.

It serves the AI provider ai.provider.<PROVIDER> with a toy model ("You said: ..."), streamed
word by word when the server asks for a stream, and prints the events of tenant TENANT.

    BRIDGE_KEY=... [BRIDGE_HOST=127.0.0.1] [BRIDGE_PORT=7001] [PROVIDER=mine] [TENANT=tnt-...] python3 worker.py
"""
import json, os, re, socket, struct, sys, threading, time, uuid

KEY = os.environ.get("BRIDGE_KEY") or sys.exit("BRIDGE_KEY is required (a key of the server's LIVECHAT_BRIDGE_KEYS)")
HOST = os.environ.get("BRIDGE_HOST", "127.0.0.1")
PORT = int(os.environ.get("BRIDGE_PORT", "7001"))
PROVIDER = "ai.provider." + os.environ.get("PROVIDER", "mine")
TENANT = os.environ.get("TENANT")
MODEL = "echo-python"

try:
    sock = socket.create_connection((HOST, PORT))
except OSError as e:
    sys.exit(f"cannot reach the bridge at {HOST}:{PORT}: {e}")
write_lock = threading.Lock()  # one frame at a time: request threads and the pinger share the socket


def send(frame):
    """Frame = 4-byte big-endian length + UTF-8 JSON. Every frame we send carries the key."""
    frame.setdefault("headers", {})["authorization"] = "Bearer " + KEY
    data = json.dumps(frame).encode()
    with write_lock:
        sock.sendall(struct.pack(">I", len(data)) + data)


def read_exactly(n):
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise ConnectionError("the server closed the connection")
        buf += part
    return buf


def receive():
    (length,) = struct.unpack(">I", read_exactly(4))
    return json.loads(read_exactly(length))


def text_of(message):
    """A message's content: a string, or (OpenAI's other form) a list of parts."""
    content = message.get("content") or ""
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content


def tokens(text):
    return max(1, len(text) // 4)  # rough, like ~4 characters a token


def answer(frame):
    """One request: the body is a Chat Completions request (model, messages, maybe tools, stream)."""
    request, headers, reply_to = frame["body"], frame.get("headers", {}), frame["replyAddress"]
    try:
        user = [m for m in request.get("messages", []) if m.get("role") == "user"]
        reply = "You said: " + (text_of(user[-1]) if user else "nothing")
        usage = {"prompt_tokens": sum(tokens(text_of(m)) for m in request.get("messages", [])),
                 "completion_tokens": tokens(reply)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        streamed = bool(request.get("stream")) and "stream-to" in headers
        if streamed:
            # Streamed: each chunk goes to the stream-to address, tagged with stream-id and stream-seq 0, 1, 2...
            words = re.findall(r"\S+\s*", reply)
            for seq, word in enumerate(words):
                send({"type": "send", "address": headers["stream-to"],
                      "headers": {"stream-id": headers["stream-id"], "stream-seq": str(seq)},
                      "body": {"object": "chat.completion.chunk", "model": MODEL,
                               "choices": [{"index": 0, "delta": {"content": word}}]}})
                time.sleep(0.02)
            # ...then the reply to the request: a last chunk (finish_reason, usage) + how many chunks came before.
            send({"type": "send", "address": reply_to, "headers": {"stream-chunks": str(len(words))},
                  "body": {"object": "chat.completion.chunk", "model": MODEL, "usage": usage,
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}})
        else:
            # Whole: the reply is a Chat Completions response.
            send({"type": "send", "address": reply_to,
                  "body": {"id": "cmpl-" + uuid.uuid4().hex[:12], "object": "chat.completion", "model": MODEL,
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                        "finish_reason": "stop"}], "usage": usage}})
        print(f"answered ({'streamed' if streamed else 'whole'}): {reply[:60]!r}", flush=True)
    except Exception as e:  # a failure reply: 5xx = our fault, the server tries its next provider
        send({"type": "send", "address": reply_to, "failureCode": 500, "message": f"worker error: {e}"})


def summary(event):
    """One line for a tenant event: its type, its id, and who/what it is about."""
    data = event.get("data") or {}
    if "conversationId" in data:  # message:new: a message of a conversation
        about = f"{data['conversationId']} {data.get('role')}: {str(data.get('content'))[:60]!r}"
    else:  # conversation:*: the conversation itself
        about = f"{data.get('id')} status={data.get('status')} session={data.get('sessionId')}"
        if data.get("contact_data"):
            about += f" contact={json.dumps(data['contact_data'])[:60]}"
    return f"{event.get('type')} #{event.get('id')} {about}"


def pinger():
    while True:
        time.sleep(20)  # a keep-alive every 20 s; the server answers {"type": "pong"}
        try:
            send({"type": "ping"})
        except OSError:
            return  # the connection is gone: the main loop reports it


send({"type": "register", "address": PROVIDER})
if TENANT:
    send({"type": "register", "address": "bridge.events." + TENANT})
threading.Thread(target=pinger, daemon=True).start()
print(f"worker on {HOST}:{PORT}: serving {PROVIDER}" + (f", events of {TENANT}" if TENANT else ""), flush=True)

try:
    while True:
        frame = receive()
        kind, address = frame.get("type"), frame.get("address", "")
        if kind == "message" and address == PROVIDER:
            threading.Thread(target=answer, args=(frame,), daemon=True).start()  # several requests at once
        elif kind == "message" and address.startswith("bridge.events."):
            print("event:", summary(frame.get("body") or {}), flush=True)
        elif kind == "err":
            print("server error:", frame.get("message"), file=sys.stderr, flush=True)
        # "pong" (answer to our ping) needs nothing
except (ConnectionError, OSError) as e:
    sys.exit(f"connection lost: {e}")
