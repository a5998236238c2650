#!/usr/bin/python3
"""fcgi-drive.py — a minimal FastCGI client that drives one responder
directly over its UNIX socket, without a web server, so a profiler
(callgrind) sees the responder's own work per request.

  bench/fcgi-drive.py SOCKET N [--warm W] [--on-warm CMD] [--keep]
                      [--param NAME=VALUE ...] [--body FILE]

Sends W warm-up requests, runs CMD (e.g. `callgrind_control -z PID`), then N
requests; one connection per request (as lighttpd and mod_fcgid do), or one
kept connection (--keep: FCGI_KEEP_CONN, as mod_proxy_fcgi enablereuse=on
does). Prints the first answer's status line and a count of statuses.
Debian's /usr/bin/python3, standard library only.
"""
import argparse
import collections
import socket
import struct
import subprocess
import sys

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(kind, rid, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack("!BBHHBx", 1, kind, rid, len(content), pad) + content + b"\0" * pad


def nv(name, value):
    out = b""
    for s in (name, value):
        n = len(s)
        out += struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def request(params, body, keep):
    rid = 1
    out = record(BEGIN, rid, struct.pack("!HB5x", 1, 1 if keep else 0))
    p = b"".join(nv(k.encode(), v.encode()) for k, v in params.items())
    for i in range(0, len(p), 65535):
        out += record(PARAMS, rid, p[i:i + 65535])
    out += record(PARAMS, rid)
    for i in range(0, len(body), 65535):
        out += record(STDIN, rid, body[i:i + 65535])
    out += record(STDIN, rid)
    return out


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("responder closed the connection")
        b += c
    return b


def answer(s):
    stdout = b""
    while True:
        _, kind, _, clen, pad = struct.unpack("!BBHHBx", read_exact(s, 8))
        content = read_exact(s, clen + pad)[:clen]
        if kind == STDOUT:
            stdout += content
        elif kind == END:
            return stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("n", type=int)
    ap.add_argument("--warm", type=int, default=0)
    ap.add_argument("--on-warm")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--body")
    a = ap.parse_args()
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/", "QUERY_STRING": "",
              "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    for kv in a.param:
        k, _, v = kv.partition("=")
        params[k] = v
    body = open(a.body, "rb").read() if a.body else b""
    if body:
        params["CONTENT_LENGTH"] = str(len(body))
    msg = request(params, body, a.keep)
    statuses = collections.Counter()
    first = None
    conn = None
    for i in range(a.warm + a.n):
        if i == a.warm and a.on_warm:
            subprocess.run(a.on_warm, shell=True, check=True, stdout=subprocess.DEVNULL)
        if conn is None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(a.socket)
        conn.sendall(msg)
        out = answer(conn)
        if not a.keep:
            conn.close()
            conn = None
        status = out.split(b"\r\n", 1)[0].decode(errors="replace")
        if first is None:
            first = out
        statuses[status] += 1
    if conn:
        conn.close()
    sys.stdout.write(first.decode(errors="replace").split("\r\n\r\n")[0] + "\n" if first else "")
    for k, v in statuses.items():
        print(f"{v} × {k}")


if __name__ == "__main__":
    main()
