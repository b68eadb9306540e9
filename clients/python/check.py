#!/usr/bin/env python3
"""Checks a running banca bank (batch mode) end to end with the Python client.

Prints ``PASS name`` or ``FAIL name: reason`` per check, then ``N passed, N failed``; exits 1 if
any check failed. Every run works on fresh accounts named ``py-<8 hex>-*``.

Example::

    python3 clients/python/check.py --url http://127.0.0.1:8100
    BANCA_URL=http://127.0.0.1:8100 BANCA_CLIENT_KEY=... python3 clients/python/check.py
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from banca_client import BancaClient, BancaError


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says which."""


def expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


@contextmanager
def expect_error(status: int, code: str, what: str) -> Iterator[None]:
    """Fails unless the block raises ``BancaError`` with this status and code."""
    try:
        yield
    except BancaError as error:
        expect(error.status == status and error.code == code, f"{what} answered {error.status} {error.code}, not {status} {code}")
    else:
        raise CheckFailed(f"{what} succeeded, but should answer {status} {code}")


@dataclass
class Context:
    client: BancaClient
    run: str

    def account(self, name: str) -> str:
        return f"{self.run}-{name}"

    def expect_balance(self, account_id: str, balance: str, reason: str) -> None:
        actual = self.client.balance(account_id)["balance"]
        expect(actual == balance, f"{reason} (balance {actual}, want {balance})")


def completed(answer: dict, what: str) -> dict:
    """Batch mode answers a saved mutation with status "completed"; seed mode would queue it."""
    expect(answer.get("status") == "completed", f"{what} is {answer.get('status')!r}, not 'completed' (is the bank in batch mode?)")
    return answer


Check = Callable[[Context], None]
CHECKS: list[tuple[str, Check]] = []


def check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS.append((name, function))
        return function

    return register


@check("authentication required")
def authentication_required(ctx: Context) -> None:
    account = ctx.account("auth")
    completed(ctx.client.deposit(account, "5.00"), "the opening deposit")
    status, _ = ctx.client.request("POST", "/v1/deposits", {"accountId": account, "amount": "1.00"},
                                   {"Idempotency-Key": str(uuid.uuid4())}, authenticate=False)
    expect(status == 401, f"a deposit without credentials answered {status}, not 401")
    status, _ = ctx.client.request("GET", f"/v1/accounts/{account}", authenticate=False)
    expect(status == 401, f"a balance without credentials answered {status}, not 401")
    forger = BancaClient(ctx.client.url, ctx.client.client_id, "forged-key-0000000000", retries=0)
    with expect_error(401, "UNAUTHENTICATED", "a deposit with a forged key"):
        forger.deposit(account, "1.00")
    with expect_error(401, "UNAUTHENTICATED", "a withdrawal with a forged key"):
        forger.seed_withdrawal(account, "1.00")
    ctx.expect_balance(account, "5.00", "a refused request changed the balance")


@check("deposit via v1 JSON API")
def deposit(ctx: Context) -> None:
    account = ctx.account("a")
    answer = completed(ctx.client.deposit(account, "10.50"), "the deposit")
    expect(answer["kind"] == "deposit" and answer["accountId"] == account, f"the answer describes another operation: {answer}")
    expect((answer["amount"], answer["amountCents"]) == ("10.50", 1050), f"the answer's amount is {answer['amount']}, not 10.50")
    expect(answer["balance"] == "10.50" and answer["replayed"] is False, f"unexpected answer {answer}")
    balance = ctx.client.balance(account)
    expect((balance["balance"], balance["balanceCents"]) == ("10.50", 1050), f"the balance is {balance}, not 10.50")


@check("idempotent retry")
def idempotent_retry(ctx: Context) -> None:
    account, key = ctx.account("idem"), str(uuid.uuid4())
    first = completed(ctx.client.deposit(account, "7.25", idempotency_key=key), "the first attempt")
    second = completed(ctx.client.deposit(account, "7.25", idempotency_key=key), "the retry")
    expect(first["replayed"] is False, "the first attempt says it was replayed")
    expect(second["replayed"] is True, f"the retry is not marked replayed: {second}")
    expect(second["operationId"] == first["operationId"], "the retry answered another operation")
    ctx.expect_balance(account, "7.25", "the retry moved money again")
    operation = ctx.client.operation(key)
    expect(operation["status"] == "completed" and operation["amount"] == "7.25", f"the operation lookup answered {operation}")


@check("withdrawal")
def withdrawal(ctx: Context) -> None:
    account = ctx.account("w")
    completed(ctx.client.deposit(account, "20.00"), "the opening deposit")
    answer = completed(ctx.client.withdraw(account, "7.50"), "the withdrawal")
    expect(answer["kind"] == "withdrawal" and answer["balance"] == "12.50", f"unexpected answer {answer}")
    ctx.expect_balance(account, "12.50", "withdrawing 7.50 from 20.00 did not leave 12.50")
    entries = ctx.client.history(account, limit=5)["entries"]
    moves = [(entry["kind"], entry["direction"], entry["amount"]) for entry in entries]
    expect(moves == [("withdrawal", "debit", "7.50"), ("deposit", "credit", "20.00")], f"the history is {moves}")


