"""Real servers started by the fault tests: a tiny SMTP server and a private redis-server.

Both listen on 127.0.0.1 on a free port and are stopped by the test; nothing
here touches the shared Redis or any other address.
"""

import contextlib
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Delivered:
    recipients: list[str]
    subject: str
    attachments: list[str]


@dataclass
class SMTPBehaviour:
    delay: float = 0.0  # seconds before answering each DATA
    refuse_first: int = 0  # the first N messages get "451 try again later"
    drop_first: int = 0  # then the next N connections are closed in the middle of DATA
    received: list[Delivered] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        behaviour: SMTPBehaviour = self.server.behaviour
        self.reply("220 fake-smtp ready")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 fake-smtp")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                time.sleep(behaviour.delay)
                with behaviour.lock:
                    behaviour.attempts += 1
                    attempt = behaviour.attempts
                if attempt <= behaviour.refuse_first:
                    self.reply("451 4.3.0 try again later")
                    continue
                if attempt <= behaviour.refuse_first + behaviour.drop_first:
                    return  # connection lost before the answer
                message = message_from_bytes(data[:-5], policy=default_policy)
                with behaviour.lock:
                    behaviour.received.append(
                        Delivered(
                            recipients=recipients,
                            subject=str(message["Subject"]),
                            attachments=[part.get_filename() for part in message.iter_attachments()],
                        )
                    )
                self.reply("250 OK queued")
            elif verb == "RSET" or verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def fake_smtp(behaviour: SMTPBehaviour):
    """Yields the port of an SMTP server on 127.0.0.1 that follows `behaviour`."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.behaviour = behaviour
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class RedisServer:
    """A redis-server of the test's own, on a free port: stopped, frozen (SIGSTOP)
    and thawed by its PID, never the shared one."""

    def __init__(self, workdir):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test's redis-server did not start")
            time.sleep(0.05)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
