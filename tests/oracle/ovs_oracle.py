#!/usr/bin/python3
"""Open vSwitch 3.1 userspace "dummy" datapath as a byte-exact reference oracle.

Everything (db, sockets, pidfiles, logs, pcaps) lives in a private directory;
no system-wide OVS service is used.  Usage:

    from oracle import OvsOracle
    with OvsOracle(ports={"p1": 1, "p2": 2}) as o:     # name -> ofport
        o.add_dp_flow("in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
                      "push_vlan(vid=10,pcp=0),2")
        o.inject("p1", "5054...")
        print(o.read_tx("p2"))              # list of bytes objects

Datapath port numbers: the dummy datapath gives a port whose *name* contains
a number that number as its datapath port ("p7" -> 7; "br0" -> 100), else
(no digit, or number taken) the lowest free number.  OpenFlow port numbers
come from ofport_request and are independent.  Name the ports pN to get
predictable dp ports; dumps print in_port(<dp port>) (or the name with -m /
--names; dump_flows() passes --no-names).

Rules learnt the hard way (details in README.md):
  * any revalidator dump cycle deletes or rewrites hand-added datapath flows;
    start() ends with settle(); do OpenFlow/config changes before
    add_dp_flow(), never after;
  * between key extractions use flush() (revalidator/purge + del-flows), not
    dpctl/del-flows alone (stale ukeys make the next identical upcall fail);
  * one packet per receive+sync (inject() does it); the pcap is complete
    only after sync();
  * frames < 14 bytes cannot be injected at all.

Control goes over the daemons' unixctl sockets with the same JSON-RPC that
ovs-appctl speaks, one fresh connection per command (see sync() for why);
appctl_cli() runs the real ovs-appctl binary instead.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
DP = "dummy@ovs-dummy"


class OvsError(RuntimeError):
    pass


def _hex(pkt):
    if isinstance(pkt, (bytes, bytearray)):
        return bytes(pkt).hex()
    if hasattr(pkt, "build"):                       # scapy packet
        return bytes(pkt).hex()
    return "".join(str(pkt).split())


def parse_pcap(data):
    """Hand-parse a classic pcap byte string -> list of (ts, bytes).
    An incomplete trailing record (writer mid-flush) is ignored."""
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise OvsError("not a pcap file (magic %s)" % magic.hex())
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            break                                   # partial record
        pkt = data[off + 16:off + 16 + incl]
        out.append((sec + frac / (1e9 if nsec else 1e6), pkt))
        off += 16 + incl
    return out


class OvsOracle:
    def __init__(self, ports=None, workdir=None, base=None,
                 vlan_limit=0, mtu=65535, megaflows=True, start=True,
                 vswitchd_args=()):
        # ports: dict name -> ofport (OpenFlow port number), or list of names.
        if ports is None:
            ports = {"p1": 1, "p2": 2}
        if not isinstance(ports, dict):
            ports = {n: None for n in ports}
        self.ports = dict(ports)
        self.vlan_limit = vlan_limit
        self.mtu = mtu
        self.megaflows = megaflows
        self.vswitchd_args = list(vswitchd_args)
        self._own_dir = workdir is None
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="ovsxdp-ovs-", dir=base)
        self.dir = os.path.abspath(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.env = dict(os.environ,
                        OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir,
                        OVS_LOGDIR=self.dir, OVS_SYSCONFDIR=self.dir,
                        OVS_PKGDATADIR="/usr/share/openvswitch",
                        OVS_BINDIR="/usr/bin")
        self.db_sock = os.path.join(self.dir, "db.sock")
        self.vs_ctl = os.path.join(self.dir, "ovs-vswitchd.ctl")
        self.db_ctl = os.path.join(self.dir, "ovsdb-server.ctl")
        self.pids = {}
        self._tx_seen = {}
        self.timings = {}
        if start:
            try:
                self.start()
            except BaseException:
                self.stop()             # never leave half-started daemons
                raise

    # ---------------------------------------------------------------- infra
    def _run(self, *cmd, check=True):
        p = subprocess.run(cmd, env=self.env, cwd=self.dir,
                           capture_output=True, text=True)
        if check and p.returncode:
            raise OvsError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                   p.stderr.strip()))
        return p.stdout

    def _read_pid(self, name):
        with open(os.path.join(self.dir, name + ".pid")) as f:
            return int(f.read().strip())

    def start(self):
        t0 = time.monotonic()
        d = self.dir
        db = os.path.join(d, "conf.db")
        if os.path.exists(db):
            os.unlink(db)
        self._run("ovsdb-tool", "create", db, SCHEMA)
        self._run("ovsdb-server", db, "--remote=punix:" + self.db_sock,
                  "--unixctl=" + self.db_ctl,
                  "--pidfile=" + os.path.join(d, "ovsdb-server.pid"),
                  "--log-file=" + os.path.join(d, "ovsdb-server.log"),
                  "-vconsole:off", "--detach", "--no-chdir")
        self.pids["ovsdb-server"] = self._read_pid("ovsdb-server")
        # Global config BEFORE vswitchd starts and before any flow exists.
        oc = ["other_config:max-idle=3600000",
              "other_config:max-revalidator=3600000"]
        if self.vlan_limit is not None:
            oc.append("other_config:vlan-limit=%d" % self.vlan_limit)
        self.vsctl("--no-wait", "init", "--", "set", "Open_vSwitch", ".", *oc)
        t1 = time.monotonic()
        self._run("ovs-vswitchd", "unix:" + self.db_sock,
                  "--enable-dummy", "--disable-system", "--disable-system-route",
                  "--unixctl=" + self.vs_ctl,
                  "--pidfile=" + os.path.join(d, "ovs-vswitchd.pid"),
                  "--log-file=" + os.path.join(d, "ovs-vswitchd.log"),
                  "-vconsole:off", "--detach", "--no-chdir",
                  *self.vswitchd_args)
        self.pids["ovs-vswitchd"] = self._read_pid("ovs-vswitchd")
        t2 = time.monotonic()
        # Bridge + all ports in ONE transaction; ovs-vsctl waits for
        # ovs-vswitchd to apply it (no --no-wait).
        args = ["add-br", "br0", "--", "set", "bridge", "br0",
                "datapath_type=dummy", "fail-mode=secure"]
        for name, ofport in self.ports.items():
            args += ["--", "add-port", "br0", name, "--", "set", "interface",
                     name, "type=dummy",
                     "options:tx_pcap=" + self.pcap_path(name)]
            if ofport is not None:
                args.append("ofport_request=%d" % ofport)
            if self.mtu:
                args.append("mtu_request=%d" % self.mtu)
        self.vsctl(*args)
        if not self.megaflows:
            self.disable_megaflows()
        self.sync()
        self.dp_ports = self.get_dp_ports()
        t3 = time.monotonic()
        self.settle()
        t4 = time.monotonic()
        self.timings.update(ovsdb=t1 - t0, vswitchd=t2 - t1, bridge=t3 - t2,
                            settle=t4 - t3, total=t4 - t0)
        return self

    SENTINEL_KEY = "in_port(%d),eth(),eth_type(0x88b5)"

    def settle(self, quiet=0.1, tries=50):
        """Wait until the revalidator has finished its start-up dump cycles.

        Any revalidator dump cycle deletes a hand-added datapath flow or
        rewrites its actions to what the OpenFlow tables say (here: drop).
        max-revalidator=3600000 stops the periodic cycles, but ovs-vswitchd
        still runs one or two cycles just after the bridge comes up (and one
        after every OpenFlow/port/config change).  Method: install a sentinel
        flow whose actions differ from the OpenFlow translation, and wait
        until it survives 'quiet' seconds untouched; then delete it."""
        port = min(v for k, v in self.dp_ports.items() if k in self.ports)
        key = self.SENTINEL_KEY % port
        act = "%d" % port
        for n in range(tries):
            self.timings["settle_rounds"] = n + 1
            try:
                self.add_dp_flow(key, act)
            except OvsError:
                pass                    # still there from the last round
            t_end = time.monotonic() + quiet
            while True:
                time.sleep(0.01)
                alive = [l for l in self.dump_flows(verbose=False)
                         if "eth_type(0x88b5)" in l
                         and l.endswith("actions:" + act)]
                if not alive or time.monotonic() >= t_end:
                    break
            if alive:
                self.appctl("dpctl/del-flow", DP, key)
                return True
            # the revalidator touched it: a cycle ran; clear and retry
            self.appctl("revalidator/purge")
            self.appctl("dpctl/del-flows", DP)
        raise OvsError("revalidator never settled")

    def stop(self):
        """Kill every process this instance started; wait until gone."""
        if "ovs-vswitchd" in self.pids:
            try:
                self.appctl("exit", timeout=2)
            except Exception:
                pass
        if "ovsdb-server" in self.pids:
            try:
                self.appctl("exit", target=self.db_ctl, timeout=2)
            except Exception:
                pass
        deadline = time.monotonic() + 3
        for name, pid in list(self.pids.items()):
            while self._alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if self._alive(pid):
                os.kill(pid, signal.SIGTERM)
                t = time.monotonic() + 2
                while self._alive(pid) and time.monotonic() < t:
                    time.sleep(0.02)
            if self._alive(pid):
                os.kill(pid, signal.SIGKILL)
            del self.pids[name]

    @staticmethod
    def _alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # a zombie (detached daemon whose parent never reaps it) counts as dead
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def cleanup(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # ------------------------------------------------------------- control
    def appctl(self, *args, target=None, timeout=10):
        """One unixctl JSON-RPC call on a fresh connection (what ovs-appctl
        does).  Returns the reply text; raises OvsError on an error reply."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(target or self.vs_ctl)
            req = {"method": args[0], "params": [str(a) for a in args[1:]],
                   "id": 0}
            s.sendall(json.dumps(req).encode())
            buf, dec = b"", json.JSONDecoder()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    raise OvsError("connection closed during %s" % args[0])
                buf += chunk
                try:
                    msg, _ = dec.raw_decode(buf.decode())
                    break
                except ValueError:
                    continue
        finally:
            s.close()
        if msg.get("error") is not None:
            raise OvsError("%s: %s" % (" ".join(map(str, args)),
                                       str(msg["error"]).strip()))
        return msg.get("result") or ""

    def appctl_cli(self, *args):
        """Same as appctl() but through the ovs-appctl binary."""
        return self._run("ovs-appctl", "-t", self.vs_ctl, *map(str, args))

    def vsctl(self, *args):
        return self._run("ovs-vsctl", "--db=unix:" + self.db_sock,
                         "--timeout=10", *args)

    def ofctl(self, *args):
        # ovs-ofctl finds br0.mgmt through OVS_RUNDIR
        return self._run("ovs-ofctl", *args)

    def sync(self):
        """Barrier.  ovs-vswitchd's main loop runs bridge_run() (which polls
        the dummy rx queues, does the upcall and the flow install, and sends
        on the dummy tx ports) before unixctl_server_run(), and a new unixctl
        connection is accepted only at the start of unixctl_server_run().  So
        once a later command on a fresh connection has answered, every packet
        queued by an earlier netdev-dummy/receive has gone through the
        datapath (up to 32 packets per port per loop iteration: call sync()
        once per 32 packets injected in one call)."""
        self.appctl("version")

    # ----------------------------------------------------------- datapath
    def pcap_path(self, port):
        return os.path.join(self.dir, port + "-tx.pcap")

    def get_dp_ports(self):
        """name -> datapath port number (from dpctl/show)."""
        res = {}
        for line in self.appctl("dpctl/show", DP).splitlines():
            line = line.strip()
            if line.startswith("port "):
                num, rest = line[5:].split(":", 1)
                res[rest.split()[0]] = int(num)
        return res

    def get_ofports(self):
        res = {}
        for line in self.appctl("dpif/show").splitlines():
            f = line.split()
            if len(f) >= 2 and "/" in f[1]:
                of, dp = f[1].rstrip(":").split("/")
                res[f[0]] = (int(of), int(dp))
        return res                                  # name -> (ofport, dp port)

    def add_dp_flow(self, key, actions):
        """Hand-install a datapath flow.  It lives until the next revalidator
        dump cycle, which any OpenFlow change (ovs-ofctl), port/config change
        or upcall/{en,dis}able-megaflows triggers: do those first, then
        settle(), then add datapath flows."""
        return self.appctl("dpctl/add-flow", DP, key, actions)

    def mod_dp_flow(self, key, actions):
        return self.appctl("dpctl/mod-flow", DP, key, actions)

    def del_dp_flows(self):
        """dpctl/del-flows only: ofproto's ukeys for upcall-installed flows
        survive it, and a later upcall with the same key then fails
        ("upcall_cb failure: ukey installation fails", counted as 'lost')
        and installs nothing.  Use flush() between key extractions."""
        return self.appctl("dpctl/del-flows", DP)

    def flush(self):
        """Forget every datapath flow AND every ofproto ukey:
        revalidator/purge deletes the upcall-installed flows with their
        ukeys, dpctl/del-flows removes hand-added ones."""
        self.appctl("revalidator/purge")
        self.appctl("dpctl/del-flows", DP)

    def lookup_stats(self):
        """(hit, missed, lost) from dpctl/show."""
        for line in self.appctl("dpctl/show", DP).splitlines():
            line = line.strip()
            if line.startswith("lookups:"):
                d = dict(kv.split(":") for kv in line.split()[1:])
                return int(d["hit"]), int(d["missed"]), int(d["lost"])

    def dump_flows(self, verbose=True, names=False):
        """List of flow lines (the 'flow-dump from ...' headers dropped).
        verbose=True -> '-m' (ufid, full key incl. zero/wildcard fields,
        masks, dp:ovs, dp-extra-info).  -m turns port names on, so names=False
        adds --no-names to keep in_port numeric."""
        args = ["dpctl/dump-flows"]
        if verbose:
            args.append("-m")
        args.append("--names" if names else "--no-names")
        args.append(DP)
        out = self.appctl(*args)
        return [l for l in out.splitlines()
                if l.strip() and not l.startswith("flow-dump from")]

    def disable_megaflows(self):
        return self.appctl("upcall/disable-megaflows")

    def enable_megaflows(self):
        return self.appctl("upcall/enable-megaflows")

    def inject(self, port, *pkts, sync=True, chunked=False):
        """netdev-dummy/receive PORT HEX...  (pkts: hex str, bytes or scapy).

        The dummy rx queue hands the datapath ONE packet per ovs-vswitchd
        main-loop iteration and holds at most 100 (NETDEV_DUMMY_MAX_QUEUE; the
        excess is silently dropped).  So by default every packet gets its own
        receive + sync() (see sync()).  chunked=True sends chunks of <= 50
        per receive call and polls the port's RX counter instead (dequeue and
        datapath processing happen in the same call), then sync()s."""
        hexes = [_hex(p) for p in pkts]
        if not chunked:
            for h in hexes:
                self.appctl("netdev-dummy/receive", port, h)
                if sync:
                    self.sync()
            return ""
        base = self.rx_count(port)
        done = 0
        for i in range(0, len(hexes), 50):
            chunk = hexes[i:i + 50]
            self.appctl("netdev-dummy/receive", port, *chunk)
            done += len(chunk)
            self._wait_rx(port, base + done)
        self.sync()
        return ""

    def _wait_rx(self, port, target, timeout=10):
        t = time.monotonic() + timeout
        while self.rx_count(port) < target:
            if time.monotonic() > t:
                raise OvsError("%s: rx count stuck below %d" % (port, target))

    def rx_count(self, port):
        """Packets the datapath has taken from PORT's dummy rx queue."""
        cur = None
        for line in self.appctl("dpctl/show", "-s", DP).splitlines():
            line = line.strip()
            if line.startswith("port "):
                cur = line.split(":", 1)[1].split()[0]
            elif cur == port and line.startswith("RX packets:"):
                return int(line.split()[1].split(":")[1])
        raise OvsError("no rx stats for " + port)

    def read_tx(self, port, new_only=True, with_ts=False):
        """Packets written to PORT's tx_pcap.  new_only: only those not
        returned by an earlier read_tx (the file is only ever appended to).
        netdev-dummy fflush()es after each packet, so after sync() the data
        is in the file; a partial trailing record is ignored anyway."""
        with open(self.pcap_path(port), "rb") as f:
            recs = parse_pcap(f.read())
        start = self._tx_seen.get(port, 0) if new_only else 0
        self._tx_seen[port] = len(recs)
        recs = recs[start:]
        return recs if with_ts else [p for _, p in recs]

    def clear_tx(self):
        for p in self.ports:
            self.read_tx(p)

    # ----------------------------------------------------------- helpers
    def extract_key(self, port, pkt):
        """Flush datapath flows, inject one packet, return the dump -m lines
        (with megaflows disabled: the exact key OVS extracted)."""
        self.flush()
        self.inject(port, pkt)
        return self.dump_flows(verbose=True)


