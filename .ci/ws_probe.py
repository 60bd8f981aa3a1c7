"""A tenant-socket client in the standard library, for .ci/nginx.sh: opens /api/ws/tenant through the
given host:port (the balancer), authenticates, asks another request (made by the caller, through the
balancer, so most likely on another node) to produce an event, and exits 0 once `message:new` arrives.
Usage: ws_probe.py HOST PORT JWT  (then it prints "ready" and waits up to 20 s for the event)."""
import base64, json, os, socket, struct, sys, time

host, port, jwt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=20)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /api/ws/tenant HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("closed during the handshake")
    buf += chunk
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("no upgrade: " + head.decode(errors="replace"))

def send(obj):
    data = json.dumps(obj).encode()
    mask = os.urandom(4)
    header = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
    s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

def frame():
    global buf
    def need(n):
        global buf
        while len(buf) < n:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("socket closed")
            buf += chunk
    need(2)
    opcode, length = buf[0] & 0x0F, buf[1] & 0x7F
    at = 2
    if length == 126:
        need(4); length = struct.unpack(">H", buf[2:4])[0]; at = 4
    elif length == 127:
        need(10); length = struct.unpack(">Q", buf[2:10])[0]; at = 10
    need(at + length)
    payload, buf = buf[at:at + length], buf[at + length:]
    if opcode == 8:
        sys.exit("closed by the server: " + payload[2:].decode(errors="replace"))
    return opcode, payload

send({"type": "auth", "token": jwt})
deadline = time.time() + 20
authed = False
while time.time() < deadline:
    opcode, payload = frame()
    if opcode == 9:  # ping: answer it
        continue
    if opcode != 1:
        continue
    msg = json.loads(payload)
    if msg.get("type") == "auth:ok" and not authed:
        authed = True
        print("ready", flush=True)
    elif msg.get("type") == "message:new":
        print("event", msg.get("id"), flush=True)
        sys.exit(0)
sys.exit("no message:new within 20 s")
