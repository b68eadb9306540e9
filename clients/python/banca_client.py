"""A small client for a banca bank, through its gateway. Standard library only (Python 3.11+).

Amounts are decimal strings such as ``"10.50"`` (a ``decimal.Decimal`` or an ``int`` is accepted
too, a ``float`` never). Every mutation carries an ``Idempotency-Key`` (a fresh uuid4 unless you
give one) and is retried with that same key on network errors and retryable answers (locked
account, overload, restarts), so a retry never moves money twice.

Example::

    >>> from banca_client import BancaClient, BancaError
    >>> bank = BancaClient("http://127.0.0.1:8100", "clientA", "dev-insecure-client-a")
    >>> bank.deposit("alice", "10.50")["balance"]
    '10.50'
    >>> try:
    ...     bank.withdraw("alice", "99.00")
    ... except BancaError as error:
    ...     print(error.status, error.code)
    422 INSUFFICIENT_FUNDS
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from typing import Any

__all__ = ["BancaClient", "BancaError"]

Amount = str | Decimal | int
Json = dict[str, Any]

# Network failures worth a retry: refused or reset connections, timeouts, truncated answers.
# (urllib.error.URLError and TimeoutError are both OSErrors.)
_NETWORK_ERRORS = (OSError, http.client.HTTPException)


class BancaError(Exception):
    """A non-2xx answer from the bank, or a bank that cannot be reached (status 0, UNAVAILABLE).

    Example::

        >>> try:
        ...     bank.balance("nobody")
        ... except BancaError as error:
        ...     (error.status, error.code, error.retryable)
        (404, 'ACCOUNT_NOT_FOUND', False)
    """

    def __init__(self, status: int, code: str, message: str, *, retryable: bool = False, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.body = body

    @classmethod
    def from_response(cls, status: int, body: Any) -> BancaError:
        """Builds the error from an answer shaped ``{"error": {"code", "message", "retryable"}}``."""
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return cls(status, error["code"], str(error.get("message", "")), retryable=error.get("retryable") is True, body=body)
        code = "BAD_GATEWAY" if status >= 500 else "UNEXPECTED_ANSWER"
        return cls(status, code, f"unexpected answer with status {status}: {str(body)[:200]}", body=body)


class BancaClient:
    """A bank's client API, authenticated as one client.

    ``timeout`` is in seconds per attempt; ``retries`` is how many attempts follow the first one.
    Instances hold no connection and may be shared between threads.

    Example::

        >>> bank = BancaClient("http://127.0.0.1:8100", "clientA", "dev-insecure-client-a")
        >>> bank.transfer("alice", "bob", "2.25")["toAccountId"]
        'bob'
    """

    def __init__(self, url: str, client_id: str, key: str, timeout: float = 10, *, retries: int = 4) -> None:
        self.url = url.rstrip("/")
        self.client_id = client_id
        self.key = key
        self.timeout = timeout
        self.retries = retries

    # -- JSON API (/v1) --------------------------------------------------------------------------

    def deposit(self, account_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """Credits an account (opening it on first credit).

        >>> answer = bank.deposit("alice", "10.50")
        >>> answer["status"], answer["amount"], answer["balance"], answer["replayed"]
        ('completed', '10.50', '10.50', False)
        """
        return self._mutate("/v1/deposits", {"accountId": account_id, "amount": _amount(amount)}, idempotency_key)

    def withdraw(self, account_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """Debits an account; raises ``BancaError`` 422 ``INSUFFICIENT_FUNDS`` rather than overdrawing.

        >>> bank.withdraw("alice", "2.25")["balance"]
        '8.25'
        """
        return self._mutate("/v1/withdrawals", {"accountId": account_id, "amount": _amount(amount)}, idempotency_key)

    def transfer(self, from_id: str, to_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """Moves money between two accounts of this bank; ``balance`` in the answer is the origin's.

        >>> bank.transfer("alice", "bob", "5")["amount"]
        '5.00'
        """
        body = {"fromAccountId": from_id, "toAccountId": to_id, "amount": _amount(amount)}
        return self._mutate("/v1/transfers", body, idempotency_key)

    def balance(self, account_id: str) -> Json:
        """The committed balance; raises ``BancaError`` 404 ``ACCOUNT_NOT_FOUND`` for an unknown account.

        >>> bank.balance("alice")
        {'accountId': 'alice', 'balance': '3.25', 'balanceCents': 325}
        """
        return self._call("GET", f"/v1/accounts/{_segment(account_id)}")

    def history(self, account_id: str, limit: int = 20) -> Json:
        """The latest movements of an account, newest first.

        >>> [entry["direction"] for entry in bank.history("alice", limit=2)["entries"]]
        ['debit', 'debit']
        """
        query = urllib.parse.urlencode({"limit": limit})
        return self._call("GET", f"/v1/accounts/{_segment(account_id)}/history?{query}")

    def operation(self, idempotency_key: str) -> Json:
        """Where an operation stands, by the idempotency key it was sent with.

        >>> key = str(uuid.uuid4())
        >>> _ = bank.deposit("alice", "1", idempotency_key=key)
        >>> bank.operation(key)["status"]
        'completed'
        """
        return self._call("GET", f"/v1/operations/{_segment(idempotency_key)}")

    # -- seed routes (amounts in the path) ---------------------------------------------------------

    def seed_deposit(self, account_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """``POST /deposit/:accountId/:amount``.

        >>> bank.seed_deposit("alice", "10.50")["status"]
        'completed'
        """
        return self._mutate(f"/deposit/{_segment(account_id)}/{_segment(_amount(amount))}", None, idempotency_key)

    def seed_withdrawal(self, account_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """``POST /withdrawal/:accountId/:amount``.

        >>> bank.seed_withdrawal("alice", "0.50")["balance"]
        '10.00'
        """
        return self._mutate(f"/withdrawal/{_segment(account_id)}/{_segment(_amount(amount))}", None, idempotency_key)

    def seed_transfer(self, from_id: str, to_id: str, amount: Amount, idempotency_key: str | None = None) -> Json:
        """``POST /transfer/:originAccountId/:targetAccountId/:amount``.

        >>> bank.seed_transfer("alice", "bob", "2.50")["toAccountId"]
        'bob'
        """
        path = f"/transfer/{_segment(from_id)}/{_segment(to_id)}/{_segment(_amount(amount))}"
        return self._mutate(path, None, idempotency_key)

    def seed_balance(self, account_id: str) -> Json:
        """``GET /balance/:accountId``.

        >>> bank.seed_balance("alice")["balanceCents"]
        750
        """
        return self._call("GET", f"/balance/{_segment(account_id)}")

    # -- transport ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        authenticate: bool = True,
    ) -> tuple[int, Any]:
        """One request, no retries, never raises on an HTTP status: returns ``(status, decoded body)``.

        For checks and odd routes; network errors propagate (``OSError``, ``http.client.HTTPException``).

        >>> bank.request("GET", "/v1/accounts/alice", authenticate=False)[0]
        401
        """
        all_headers = {"Accept": "application/json", "User-Agent": "banca-python/0.1"}
        if authenticate:
            all_headers |= {"client-id": self.client_id, "auth-token": self.key}
        data = None
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        all_headers |= headers or {}
        request = urllib.request.Request(self.url + path, data=data, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, _decode(error.read())

    def _mutate(self, path: str, body: Json | None, idempotency_key: str | None) -> Json:
        key = idempotency_key or str(uuid.uuid4())
        return self._call("POST", path, body, {"Idempotency-Key": key})

    def _call(self, method: str, path: str, body: Json | None = None, headers: dict[str, str] | None = None) -> Json:
        """Sends with retries (same headers, so the same idempotency key); raises ``BancaError``."""
        for attempt in itertools.count():
            last = attempt >= self.retries
            try:
                status, payload = self.request(method, path, body, headers)
            except _NETWORK_ERRORS as error:
                if last:
                    raise BancaError(0, "UNAVAILABLE", f"cannot reach {self.url}: {error}", retryable=True) from error
            else:
                if 200 <= status < 300:
                    return payload
                failure = BancaError.from_response(status, payload)
                if last or not failure.retryable:
                    raise failure
            time.sleep(_backoff(attempt))


def _amount(value: Amount) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, Decimal, int)):
        raise TypeError(f'amounts are decimal strings like "10.50", not {type(value).__name__}')
    return value if isinstance(value, str) else format(value, "f")


def _segment(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return text


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.1 s, 0.2 s, 0.4 s, 0.8 s, at most 2 s."""
    return min(0.1 * 2**attempt, 2.0) * (0.5 + random.random())