# ------------------------------------------------------------------ CLI
def tx_outputs(oracle, ports):
    """{port: [hex, ...]} of what OVS sent on each dummy port since the last read."""
    out = {}
    for p in ports:
        pkts = oracle.read_tx("p%d" % p)
        if pkts:
            out[p] = [x.hex() for x in pkts]
    return out


def trace_outputs(trace_text):
    """{port: [hex, ...]} from `ovsxdp-dpctl trace` output (upcalls are not
    packets OVS's dummy ports show)."""
    out = {}
    for line in trace_text.splitlines():
        if line.startswith("output:"):
            port, hexpkt = line[7:].split(" ", 1)
            out.setdefault(int(port), []).append(hexpkt)
    return out


def _extract_keys(args):
    """One line per input packet: 'KEY <dump-flows -m line>' with the exact
    key OVS extracted (megaflows disabled), or 'NONE <why>'."""
    port = "p%d" % args.in_port
    with OvsOracle(ports={port: args.in_port}, megaflows=False) as o:
        if o.dp_ports.get(port) != args.in_port:
            raise OvsError("port %s got datapath number %s, not %d" % (port, o.dp_ports.get(port), args.in_port))
        with open(args.packets) as f:
            for line in f:
                hexpkt = line.strip()
                if not hexpkt:
                    continue
                try:
                    flows = o.extract_key(port, hexpkt)
                except OvsError as e:
                    print("NONE", " ".join(str(e).split()), flush=True)
                    continue
                if len(flows) != 1:
                    print("NONE %d flows after one packet" % len(flows), flush=True)
                else:
                    print("KEY", flows[0], flush=True)


def main(argv=None):
    import argparse
    import sys
    parser = argparse.ArgumentParser(description="Open vSwitch 3.1 dummy datapath as a reference oracle")
    sub = parser.add_subparsers(dest="command", required=True)
    keys = sub.add_parser("extract-keys", help="print the exact flow key OVS extracts for each hex packet in FILE")
    keys.add_argument("packets", metavar="FILE", help="one packet per line, as hex")
    keys.add_argument("--in-port", type=int, default=1, help="datapath port the packets arrive on")
    args = parser.parse_args(argv)
    # A test runner's SIGTERM must still stop the daemons (context managers run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.command == "extract-keys":
            _extract_keys(args)
    except OvsError as e:
        print("ovs_oracle: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
