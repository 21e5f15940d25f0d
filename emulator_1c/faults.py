"""Fault injection: the ways a real 1C publication misbehaves, reproducibly.

Faults apply to the 1C-facing endpoints only (OData, HTTP service, web service, CommerceML files), never
to the emulator's own ``/_emulator`` admin API.  A request first consumes a queued fault ("fail the next N
requests"), otherwise one seeded draw decides which random fault, if any, hits it.  With one client
issuing requests one after another the sequence of faults is therefore the same on every run.

Kinds:
  error500   HTTP 500 with 1C's internal-error body
  error503   HTTP 503 with Retry-After (a restarting server, an overloaded Apache/IIS)
  timeout    the server hangs for ``hang_seconds`` and then closes without answering
  drop       the answer starts (status, headers, part of the body) and the socket is closed mid-body
  truncate   a complete HTTP answer whose JSON/XML is cut short (malformed payload)
  bad_guid   a complete answer in which every GUID is mangled (wrong format)
  latency    (not drawn: always added) ``latency_ms`` plus up to ``jitter_ms`` before answering
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("error500", "error503", "timeout", "drop", "truncate", "bad_guid")
_ALIASES = {"500": "error500", "503": "error503", "hang": "timeout", "malformed": "truncate", "guid": "bad_guid"}
_GUID_BYTES = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def canonical_kind(kind: str) -> str:
    kind = _ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    return kind


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error500: float = 0.0
    error503: float = 0.0
    timeout: float = 0.0
    drop: float = 0.0
    truncate: float = 0.0
    bad_guid: float = 0.0
    retry_after: int = 5
    hang_seconds: float = 30.0
    seed: int = 0
    scope: str = ""  # only paths containing this text are affected ("" = every 1C endpoint)
    queue: list[str] = field(default_factory=list)  # kinds for the next requests, consumed first

    def to_dict(self) -> dict:
        return asdict(self)


def parse_spec(spec: str) -> dict:
    """`latency_ms=200,error500=0.1,next=error503:2,seed=7` -> a dict for :meth:`FaultInjector.configure`."""
    out: dict = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name == "next":
            kind, _, count = value.partition(":")
            out.setdefault("next", []).append({"kind": kind, "count": int(count or 1)})
        elif name == "scope":
            out[name] = value
        else:
            out[_ALIASES.get(name, name)] = float(value)
    return out


class FaultInjector:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.config = FaultConfig()
        self.rng = random.Random(0)
        self.stop = threading.Event()  # set on shutdown so hanging requests end at once
        self.injected: dict[str, int] = dict.fromkeys(KINDS, 0)

    def configure(self, data: dict, replace: bool = True) -> FaultConfig:
        with self.lock:
            cfg = FaultConfig() if replace else self.config
            for name, value in data.items():
                if name == "next":
                    for item in value if isinstance(value, list) else [value]:
                        cfg.queue.extend([canonical_kind(item["kind"])] * int(item.get("count", 1)))
                elif name == "queue":
                    cfg.queue = [canonical_kind(k) for k in value]
                elif name == "scope":
                    cfg.scope = str(value)
                elif name in ("retry_after", "seed"):
                    setattr(cfg, name, int(value))
                elif name in FaultConfig.__dataclass_fields__:
                    setattr(cfg, name, float(value))
                else:
                    raise ValueError(f"unknown fault setting {name!r}")
            self.config = cfg
            self.rng = random.Random(cfg.seed)
            return cfg

    def clear(self) -> None:
        """No fault any more, and the counters start again (each test reads only its own injections)."""
        self.configure({})
        with self.lock:
            self.injected = dict.fromkeys(KINDS, 0)

    def decide(self, path: str) -> tuple[float, str | None]:
        """(extra latency in seconds, fault kind or None) for one request to ``path``."""
        with self.lock:
            cfg = self.config
            if cfg.scope and cfg.scope not in path:
                return 0.0, None
            delay = cfg.latency_ms / 1000.0
            if cfg.jitter_ms:
                delay += self.rng.random() * cfg.jitter_ms / 1000.0
            if cfg.queue:
                kind = cfg.queue.pop(0)
            else:
                kind = None
                if any(getattr(cfg, k) for k in KINDS):
                    draw = self.rng.random()
                    acc = 0.0
                    for k in KINDS:
                        acc += getattr(cfg, k)
                        if draw < acc:
                            kind = k
                            break
            if kind:
                self.injected[kind] += 1
            return delay, kind

    def stats(self) -> dict:
        with self.lock:
            return {"config": self.config.to_dict(), "injected": dict(self.injected)}


def mangle_guids(data: bytes) -> bytes:
    """Make every GUID malformed the way broken middleware does: hyphens lost, one character short."""
    return _GUID_BYTES.sub(lambda m: m.group(0).replace(b"-", b"")[:31], data)


def truncate(data: bytes) -> bytes:
    cut = max(1, int(len(data) * 0.6))
    return data[:cut]
