"""A Spark standalone cluster on loopback — one master, two workers, a Spark Connect server — for the
Spark tests and benchmarks, and for anyone who wants to try Bridge on Spark (docs/scaling.md).

Plain functions (no pytest), like :mod:`tests.servers`. Everything binds to 127.0.0.1 on free ports;
logs, the workers' scratch space and the tables' files live in one work folder; the processes are
stopped by PID. Spark's jars come from the ``pyspark`` package (``bridge[spark]``) and need Java 17+.

Run by hand (stays up until Ctrl-C)::

    .venv/bin/python -m tests.spark_cluster --work /tmp/bridge-spark
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
WORKERS = 2
#: Each worker: one core and this much memory for executors; the Connect server (the driver) gets
#: DRIVER_MEMORY. About 2.4 GB of memory in all, once warm.
WORKER_MEMORY = "2g"
DRIVER_MEMORY = "1g"
READY_SECONDS = 180


class ClusterUnavailable(RuntimeError):
    """Spark cannot run here (no Java, no pyspark): the message says what is missing."""


def spark_home() -> Path:
    """The installed ``pyspark`` package, which carries Spark's ``bin/`` and ``jars/``."""
    try:
        import pyspark
    except ImportError:
        raise ClusterUnavailable(
            "pyspark is not installed (install the optional group: uv sync --extra spark)"
        ) from None
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-class").exists() or not (home / "jars").is_dir():
        raise ClusterUnavailable(
            f"{home} holds no Spark jars (pyspark-client has none; install pyspark itself)"
        )
    return home


