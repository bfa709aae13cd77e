"""The scale-out proof (README: "Running several replicas"): two release servers on one
PostgreSQL database behind haproxy, with the SMTP sink, checked through the proxy and directly.
Run by scripts/scale-test.sh, which builds nothing: it needs target/release/roster.

Prints each check and ends with "N passed, M failed"; exits non-zero if any failed.
"""
import concurrent.futures
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("ROSTER_BINARY", os.path.join(ROOT, "target/release/roster"))
PG_ADMIN = os.environ.get("ROSTER_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery staple"
INVITEE_PASSWORD = "a perfectly fine password"
LEASE_SECS = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Database:
    def __init__(self):
        self.name = f"roster_scale_{int(time.time())}_{secrets.token_hex(4)}"
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"
        self.psql(PG_ADMIN, f'CREATE DATABASE "{self.name}"')

    @staticmethod
    def psql(url, sql):
        out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def value(self, sql):
        return self.psql(self.url, sql)

    def count(self, sql):
        return int(self.value(sql))

    def drop(self):
        self.psql(PG_ADMIN, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Sink:
    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        python = os.path.join(ROOT, ".tools/python/bin/python")
        self.process = subprocess.Popen([python, os.path.join(ROOT, "scripts/mail_sink.py"), str(self.port), folder],
                                        stdout=subprocess.DEVNULL)
        wait_for(lambda: listening(self.port), 30, "the mail sink")

    def slow(self, ms):
        with open(os.path.join(self.folder, ".delay_ms"), "w") as f:
            f.write(str(ms))

    def messages(self):
        found = []
        for path in sorted(glob.glob(os.path.join(self.folder, "*.json"))):
            with open(path) as f:
                found.append(json.load(f))
        return found

    def to(self, suffix):
        return [m for m in self.messages() if m["to"].endswith(suffix)]

    def stop(self):
        self.process.terminate()
        self.process.wait()


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Server:
    """One `roster serve` process."""

    def __init__(self, name, env, workdir):
        self.name = name
        self.port = free_port()
        self.env = dict(env, LEPTOS_SITE_ADDR=f"127.0.0.1:{self.port}",
                        ROSTER_DATA_DIR=os.path.join(workdir, name))
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([BINARY, "serve"], env=self.env, cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def signal(self, sig):
        self.process.send_signal(sig)

    def wait_exit(self, seconds):
        return self.process.wait(timeout=seconds)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Client:
    """Calls server functions as the hydrated page does (same-origin form posts)."""

    def __init__(self, port, public_url):
        self.base = f"http://127.0.0.1:{port}"
        self.public_url = public_url
        self.host = urllib.parse.urlparse(public_url).netloc

    def call(self, endpoint, form, session=None):
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(f"{self.base}/api/{endpoint}", data=data, method="POST")
        request.add_header("Host", self.host)
        request.add_header("Origin", self.public_url)
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Accept", "application/json")
        if session:
            request.add_header("Cookie", f"roster_session={session}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def get(self, path):
        request = urllib.request.Request(f"{self.base}{path}")
        request.add_header("Host", self.host)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers


def session_of(headers):
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        if name.strip() == "roster_session":
            value = rest.split(";", 1)[0]
            return value or None
    return None


def sign_in(client, email, password=PASSWORD):
    status, body, headers = client.call("auth/login", {"email": email, "password": password})
    assert status == 200, f"sign-in of {email}: {status} {body}"
    session = session_of(headers)
    assert session, f"no session cookie for {email}: {body}"
    return session


def invite_link(client, admin, email, role="analyst", delivery=None):
    form = {"email": email, "role": role, "lifetime": "24h", "first_name": "Guest"}
    if delivery:
        form["delivery"] = delivery
    status, body, _ = client.call("invites/create", form, admin)
    assert status == 200, f"invite {email}: {status} {body}"
    return json.loads(body)


def signup_form(token):
    return {"token": token, "first_name": "Bob", "last_name": "Builder",
            "password": INVITEE_PASSWORD, "password_confirm": INVITEE_PASSWORD}


def parallel(*calls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


class Cluster:
    def __init__(self, workdir):
        self.workdir = workdir
        self.db = Database()
        self.sink = Sink(os.path.join(workdir, "mail"))
        self.proxy_port = free_port()
        self.public_url = f"http://127.0.0.1:{self.proxy_port}"
        self.key = secrets.token_hex(32)
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("ROSTER_") or name in ("DATABASE_URL", "LEPTOS_SITE_ADDR"):
                del env[name]
        env.update(DATABASE_URL=self.db.url, ROSTER_SECRET_KEY=self.key, ROSTER_PUBLIC_URL=self.public_url,
                   ROSTER_TRUSTED_PROXIES="127.0.0.1/32", ROSTER_OUTBOX_LEASE_SECS=str(LEASE_SECS),
                   ROSTER_DB_MAX_CONNECTIONS="10", ROSTER_LOG="info", LEPTOS_SITE_ROOT="target/site")
        self.env = env
        self.a = Server("a", env, workdir)
        self.b = Server("b", env, workdir)
        self.proxy = None

    def start_proxy(self):
        config = os.path.join(self.workdir, "haproxy.cfg")
        with open(config, "w") as f:
            f.write(f"""global
    maxconn 256
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend roster
    bind 127.0.0.1:{self.proxy_port}
    option forwardfor
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check send hdr Host 127.0.0.1
    http-response set-header X-Replica %s
    server a 127.0.0.1:{self.a.port} check inter 1s fall 2 rise 1
    server b 127.0.0.1:{self.b.port} check inter 1s fall 2 rise 1
""")
        self.proxy = subprocess.Popen(["haproxy", "-f", config, "-db"], stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(self.workdir, "haproxy.log"), "ab"))
        wait_for(lambda: listening(self.proxy_port), 20, "haproxy")

    def client(self, server=None):
        port = server.port if server else self.proxy_port
        return Client(port, self.public_url)

    def stop(self):
        for server in (self.a, self.b):
            server.stop()
        if self.proxy:
            self.proxy.kill()
            self.proxy.wait()
        self.sink.stop()
        self.db.drop()


def main():
    if not os.path.exists(BINARY):
        print(f"{BINARY} is missing: build it first (scripts/build-release.sh)", file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="roster_scale_")
    cluster = Cluster(workdir)
    results = []
    state = {}

    def check(title, body):
        started = time.time()
        try:
            body()
            results.append(True)
            print(f"PASS  {title} ({time.time() - started:.1f} s)", flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, the run goes on
            results.append(False)
            print(f"FAIL  {title}: {error}", flush=True)
            traceback.print_exc(limit=3)

    a, b = cluster.a, cluster.b
    A, B = cluster.client(a), cluster.client(b)
    proxy = cluster.client()

    def both_start():
        a.start()
        b.start()
        wait_for(lambda: a.ready() and b.ready(), 90, "both servers to be ready")
        cluster.start_proxy()
        files = len(glob.glob(os.path.join(ROOT, "migrations/postgres/*.sql")))
        applied = cluster.db.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        assert applied == files, f"{applied} migrations recorded, {files} known"
        # Round robin through the proxy reaches both.
        wait_for(lambda: proxy_reaches_both(), 20, "the proxy to send requests to both servers")

    def proxy_reaches_both():
        seen = {proxy.get("/readyz")[2].get("X-Replica") for _ in range(4)}
        return seen == {"a", "b"}

    def one_first_admin():
        form = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "password": PASSWORD,
                "password_confirm": PASSWORD, "console_url": cluster.public_url}
        answers = parallel(lambda: A.call("auth/setup", form), lambda: B.call("auth/setup", form))
        ok = [status for status, _, _ in answers if status == 200]
        assert len(ok) == 1, f"setup answers: {[(s, body[:120]) for s, body, _ in answers]}"
        admins = cluster.db.count("SELECT COUNT(*) FROM users WHERE role = 'global_admin'")
        assert admins == 1, f"{admins} Global Administrators"

    def sessions_are_shared():
        session = sign_in(proxy, "ada@example.com")
        state["admin"] = session
        status, body, _ = B.call("users/list", {"tab": "active"}, session)
        assert status == 200, f"B refused A's session: {status} {body[:200]}"
        other = sign_in(A, "ada@example.com")
        status, _, _ = B.call("auth/logout", {}, other)
        assert status == 200, f"sign-out on B: {status}"
        status, _, _ = A.call("users/list", {"tab": "active"}, other)
        assert status == 401, f"A still accepts a session signed out on B: {status}"

    def one_account_per_link():
        url = invite_link(A, state["admin"], "grace@example.com")["url"]
        token = url.rsplit("/", 1)[1]
        answers = parallel(lambda: A.call("invites/signup", signup_form(token)),
                           lambda: B.call("invites/signup", signup_form(token)))
        ok = [status for status, _, _ in answers if status == 200]
        assert len(ok) == 1, f"signup answers: {[(s, body[:120]) for s, body, _ in answers]}"
        assert cluster.db.count("SELECT COUNT(*) FROM users WHERE email = 'grace@example.com'") == 1

    def disabled_sessions_end_everywhere():
        session = sign_in(B, "grace@example.com", INVITEE_PASSWORD)
        status, _, _ = B.call("sessions/mine", {}, session)
        assert status == 200, f"grace's own profile: {status}"
        grace = cluster.db.value("SELECT id FROM users WHERE email = 'grace@example.com'")
        status, body, _ = A.call("users/disable", {"user_id": grace}, state["admin"])
        assert status == 200, f"disable on A: {status} {body}"
        status, _, _ = B.call("sessions/mine", {}, session)
        assert status == 401, f"B still serves a disabled user's session: {status}"

    def never_zero_global_admins():
        url = invite_link(A, state["admin"], "linus@example.com", role="global_admin")["url"]
        status, _, _ = A.call("invites/signup", signup_form(url.rsplit("/", 1)[1]))
        assert status == 200
        ada = cluster.db.value("SELECT id FROM users WHERE email = 'ada@example.com'")
        linus = cluster.db.value("SELECT id FROM users WHERE email = 'linus@example.com'")
        active_ga = "SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active'"
        for round_no in range(20):
            ada_session = sign_in(A, "ada@example.com")
            linus_session = sign_in(B, "linus@example.com", INVITEE_PASSWORD)
            parallel(lambda: A.call("users/disable", {"user_id": linus}, ada_session),
                     lambda: B.call("users/disable", {"user_id": ada}, linus_session))
            active = cluster.db.count(active_ga)
            assert active >= 1, f"round {round_no}: no active Global Administrator left"
            # Whoever is still active brings the other back for the next round.
            if cluster.db.value(f"SELECT status FROM users WHERE id = {ada}") == "active":
                A.call("users/enable", {"user_id": linus}, ada_session)
            else:
                B.call("users/enable", {"user_id": ada}, linus_session)
            assert cluster.db.count(active_ga) == 2, f"round {round_no}: could not re-enable"
        state["admin"] = sign_in(A, "ada@example.com")

    def limit_reached_once():
        victim = "dennis@example.com"
        url = invite_link(A, state["admin"], victim)["url"]
        A.call("invites/signup", signup_form(url.rsplit("/", 1)[1]))
        for attempt in range(14):
            server = A if attempt % 2 == 0 else B
            status, _, _ = server.call("auth/login", {"email": victim, "password": f"wrong guess {attempt}"})
            assert status == 422, f"attempt {attempt}: {status}"
        history = "SELECT COUNT(*) FROM sign_in_history h JOIN users u ON u.id = h.user_id " \
                  "WHERE u.email = 'dennis@example.com' AND h.outcome = '{}'"
        wrong = cluster.db.count(history.format("wrong_password"))
        locked = cluster.db.count(history.format("rate_limited"))
        # Counted across both servers: ten wrong passwords were checked, then one refusal logged.
        assert (wrong, locked) == (10, 1), f"{wrong} wrong passwords checked, the limit reached {locked} times"
        status, _, _ = B.call("auth/login", {"email": victim, "password": INVITEE_PASSWORD})
        assert status == 422, "the right password is refused while locked, on either server"

    def save_mail_config():
        form = {"kind": "smtp", "host": "127.0.0.1", "port": str(cluster.sink.port), "security": "none",
                "sender_address": "roster@example.com", "sender_name": "Roster", "current_password": PASSWORD}
        status, body, _ = A.call("mail/save", form, state["admin"])
        assert status == 200, f"mail/save: {status} {body}"

    def queue_invitations(servers, count, domain):
        def invite(i):
            server = servers[i % len(servers)]
            return invite_link(server, state["admin"], f"guest{i}@{domain}", delivery="email")
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(invite, range(count)))

    def each_email_once():
        save_mail_config()
        queue_invitations([A, B], 200, "wave1.example.com")
        wait_for(lambda: len(cluster.sink.to("@wave1.example.com")) >= 200, 120, "200 invitations at the sink")
        time.sleep(3)
        received = cluster.sink.to("@wave1.example.com")
        recipients = {m["to"] for m in received}
        assert len(received) == 200 and len(recipients) == 200, \
            f"{len(received)} emails to {len(recipients)} recipients"

    def kill_and_term():
        cluster.sink.slow(150)
        # kill -9 in the middle of a batch: the lease brings A's claims back to B.
        queue_invitations([A], 120, "wave2.example.com")
        wait_for(lambda: len(cluster.sink.to("@wave2.example.com")) >= 10, 60, "the batch to start")
        in_flight = cluster.db.count("SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND claim_token IS NOT NULL")
        a.signal(signal.SIGKILL)
        a.wait_exit(10)
        wait_for(lambda: len({m["to"] for m in cluster.sink.to("@wave2.example.com")}) >= 120, 180,
                 "every email after kill -9")
        time.sleep(2)
        received = cluster.sink.to("@wave2.example.com")
        duplicates = len(received) - 120
        ids = {}
        for message in received:
            ids.setdefault(message["to"], set()).add(message["message_id"])
        assert all(len(v) == 1 for v in ids.values()), "a duplicate carries another Message-ID"
        assert duplicates <= in_flight, f"{duplicates} duplicates, {in_flight} claims in flight"
        print(f"      kill -9: {duplicates} duplicate(s), {in_flight} claim(s) in flight", flush=True)
        # SIGTERM: A finishes what it claimed and gives nothing back twice.
        a.start()
        wait_for(a.ready, 60, "A to start again")
        queue_invitations([A], 120, "wave3.example.com")
        wait_for(lambda: len(cluster.sink.to("@wave3.example.com")) >= 10, 60, "the batch to start")
        a.signal(signal.SIGTERM)
        code = a.wait_exit(30)
        assert code == 0, f"A exited with {code} after SIGTERM"
        wait_for(lambda: len({m["to"] for m in cluster.sink.to("@wave3.example.com")}) >= 120, 180,
                 "every email after SIGTERM")
        time.sleep(LEASE_SECS + 2)
        received = cluster.sink.to("@wave3.example.com")
        assert len(received) == 120, f"{len(received) - 120} duplicates after SIGTERM"
        cluster.sink.slow(0)

    def another_key_refused():
        env = dict(cluster.env, ROSTER_SECRET_KEY=secrets.token_hex(32))
        other = Server("c", env, cluster.workdir)
        other.start()
        code = other.wait_exit(60)
        with open(other.log_path, errors="replace") as f:
            log = f.read()
        assert code != 0, "a server with another key started"
        assert "ROSTER_SECRET_KEY" in log, f"it did not say why: {log[-400:]}"

    try:
        check("1. both servers start at once on an empty database: migrations applied once, both ready", both_start)
        check("2. setup posted to both at once: exactly one first admin", one_first_admin)
        check("3. sign in through the proxy, act through B; sign out on B and A refuses the cookie",
              sessions_are_shared)
        check("4. one signup link submitted to A and B at once: one account", one_account_per_link)
        check("5. a user disabled on A is bounced by B at their next request", disabled_sessions_end_everywhere)
        check("6. two Global Administrators disable each other through A and B, 20 rounds: never zero",
              never_zero_global_admins)
        check("7. sign-in failures alternating between A and B reach the limit exactly once", limit_reached_once)
        check("8. 200 invitation emails queued across A and B: 200 arrive, each once", each_email_once)
        check("9. kill -9 of A mid-batch: every email arrives, duplicates bounded and recognisable; "
              "SIGTERM: none", kill_and_term)
        check("10. a server with another secret key refuses to start and says why", another_key_refused)
    finally:
        cluster.stop()
        if all(results):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) and len(results) == 10 else 1


if __name__ == "__main__":
    sys.exit(main())
