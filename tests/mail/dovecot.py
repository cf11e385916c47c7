"""A real Dovecot on loopback for mail tests: its own config, CA, maildir and relay sink.

Dovecot checks XOAUTH2 tokens with an oauth2 passdb that asks an HTTP endpoint who
the bearer is (the fake identity provider's Graph-like /v1.0/me), or (``keys_from``)
validates them locally with the RS256 keys published at the identity provider's
jwks_uri, the way a mail server accepts tokens made for Outlook, which Graph refuses.
TLS uses a test CA made here, so clients verify certificates for real. Submission
relays to a small SMTP sink (aiosmtpd) that drops each message into the recipient's
maildir, where Dovecot's IMAP and POP3 find it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"
SKIP_REASON = ("dovecot is not installed (Debian: apt-get install dovecot-imapd "
               "dovecot-pop3d dovecot-submissiond)")


def dovecot_binary() -> str | None:
    """The dovecot executable, or None when it is not installed."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)),
        None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- a test CA and a server certificate it signed ---------------------------------------------


@dataclass(frozen=True)
class TestCA:
    ca_cert: Path  # what clients trust
    cert: Path  # the server's certificate (localhost, 127.0.0.1), signed by the CA
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "exo-oauth tests")])


def make_ca(folder: Path) -> TestCA:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder()
          .subject_name(_name("exo-oauth test CA")).issuer_name(_name("exo-oauth test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = TestCA(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    paths.key.chmod(0o600)
    return paths


# -- the relay sink: submission hands mail here, it lands in a maildir -------------------------


class _MaildirDelivery:
    def __init__(self, mail_root: Path, owner: tuple[int, int]) -> None:
        self.mail_root = mail_root
        self.owner = owner
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            deliver(self.mail_root, rcpt, content, self.owner)
        self.count += 1
        return "250 2.0.0 delivered"


def deliver(mail_root: Path, user: str, message: bytes, owner: tuple[int, int]) -> Path:
    """Drop a message into ``user``'s maildir the way a local delivery agent would."""
    box = mail_root / user.lower()
    for folder in (box, box / "tmp", box / "new", box / "cur"):
        if not folder.exists():
            folder.mkdir()
            os.chown(folder, *owner)
    name = f"{time.time_ns()}.P{os.getpid()}.{socket.gethostname()}"
    tmp = box / "tmp" / name
    tmp.write_bytes(message)
    os.chown(tmp, *owner)
    final = box / "new" / name
    tmp.rename(final)
    return final


# -- Dovecot -----------------------------------------------------------------------------------

_CONFIG = """\
# written by tests/mail/dovecot.py for one test run
base_dir = {base}/run
state_dir = {base}/state
instance_name = exo-oauth-test-{port_imap}
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap pop3 submission
listen = {host}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = xoauth2 oauthbearer
auth_cache_size = 0
first_valid_uid = 1
mail_location = maildir:{mail}/%Lu
mail_uid = {uid}
mail_gid = {gid}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
mail_max_userip_connections = 1000
hostname = localhost
submission_relay_host = {host}
submission_relay_port = {port_sink}
submission_relay_trusted = yes
submission_max_mail_size = 64M
auth_verbose = yes
verbose_ssl = no
login_trusted_networks =
shutdown_clients = yes

passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {base}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%Lu
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port_imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {port_imaps}
    ssl = yes
  }}
  process_min_avail = 1
  service_count = 0
  client_limit = 1000
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {host}
    port = {port_pop3}
  }}
  inet_listener pop3s {{
    address = {host}
    port = {port_pop3s}
    ssl = yes
  }}
}}
service submission-login {{
  inet_listener submission {{
    address = {host}
    port = {port_submission}
  }}
  inet_listener submissions {{
    address = {host}
    port = {port_submissions}
    ssl = yes
  }}
}}
service imap {{
  process_limit = 1000
}}
service auth {{
  client_limit = 5000
}}
service anvil {{
  client_limit = 5000
}}
default_process_limit = 1000
"""

_OAUTH2 = """\
introspection_mode = auth
introspection_url = {introspection_url}
username_attribute = mail
"""

_OAUTH2_LOCAL = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={keys}/
username_attribute = upn
"""


def write_validation_keys(folder: Path, jwks_uri: str) -> Path:
    """Dovecot's local validation keys from a JWKS: one PEM public key per key id, at
    ``default/<alg>/<kid>`` (``default``: the token names no ``azp``, as Microsoft's
    Outlook tokens do not)."""
    import base64

    import httpx
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

    def number(text: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    keys = folder / "keys"
    for key in httpx.get(jwks_uri, timeout=10).raise_for_status().json()["keys"]:
        public = RSAPublicNumbers(number(key["e"]), number(key["n"])).public_key()
        path = keys / "default" / "RS256" / key["kid"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    for place in (keys, *keys.rglob("*")):  # Dovecot's auth process runs as another user
        place.chmod(0o755 if place.is_dir() else 0o644)
    return keys


@dataclass
class Dovecot:
    """A running Dovecot; ports for each listener (STARTTLS and implicit TLS)."""

    folder: Path
    ca: TestCA
    mail_root: Path
    imap: int
    imaps: int
    pop3: int
    pop3s: int
    submission: int
    submissions: int
    process: subprocess.Popen[bytes]
    sink: Controller

    @property
    def host(self) -> str:
        return HOST

    def log(self) -> str:
        try:
            return (self.folder / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    @property
    def mail_owner(self) -> tuple[int, int]:
        return self.mail_root.stat().st_uid, self.mail_root.stat().st_gid

    def deliver(self, user: str, message: bytes) -> Path:
        return deliver(self.mail_root, user, message, self.mail_owner)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        with contextlib.suppress(Exception):
            self.sink.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_listening(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
            return True
        time.sleep(0.05)
    return False


def start_dovecot(introspection_url: str, *, keys_from: str | None = None) -> Dovecot:
    """Start Dovecot in the foreground in a new folder of its own; stop() ends it and
    removes the folder. ``keys_from``: a jwks_uri whose keys validate tokens locally,
    instead of asking ``introspection_url``. The folder is not under pytest's (private)
    temporary folder: Dovecot's login and mail processes run as other users and must reach
    it."""
    binary = dovecot_binary()
    if binary is None:
        raise RuntimeError(SKIP_REASON)
    folder = Path(tempfile.mkdtemp(prefix="exo-dovecot-"))
    folder.chmod(0o755)
    ca = make_ca(folder / "tls")
    mail = folder / "mail"
    mail.mkdir(exist_ok=True)
    root = os.geteuid() == 0
    # Dovecot never opens mail as root: the mailboxes then belong to "nobody".
    uid, gid = _nobody() if root else (os.geteuid(), os.getegid())
    os.chown(mail, uid, gid)
    sink = Controller(_MaildirDelivery(mail, (uid, gid)), hostname=HOST, port=free_port(),
                      data_size_limit=80 * 1024 * 1024)
    sink.start()
    ports = {name: free_port() for name in ("imap", "imaps", "pop3", "pop3s", "submission",
                                              "submissions")}
    me_user = None if root else _user_name()
    config = folder / "dovecot.conf"
    config.write_text(_CONFIG.format(
        base=folder, host=HOST, cert=ca.cert, key=ca.key, mail=mail,
        uid=uid, gid=gid,
        internal="dovecot" if root else me_user, internal_group="dovecot" if root else me_user,
        login="dovenull" if root else me_user, port_sink=sink.port,
        **{f"port_{k}": v for k, v in ports.items()}))
    (folder / "oauth2.conf.ext").write_text(
        _OAUTH2.format(introspection_url=introspection_url) if keys_from is None
        else _OAUTH2_LOCAL.format(keys=write_validation_keys(folder, keys_from)))
    process = subprocess.Popen([binary, "-F", "-c", str(config)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Dovecot(folder, ca, mail, process=process, sink=sink, **ports)
    deadline = time.monotonic() + 20
    if not all(_wait_listening(p, deadline) for p in ports.values()):
        server.stop()
        err = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"dovecot did not start: {err.strip()} {server.log()[-2000:]}")
    return server


def _nobody() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
