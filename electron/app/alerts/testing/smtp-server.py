# A real SMTP server for the alert tests (Debian's python3-aiosmtpd), on 127.0.0.1: it asks for a
# sign-in when given a user and password (over plain SMTP, as a local relay may), and prints each
# message it accepts as one JSON line on stdout. The first line is {"port": N}.
# Usage: python3 smtp-server.py [PORT] [USER PASSWORD]
import asyncio
import json
import socket
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 0
USER = sys.argv[2].encode() if len(sys.argv) > 3 else None
PASSWORD = sys.argv[3].encode() if len(sys.argv) > 3 else None


class Handler:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content.decode("utf8", "replace"), "signedIn": bool(session.authenticated)}), flush=True)
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok, handled=False)


async def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", PORT))
    sock.listen()
    loop = asyncio.get_running_loop()
    await loop.create_server(lambda: SMTP(Handler(), authenticator=authenticator, auth_require_tls=False, auth_required=USER is not None), sock=sock)
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