@check("overdraft refused")
def overdraft_refused(ctx: Context) -> None:
    account = ctx.account("o")
    completed(ctx.client.deposit(account, "5.00"), "the opening deposit")
    with expect_error(422, "INSUFFICIENT_FUNDS", "withdrawing 5.01 from 5.00"):
        ctx.client.withdraw(account, "5.01")
    with expect_error(422, "INSUFFICIENT_FUNDS", "transferring 5.01 from 5.00"):
        ctx.client.transfer(account, ctx.account("o2"), "5.01")
    ctx.expect_balance(account, "5.00", "a refused overdraft changed the balance")
    with expect_error(404, "ACCOUNT_NOT_FOUND", "the balance of a refused transfer's target"):
        ctx.client.balance(ctx.account("o2"))


@check("bad amounts refused")
def bad_amounts_refused(ctx: Context) -> None:
    account = ctx.account("bad")
    for amount in ("-1", "0", "abc", "1.001"):
        with expect_error(400, "INVALID_AMOUNT", f"depositing {amount!r}"):
            ctx.client.deposit(account, amount)
        with expect_error(400, "INVALID_AMOUNT", f"withdrawing {amount!r} through the seed route"):
            ctx.client.seed_withdrawal(account, amount)
    with expect_error(404, "ACCOUNT_NOT_FOUND", "the balance after refused deposits"):
        ctx.client.balance(account)


@check("transfer via seed route")
def transfer_via_seed_route(ctx: Context) -> None:
    origin, target = ctx.account("from"), ctx.account("to")
    completed(ctx.client.seed_deposit(origin, "30.00"), "the opening deposit")
    answer = completed(ctx.client.seed_transfer(origin, target, "12.34"), "the transfer")
    expect(answer["kind"] == "transfer" and answer["toAccountId"] == target, f"unexpected answer {answer}")
    expect(answer["balance"] == "17.66", f"the answer gives the origin {answer['balance']}, not 17.66")
    for account, balance in ((origin, "17.66"), (target, "12.34")):
        actual = ctx.client.seed_balance(account)["balance"]
        expect(actual == balance, f"{account} holds {actual}, not {balance}")


@check("concurrent deposits")
def concurrent_deposits(ctx: Context) -> None:
    account, threads = ctx.account("c"), 30
    with ThreadPoolExecutor(max_workers=threads) as pool:
        answers = list(pool.map(lambda _: ctx.client.deposit(account, "0.10"), range(threads)))
    for answer in answers:
        completed(answer, "a concurrent deposit")
    expect(len({answer["operationId"] for answer in answers}) == threads, "two deposits share an operation id")
    ctx.expect_balance(account, "3.00", f"{threads} concurrent deposits of 0.10 do not add up")


def run_checks(ctx: Context, out=sys.stdout) -> int:
    """Runs every check, prints one line each and a summary; returns how many failed."""
    passed = failed = 0
    for name, function in CHECKS:
        try:
            function(ctx)
        except CheckFailed as error:
            reason = str(error)
        except BancaError as error:
            reason = f"unexpected error {error}"
        except Exception as error:  # a broken check must not hide the others
            reason = f"{type(error).__name__}: {error}"
        else:
            passed += 1
            print(f"PASS {name}", file=out, flush=True)
            continue
        failed += 1
        print(f"FAIL {name}: {reason}", file=out, flush=True)
    print(f"{passed} passed, {failed} failed", file=out, flush=True)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a running banca bank (batch mode) through its gateway.")
    parser.add_argument("--url", default=os.environ.get("BANCA_URL", "http://127.0.0.1:8100"),
                        help="the bank's gateway (env BANCA_URL; default %(default)s)")
    parser.add_argument("--client-id", default=os.environ.get("BANCA_CLIENT_ID", "clientA"),
                        help="client id (env BANCA_CLIENT_ID; default %(default)s)")
    parser.add_argument("--key", default=os.environ.get("BANCA_CLIENT_KEY", "dev-insecure-client-a"),
                        help="the client's key (env BANCA_CLIENT_KEY; default: the development key of clientA)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per request (default %(default)s)")
    args = parser.parse_args(argv)

    ctx = Context(BancaClient(args.url, args.client_id, args.key, args.timeout), run=f"py-{uuid.uuid4().hex[:8]}")
    print(f"checking {ctx.client.url} as {args.client_id}, accounts {ctx.run}-*", flush=True)
    return 1 if run_checks(ctx) else 0


if __name__ == "__main__":
    sys.exit(main())
