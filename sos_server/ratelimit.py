"""Rate limit on citizen intake: one token bucket per intake token and one per client address.

A request that creates a case takes one unit from the bucket of its token and one from the bucket of its
client address. When either bucket contains less than one unit, the request is rejected and takes nothing,
so a rejected flood does not push the wait further out.

NOTE: the buckets live in the memory of one process. A deployment with several server processes or hosts needs
a shared store (Redis, the database) for them, or each process grants the full rate on its own.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

logger = logging.getLogger("sos_server")

SECONDS_PER_MINUTE = 60.0
# A limited bucket is logged at most once per this many seconds, and each warning counts the rejections since.
WARNING_INTERVAL_S = 60.0
# How often buckets that are full again (so equal to a new bucket) are dropped to bound memory.
PRUNE_INTERVAL_S = 60.0
# IPv6 clients usually hold a whole /64, so one bucket covers the /64 rather than each of its addresses.
IPV6_PREFIX_LENGTH = 64


@dataclass(frozen=True)
class RateLimit:
    """A token bucket setting: ``per_minute`` units refill each minute, up to ``burst`` units at once."""

    per_minute: float
    burst: int

    def __post_init__(self) -> None:
        if not (self.per_minute > 0 and math.isfinite(self.per_minute)):
            raise ValueError(f"per_minute must be a positive number; got {self.per_minute!r}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1; got {self.burst!r}")

    @property
    def per_second(self) -> float:
        return self.per_minute / SECONDS_PER_MINUTE


DEFAULT_TOKEN_LIMIT = RateLimit(per_minute=30.0, burst=10)
DEFAULT_ADDRESS_LIMIT = RateLimit(per_minute=60.0, burst=20)


class TokenBucket:
    """Units available to one client: full at creation, refilled continuously, never above ``limit.burst``.

    ``label`` names the client in the log: the token's name or the client address.
    """

    def __init__(self, limit: RateLimit, now: float, label: str) -> None:
        self.limit = limit
        self.label = label
        self.level = float(limit.burst)
        self.updated_at = now
        self.warned_at: Optional[float] = None
        self.limited_since_warning = 0

    def refill(self, now: float) -> None:
        """Add the units earned since the last refill. A clock that went back adds none."""
        elapsed = max(0.0, now - self.updated_at)
        self.level = min(float(self.limit.burst), self.level + elapsed * self.limit.per_second)
        self.updated_at = now

    def seconds_until_available(self) -> float:
        """Return the seconds until the bucket contains one unit, or 0.0 when it contains one now."""
        return max(0.0, (1.0 - self.level) / self.limit.per_second)

    def is_full(self) -> bool:
        return self.level >= self.limit.burst


@dataclass(frozen=True)
class IntakeDecision:
    """The outcome for one request: ``retry_after_s`` is 0 when allowed, else whole seconds, at least 1."""

    allowed: bool
    retry_after_s: int


class IntakeRateLimiter:
    """Token buckets per intake token and per client address, safe to call from several threads.

    ``per_token`` or ``per_address`` set to None turns that limit off. ``clock`` returns seconds from any
    fixed origin (``time.monotonic`` by default), and tests pass a fake one.
    """

    def __init__(
        self,
        per_token: Optional[RateLimit] = DEFAULT_TOKEN_LIMIT,
        per_address: Optional[RateLimit] = DEFAULT_ADDRESS_LIMIT,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_token = per_token
        self.per_address = per_address
        self.clock = clock
        self._lock = threading.Lock()
        self._token_buckets: dict[str, TokenBucket] = {}
        self._address_buckets: dict[str, TokenBucket] = {}
        self._pruned_at = clock()

    def acquire(self, token_key: str, token_name: str, address: Optional[str]) -> IntakeDecision:
        """Take one unit from the buckets of ``token_key`` and of ``address``, or none when either is empty.

        ``token_key`` identifies the token (its sha256 hash, never the token itself) and ``token_name`` is
        its name for the log. ``address`` is the client's IP address or None when unknown. Loopback and
        unknown addresses get only the per-token limit (see ``address_bucket_key``).
        """
        address_key = address_bucket_key(address)
        with self._lock:
            now = self.clock()
            if now - self._pruned_at >= PRUNE_INTERVAL_S:
                self._prune(now)
            buckets: list[tuple[str, TokenBucket]] = []
            if self.per_token is not None:
                bucket = self._bucket(self._token_buckets, token_key, self.per_token, now, token_name)
                buckets.append(("token", bucket))
            if self.per_address is not None and address_key is not None:
                bucket = self._bucket(self._address_buckets, address_key, self.per_address, now, address_key)
                buckets.append(("address", bucket))

            wait_s = max((bucket.seconds_until_available() for _, bucket in buckets), default=0.0)
            if wait_s == 0.0:
                for _, bucket in buckets:
                    bucket.level -= 1.0
                return IntakeDecision(allowed=True, retry_after_s=0)

            for kind, bucket in buckets:
                if bucket.seconds_until_available() > 0.0:
                    self._warn(kind, bucket, token_name, address, now)
            # Rounded up, so a client that waits exactly this long finds a unit.
            return IntakeDecision(allowed=False, retry_after_s=max(1, math.ceil(wait_s)))

    @staticmethod
    def _bucket(
        buckets: dict[str, TokenBucket], key: str, limit: RateLimit, now: float, label: str
    ) -> TokenBucket:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = TokenBucket(limit, now, label)
        else:
            bucket.refill(now)
            bucket.label = label  # a token renamed in the database shows its new name
        return bucket

    @staticmethod
    def _warn(kind: str, bucket: TokenBucket, token_name: str, address: Optional[str], now: float) -> None:
        bucket.limited_since_warning += 1
        if bucket.warned_at is not None and now - bucket.warned_at < WARNING_INTERVAL_S:
            return
        # %r escapes control characters, so a token name or a forwarded address cannot split the log line.
        logger.warning(
            "intake rate limit per %s reached by token %r from address %r: rejected this request and %d "
            "earlier one(s) that were not logged",
            kind,
            token_name,
            address or "unknown",
            bucket.limited_since_warning - 1,
        )
        bucket.warned_at = now
        bucket.limited_since_warning = 0

    def _prune(self, now: float) -> None:
        for kind, buckets in (("token", self._token_buckets), ("address", self._address_buckets)):
            for key, bucket in list(buckets.items()):
                bucket.refill(now)
                if not bucket.is_full():
                    continue
                if bucket.limited_since_warning:
                    # Reports the rejections counted after the last warning, which no later warning will.
                    logger.warning(
                        "intake rate limit per %s: rejected %d more request(s) of %r that were not logged",
                        kind,
                        bucket.limited_since_warning,
                        bucket.label,
                    )
                del buckets[key]
        self._pruned_at = now


def address_bucket_key(address: Optional[str]) -> Optional[str]:
    """Return the bucket key of a client address, or None when the address gets no per-address limit.

    An IPv6 address maps to its /64 network and an IPv4-mapped IPv6 address to its IPv4 address. Loopback
    and unknown addresses get None: a reverse proxy on the same host that does not forward the client's
    address would otherwise put every citizen in one bucket. A value that is no IP address (a host name that
    a trusted proxy forwarded) is used as it is.
    """
    if not address:
        return None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX_LENGTH), strict=False))
    return str(ip)
