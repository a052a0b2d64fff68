"""Real peers on loopback for the channel tests: a fake LINE platform, an SMS
gateway and a tiny IMAP server, each a thread recording what it receives."""

from __future__ import annotations

import json
import re
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open, as the real services do

    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self, status: int, body: bytes = b"{}", content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server_owner.answered.append((self.path, self.client_address))

    def _json(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client closing a kept-alive connection is not an error of the fake.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class _Server:
    handler: type[BaseHTTPRequestHandler]

    def __init__(self):
        self.requests: list[dict] = []
        self.answered: list[tuple[str, tuple]] = []  # (path, client address) of each answer
        outer = self

        class Handler(self.handler):
            server_owner = outer

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def connections(self, path_suffix: str = "") -> set[tuple]:
        """The client connections that carried the requests whose path ends so."""
        return {client for path, client in self.answered if path.endswith(path_suffix)}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class _LineHandler(_Recorder):
    def do_POST(self):
        platform = self.server_owner
        body = self._json()
        record = {
            "path": self.path,
            "body": body,
            "authorization": self.headers.get("Authorization"),
            "retry_key": self.headers.get("X-Line-Retry-Key"),
        }
        if self.path == "/v2/bot/message/reply":
            if body.get("replyToken") in platform.expired_tokens:
                record["refused"] = True
                platform.requests.append(record)
                return self._answer(400, b'{"message":"Invalid reply token"}')
            platform.requests.append(record)
            return self._answer(200, b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}')
        if self.path == "/v2/bot/message/push":
            platform.requests.append(record)
            return self._answer(200, b'{"sentMessages":[{"id":"2","quoteToken":"q"}]}')
        self._answer(404)

    def do_GET(self):
        platform = self.server_owner
        match = re.fullmatch(r"/v2/bot/message/([^/]+)/content", self.path)
        platform.requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        if match and match.group(1) in platform.content:
            return self._answer(200, platform.content[match.group(1)], "image/jpeg")
        self._answer(404)


class FakeLinePlatform(_Server):
    """Answers reply, push and content download like the LINE Messaging API."""

    handler = _LineHandler

    def __init__(self):
        super().__init__()
        self.content: dict[str, bytes] = {}
        self.expired_tokens: set[str] = set()

    def sent(self) -> list[dict]:
        """Replies and pushes accepted, in order, as {"kind", "to", "text"}."""
        out = []
        for r in self.requests:
            if r["path"].endswith(("/reply", "/push")) and not r.get("refused"):
                kind = "reply" if r["path"].endswith("/reply") else "push"
                out.append(
                    {
                        "kind": kind,
                        "to": r["body"].get("to") or r["body"].get("replyToken"),
                        "text": "\n".join(m["text"] for m in r["body"]["messages"]),
                    }
                )
        return out


class _SmsHandler(_Recorder):
    def do_POST(self):
        gateway = self.server_owner
        gateway.requests.append(
            {"path": self.path, "body": self._json(), "authorization": self.headers.get("Authorization")}
        )
        self._answer(gateway.status)


class FakeSmsGateway(_Server):
    handler = _SmsHandler

    def __init__(self):
        super().__init__()
        self.status = 202


class _ImapHandler(socketserver.StreamRequestHandler):
    """Just enough IMAP4rev1 for imaplib: LOGIN, SELECT, UID SEARCH/FETCH/STORE, LOGOUT."""

    def _send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def handle(self):
        box = self.server.mailbox
        self._send("* OK fake IMAP ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().strip().partition(" ")
            command = rest.upper()
            if command.startswith("CAPABILITY"):
                self._send("* CAPABILITY IMAP4rev1")
                self._send(f"{tag} OK CAPABILITY done")
            elif command.startswith("LOGIN"):
                user, password = rest.split(" ")[1:3]
                if (user.strip('"'), password.strip('"')) != box.credentials:
                    self._send(f"{tag} NO bad credentials")
                    continue
                self._send(f"{tag} OK LOGIN done")
            elif command.startswith("SELECT"):
                self._send(f"* {len(box.messages)} EXISTS")
                self._send(f"{tag} OK [READ-WRITE] SELECT done")
            elif command.startswith("UID SEARCH"):
                unseen = [str(uid) for uid, (_, seen) in sorted(box.messages.items()) if not seen]
                self._send("* SEARCH " + " ".join(unseen))
                self._send(f"{tag} OK SEARCH done")
            elif command.startswith("UID FETCH"):
                uid = int(rest.split(" ")[2])
                raw = box.messages[uid][0]
                self._send(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}".encode() + b"\r\n" + raw + b")\r\n")
                self._send(f"{tag} OK FETCH done")
            elif command.startswith("UID STORE"):
                uid = int(rest.split(" ")[2])
                box.messages[uid] = (box.messages[uid][0], True)
                self._send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))")
                self._send(f"{tag} OK STORE done")
            elif command.startswith("LOGOUT"):
                self._send("* BYE")
                self._send(f"{tag} OK LOGOUT done")
                return
            else:
                self._send(f"{tag} BAD unknown command")


class FakeImapServer:
    def __init__(self, credentials=("complaints", "secret")):
        self.credentials = credentials
        self.messages: dict[int, tuple[bytes, bool]] = {}
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ImapHandler)
        self.server.daemon_threads = True
        self.server.mailbox = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def deliver(self, raw: bytes) -> None:
        self.messages[len(self.messages) + 1] = (raw, False)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