def java_version() -> int:
    """Java's major version, or :class:`ClusterUnavailable` saying Java is missing or too old."""
    java = shutil.which("java", path=_java_path())
    if java is None:
        raise ClusterUnavailable(
            "Java is not installed (Spark 4 needs Java 17 or newer; on Debian: "
            "apt-get install openjdk-17-jre-headless)"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    first = out.splitlines()[0] if out else ""
    try:
        version = first.split('"')[1]
        major = int(version.split(".")[0])
    except (IndexError, ValueError):
        raise ClusterUnavailable(f"cannot read Java's version from {first!r}") from None
    if major < 17:
        raise ClusterUnavailable(f"Java {version} is too old: Spark 4 needs Java 17 or newer")
    return major


def _java_path() -> str:
    home = os.environ.get("JAVA_HOME")
    path = os.environ.get("PATH", "")
    return f"{home}/bin:{path}" if home else path


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Cluster:
    """A running cluster: its Spark Connect URL, and where to look at it."""

    work: Path
    connect_port: int
    master_ui: int
    worker_uis: list[int]
    driver_ui: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"sc://{HOST}:{self.connect_port}"

    @property
    def warehouse(self) -> Path:
        return self.work / "warehouse"

    def tasks_per_worker(self) -> list[int]:
        """Tasks finished on each worker: the executors each worker says it runs for the
        Connect server's application, and the tasks the driver's monitoring counts for them."""
        base = f"http://{HOST}:{self.driver_ui}/api/v1/applications"
        (app,) = _json(base)
        done = {
            str(e["id"]): int(e["completedTasks"])
            for e in _json(f"{base}/{app['id']}/allexecutors")
        }
        per_worker = []
        for port in self.worker_uis:
            runs = _json(f"http://{HOST}:{port}/json/")["executors"]
            ids = [str(e["id"]) for e in runs if e["appid"] == app["id"]]
            per_worker.append(sum(done.get(i, 0) for i in ids))
        return per_worker

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _die_with_parent() -> None:
    """In the child, before Spark starts: SIGTERM when the process that started it dies, however
    it dies (a killed test run, Ctrl-C), so no cluster outlives its owner (Linux's
    PR_SET_PDEATHSIG; elsewhere the cluster is stopped by :meth:`Cluster.stop` only)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the Spark {what} exited ({process.returncode}):\n{tail}")
        with contextlib.suppress(OSError):
            socket.create_connection((HOST, port), timeout=1).close()
            return
        time.sleep(0.3)
    raise RuntimeError(
        f"the Spark {what} did not open port {port} in {READY_SECONDS} s (see {log})"
    )


def start(work: Path, driver_memory: str = DRIVER_MEMORY) -> Cluster:
    """Start master, two workers and the Spark Connect server on loopback; return once the
    Connect server listens and both workers have registered with the master."""
    home = spark_home()
    java_version()
    work.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PATH": _java_path(),
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_DIRS": str(work / "local"),
        "SPARK_LOG_DIR": str(work / "logs"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    master_port = free_port()
    cluster = Cluster(
        work=work,
        connect_port=free_port(),
        master_ui=free_port(),
        worker_uis=[free_port() for _ in range(WORKERS)],
        driver_ui=free_port(),
    )
    master = f"spark://{HOST}:{master_port}"
    spark_class = str(home / "bin" / "spark-class")

    def launch(name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = work / "logs" / f"{name}.log"
        process = subprocess.Popen(
            command,
            env=env,
            cwd=work,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        cluster.processes.append(process)
        return process

    try:
        process = launch(
            "master",
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", HOST,
             "--port", str(master_port), "--webui-port", str(cluster.master_ui)],
        )  # fmt: skip
        _wait_for_port(master_port, process, work / "logs" / "master.log", "master")
        for i, ui in enumerate(cluster.worker_uis):
            launch(
                f"worker-{i + 1}",
                [spark_class, "org.apache.spark.deploy.worker.Worker", master, "--host", HOST,
                 "--cores", "1", "--memory", WORKER_MEMORY, "--webui-port", str(ui),
                 "--work-dir", str(work / f"worker-{i + 1}")],
            )  # fmt: skip
        connect = launch(
            "connect",
            [str(home / "bin" / "spark-submit"),
             "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
             "--name", "Bridge Spark Connect", "--master", master,
             "--driver-memory", driver_memory,
             "--conf", f"spark.connect.grpc.binding.address={HOST}",
             "--conf", f"spark.connect.grpc.binding.port={cluster.connect_port}",
             "--conf", f"spark.driver.host={HOST}",
             "--conf", f"spark.driver.bindAddress={HOST}",
             "--conf", f"spark.ui.port={cluster.driver_ui}",
             "--conf", "spark.ui.showConsoleProgress=false",
             "--conf", "spark.sql.catalogImplementation=in-memory",
             "--conf", f"spark.sql.warehouse.dir={cluster.warehouse}",
             "--conf", "spark.sql.session.timeZone=UTC",
             "--conf", "spark.executor.memory=1g",
             "--conf", "spark.sql.shuffle.partitions=4",
             "spark-internal"],
        )  # fmt: skip
        _wait_for_port(
            cluster.connect_port, connect, work / "logs" / "connect.log", "Connect server"
        )
        _wait_for_workers(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_workers(cluster: Cluster) -> None:
    deadline = time.monotonic() + READY_SECONDS
    alive = 0
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            workers = _json(f"http://{HOST}:{cluster.master_ui}/json/")["workers"]
            alive = sum(1 for w in workers if w.get("state") == "ALIVE")
            if alive >= WORKERS:
                return
        time.sleep(0.5)
    raise RuntimeError(f"only {alive} of {WORKERS} Spark workers registered in {READY_SECONDS} s")


@contextlib.contextmanager
def running(work: Path, driver_memory: str = DRIVER_MEMORY) -> Iterator[Cluster]:
    cluster = start(work, driver_memory)
    try:
        yield cluster
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for logs and tables")
    args = parser.parse_args()
    # `kill PID` stops the cluster too (Python's default for SIGTERM skips the cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    with running(args.work.resolve()) as cluster:
        print(f"Spark Connect at {cluster.url} (ready in {time.monotonic() - started:.0f} s)")
        print(f"master UI http://{HOST}:{cluster.master_ui}/ - Ctrl-C stops the cluster")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
