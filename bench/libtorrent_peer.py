#!/usr/bin/env python3
"""Seed or leech one torrent with libtorrent (Debian: python3-libtorrent), for bench/stock-clients.mjs.

Prints one JSON object per line on stdout: ready (listening), added, announced, progress,
finished, error. Reads lines on stdin: "go" adds the torrent when started with --wait-go (so a
leecher's clock starts in a running session, as groupshare's starts at download_file, not at
interpreter start-up); end of input stops the process, so it never outlives the benchmark.

Settings are tuned for a fair loopback benchmark (see docs/benchmarks.md): TCP only (uTP's
congestion control targets delay and is slow on loopback), several connections from one IP
(every peer here is 127.0.0.1), no rate limits, deep request queues, large send buffers and
disk queues, and no DHT/LSD/UPnP/NAT-PMP chatter.
"""
import argparse
import json
import sys
import threading
import time

import libtorrent as lt


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, "t": time.time(), **fields}) + "\n")
    sys.stdout.flush()


def settings(port, profile):
    mib = 1024 * 1024
    needed = {
        "listen_interfaces": f"127.0.0.1:{port}",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # Every peer is 127.0.0.1: without this libtorrent connects to one of them only.
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification
        | lt.alert.category_t.tracker_notification
        | lt.alert.category_t.storage_notification,
    }
    if profile == "minimal":  # libtorrent's defaults otherwise, to show what the tuning buys
        return needed
    return {
        **needed,
        # TCP only: uTP (LEDBAT) backs off on delay and is far slower than TCP on loopback.
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "mixed_mode_algorithm": lt.bandwidth_mixed_algo_t.prefer_tcp,
        "upload_rate_limit": 0,
        "download_rate_limit": 0,
        "rate_limit_ip_overhead": False,
        # Deep pipelines: at loopback speeds 500 outstanding 16 KiB requests drain in ~3 ms.
        "max_out_request_queue": 4000,
        "max_allowed_in_request_queue": 8000,
        "request_queue_time": 3,
        # Large send buffers so a seeder's socket never waits for its disk reads.
        "send_buffer_watermark": 32 * mib,
        "send_buffer_low_watermark": 4 * mib,
        "send_buffer_watermark_factor": 150,
        "max_peer_recv_buffer_size": 8 * mib,
        "max_queued_disk_bytes": 64 * mib,
        # pwrite() received blocks instead of writing through the mmap (libtorrent 2's "auto"
        # default): fewer page faults, and the fastest mode measured here (docs/benchmarks.md).
        "disk_write_mode": lt.mmap_write_mode_t.always_pwrite,
        # Two cores here: hash on both, and let disk I/O threads overlap.
        "hashing_threads": 2,
        "aio_threads": 4,
        "connection_speed": 200,
        "unchoke_slots_limit": -1,
        "choking_algorithm": 0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--torrent", required=True)
    ap.add_argument("--dir", required=True, help="save path (holds the complete file when seeding)")
    ap.add_argument("--mode", choices=["seed", "leech"], required=True)
    ap.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0: any)")
    ap.add_argument("--wait-go", action="store_true", help='add the torrent only after "go" on stdin')
    ap.add_argument("--profile", choices=["tuned", "minimal"], default="tuned",
                    help="tuned: the loopback settings below; minimal: only what loopback needs")
    ap.add_argument("--seed-mode", action="store_true", help="seed without the initial check (lazy per-piece checks)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=INT", help="override a libtorrent setting")
    args = ap.parse_args()

    pack = settings(args.port, args.profile)
    for item in args.set:
        name, value = item.split("=", 1)
        pack[name] = {"true": True, "false": False}.get(value.lower(), int(value) if value.lstrip("-").isdigit() else value)
    ses = lt.session(pack)

    go = threading.Event()
    stop = threading.Event()

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "go":
                go.set()
        stop.set()  # parent closed our stdin or died

    threading.Thread(target=read_stdin, daemon=True).start()

    # Wait for the listen socket, so the announced port is the real one.
    port = None
    deadline = time.time() + 10
    while port is None and time.time() < deadline and not stop.is_set():
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_succeeded_alert) and a.socket_type == lt.socket_type_t.tcp:
                port = a.port
            elif isinstance(a, lt.listen_failed_alert):
                emit("error", message=a.message())
    emit("ready", port=port or ses.listen_port(), version=lt.__version__)

    if args.wait_go:
        while not go.is_set() and not stop.is_set():
            go.wait(0.05)
    if stop.is_set():
        return

    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.dir
    params.flags &= ~lt.torrent_flags.auto_managed  # no queueing: run now
    params.flags &= ~lt.torrent_flags.paused
    # Seeders check the file fully when added (before they announce as complete, so before the
    # leecher starts). seed_mode would skip that check but hash each piece lazily on its first
    # request instead, i.e. during the timed transfer, on cores the leecher needs.
    if args.mode == "seed" and args.seed_mode:
        params.flags |= lt.torrent_flags.seed_mode
    added = time.time()
    handle = ses.add_torrent(params)
    emit("added")

    finished = False
    next_progress = time.time() + 1
    while not stop.is_set():
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.tracker_reply_alert):
                emit("announced", peers=a.num_peers)
            elif isinstance(a, lt.torrent_finished_alert) and args.mode == "leech" and not finished:
                finished = True
                s = handle.status()
                emit("finished", seconds=time.time() - added, downloaded=s.total_payload_download,
                     wasted=s.total_redundant_bytes + s.total_failed_bytes, peers=s.num_peers)
            elif isinstance(a, (lt.tracker_error_alert, lt.file_error_alert, lt.torrent_error_alert,
                                lt.hash_failed_alert, lt.peer_error_alert)):
                emit("error", kind=type(a).__name__, message=a.message())
        if args.mode == "leech" and not finished and time.time() >= next_progress:
            s = handle.status()
            emit("progress", progress=s.progress, rate=s.download_payload_rate, peers=s.num_peers)
            next_progress += 1


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
