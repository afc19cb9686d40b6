"""ybtest.py — what the Python drivers of the integration tests share: counting checks, starting the
real `yibao serve` on a free loopback port (and stopping it at exit), and an interface client that
builds the national envelope.

    from ybtest import Checks, Server, Client
"""
import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

ENDPOINT = "/fsi/api/rsfComIfsService/callService"


class Checks:
    """Counts passed and failed checks; a failure is printed to stderr at once."""

    def __init__(self):
        self.passed = self.failed = 0

    def ok(self):
        self.passed += 1

    def bad(self, msg):
        self.failed += 1
        print("FAIL: " + msg, file=sys.stderr)

    def check(self, name, cond, detail=""):
        if cond:
            self.ok()
        else:
            self.bad("%s %s" % (name, detail))

    def summary(self):
        return "%d passed, %d failed" % (self.passed, self.failed)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


_SERVERS = []
atexit.register(lambda: [p.kill() for p in _SERVERS if p.poll() is None])


class Server:
    """`yibao serve` on a free loopback port, waited for on /healthz. The key file is the one beside
    the database ($YIBAO_KEY_FILE is not passed on); the log is appended to `log`."""

    def __init__(self, yibao, db, log, threads=4, rules=None):
        self.db = db
        self.port = free_port()
        env = dict(os.environ)
        env.pop("YIBAO_KEY_FILE", None)
        self.log = open(log, "ab")
        cmd = [yibao, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", db, "--threads", str(threads)]
        if rules:
            cmd += ["--rules", rules]
        self.p = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        _SERVERS.append(self.p)
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().read() == b"ok\n":
                    return
            except OSError:
                pass
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def stop(self):
        """SIGTERM; the exit status."""
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=30)


class Client:
    """One keep-alive connection speaking the interface envelope for institution `fix`. msgids are
    fix + tag + a counter (or infno + counter with tag None); sign_no comes from signin (9001)."""

    def __init__(self, port, fix, tag=None, fix_name="示例", inf_time="2025-06-01 09:00:00", opter="1001"):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.fix, self.tag, self.fix_name, self.inf_time, self.opter = fix, tag, fix_name, inf_time, opter
        self.n = 0
        self.sign = ""

    def body(self, infno, inp, msgid=None):
        """(msgid, bytes of the request)."""
        self.n += 1
        msgid = msgid or "%s%s%010d" % (self.fix, self.tag if self.tag is not None else infno, self.n)
        env = {"infno": infno, "msgid": msgid, "mdtrtarea_admvs": "360100", "insuplc_admdvs": "360100",
               "recer_sys_code": "YBXT", "infver": "V1.0", "opter_type": "1", "opter": self.opter,
               "opter_name": "测试", "inf_time": self.inf_time, "fixmedins_code": self.fix,
               "fixmedins_name": self.fix_name, "sign_no": self.sign, "input": inp}
        return msgid, json.dumps(env, ensure_ascii=False).encode()

    def send(self, body):
        self.c.request("POST", ENDPOINT, body, {"Content-Type": "application/json"})
        return json.loads(self.c.getresponse().read())

    def call(self, infno, inp):
        return self.send(self.body(infno, inp)[1])

    def signin(self):
        r = self.call("9001", {"signIn": {"opter_no": self.opter, "mac": "", "ip": "127.0.0.1"}})
        self.sign = r["output"]["signinoutb"]["sign_no"]
        return self
