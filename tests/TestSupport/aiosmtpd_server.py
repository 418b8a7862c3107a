# A real SMTP server (aiosmtpd) that writes every message it accepts to a folder: <n>.eml (the
# content as received) and <n>.json (the envelope). Recipients whose local part starts with
# "defer" get 451, with "reject" get 550. Optional STARTTLS (certificate and key files) and AUTH.
# Arguments: folder port smtputf8(0|1) [certfile keyfile user password]
# Environment: DEFER_TIMES=n defers each "defer…" address only its first n times (default: always).
# REJECT_SENDER_FILE=path: while that file exists, MAIL FROM is answered with its first line (a relay
# that refuses the sender). Recipients whose local part starts with "slow" wait SLOW_SECONDS (2)
# before the reply to the final dot. "spam…" recipients get 554 5.7.1 at the final dot (the
# message refused, not the address). "late…" recipients wait LATE_SECONDS (3) before the reply to
# the final dot the first time only, and keep nothing if the client has gone by then (a server that
# had not finished). THROTTLE_EVERY=n: every n-th MAIL FROM gets 454 4.7.0 (a rate limit).
# Every MAIL, RCPT and final-dot reply is logged to attempts.log: "<command> <address> <code>".
import asyncio, json, os, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

folder, port, smtputf8 = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
lock = threading.Lock()
count = 0
defer_times = int(os.environ.get("DEFER_TIMES", "-1"))
deferred = {}

reject_sender_file = os.environ.get("REJECT_SENDER_FILE")
slow_seconds = float(os.environ.get("SLOW_SECONDS", "2"))
late_seconds = float(os.environ.get("LATE_SECONDS", "3"))
throttle_every = int(os.environ.get("THROTTLE_EVERY", "0"))
mails = 0
late = set()

def attempt(command, address, reply):
    with lock:
        with open(os.path.join(folder, "attempts.log"), "a", encoding="utf-8") as f:
            f.write(f"{command} {address} {reply[:3]}\n")
    return reply

class Handler:
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        global mails
        if reject_sender_file and os.path.exists(reject_sender_file):
            with open(reject_sender_file, encoding="utf-8") as f:
                return attempt("MAIL", address, f.readline().strip())
        with lock:
            mails += 1
            throttled = throttle_every > 0 and mails % throttle_every == 0
        if throttled:
            return attempt("MAIL", address, "454 4.7.0 Throttling failure: maximum sending rate exceeded")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return attempt("MAIL", address, "250 2.1.0 OK")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("defer"):
            with lock:
                deferred[address] = deferred.get(address, 0) + 1
                times = deferred[address]
            if defer_times < 0 or times <= defer_times:
                return attempt("RCPT", address, "451 4.2.0 Mailbox busy, try again later")
        if local.startswith("reject"):
            return attempt("RCPT", address, "550 5.1.1 No such user here")
        envelope.rcpt_tos.append(address)
        return attempt("RCPT", address, "250 2.1.5 OK")

    async def handle_DATA(self, server, session, envelope):
        global count
        to = " ".join(envelope.rcpt_tos)
        locals_ = [a.split("@")[0] for a in envelope.rcpt_tos]
        if any(l.startswith("slow") for l in locals_):
            await asyncio.sleep(slow_seconds)
        if any(l.startswith("spam") for l in locals_):
            return attempt("DATA", to, "554 5.7.1 Message rejected as spam")
        if any(l.startswith("late") for l in locals_) and to not in late:
            late.add(to)
            # Logged before the wait: the server may cancel this handler when the client goes.
            attempt("DATA", to, "000 not answered yet")
            await asyncio.sleep(late_seconds)
            if server.transport is None or server.transport.is_closing():
                return "451 4.3.0 Too late"
        with lock:
            count += 1
            n = count
        content = envelope.original_content or envelope.content
        with open(os.path.join(folder, f".{n}.eml.tmp"), "wb") as f:
            f.write(content)
        with open(os.path.join(folder, f"{n}.json"), "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "mail_options": envelope.mail_options, "tls": session.ssl is not None,
                       "user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None}, f)
        os.rename(os.path.join(folder, f".{n}.eml.tmp"), os.path.join(folder, f"{n}.eml"))
        return attempt("DATA", to, "250 2.0.0 Message accepted for delivery")

options = {"enable_SMTPUTF8": smtputf8, "decode_data": False}
if len(sys.argv) > 4:
    certfile, keyfile, user, password = sys.argv[4:8]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, auth_data=auth_data if ok else None)
    options.update(tls_context=context, require_starttls=True, auth_required=True, authenticator=authenticate)

controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
