#!/usr/bin/env python3
"""Seed 000's client test, written the way seed 000 wrote it, against a banca bank started with
``--compat seed000`` (through its gateway).

Like the seed's ``client/client_script.py`` over ``client/infra/bank_repository.py``, it calls the
business server's routes with the ``requests`` package, the key alone in the ``auth`` header,
``requests.post(url, data={}, headers={'auth': key})``, and reads answers with
``response.json()``. It runs the seed's seven checks and its concurrency check, prints
``PASS name`` or ``FAIL name: reason`` for each, then ``N passed, N failed``, and exits 1 if any
failed.

    python3 seed000_client.py --url http://127.0.0.1:8100 --key dev-insecure-client-a

It needs the bank's queue of 5 empty when it starts (a fresh bank, or nothing else writing).
"""

import argparse
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from checks import expect, run_checks

QUEUE_SIZE = 5
WAIT_SECONDS = 10


class BankRepository:
    """The business server's routes, as seed 000's infra layer calls them."""

    def __init__(self, url, key):
        self.url = url.rstrip('/')
        self.headers = {'auth': key}

    def deposit(self, account_id, amount):
        return requests.post(f'{self.url}/deposit/{account_id}/{amount}', data={}, headers=self.headers, timeout=30)

    def withdrawal(self, account_id, amount):
        return requests.post(f'{self.url}/withdrawal/{account_id}/{amount}', data={}, headers=self.headers, timeout=30)

    def transfer(self, origin, target, amount):
        return requests.post(f'{self.url}/transfer/{origin}/{target}/{amount}', data={}, headers=self.headers, timeout=30)

    def balance(self, account_id):
        response = requests.get(f'{self.url}/balance/{account_id}', headers=self.headers, timeout=30)
        if response.status_code != 200:
            raise AssertionError(f'GET /balance/{account_id} answered {response.status_code}: {response.text[:200]}')
        return response.json()



def accepted(response, what):
    expect(200 <= response.status_code < 300, f'{what} answered {response.status_code}: {response.text[:200]}')


def wait_balance(bank, account_id, wanted):
    """The queue applies a group when its fifth operation arrives: wait for it to be visible."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        balance = bank.balance(account_id)
        if balance == wanted or time.monotonic() > deadline:
            return balance
        time.sleep(0.05)


def fresh_account():
    return f'seed-{uuid.uuid4().hex[:10]}'


def check_no_key(bank):
    response = requests.post(f'{bank.url}/deposit/1/10', data={}, timeout=30)
    expect(response.status_code == 401, f'a deposit with no key answered {response.status_code}, not 401')
    response = requests.get(f'{bank.url}/balance/1', headers={'auth': 'not-a-key-of-this-bank'}, timeout=30)
    expect(response.status_code == 401, f'a read with a wrong key answered {response.status_code}, not 401')


def check_accounts(bank):
    balance = bank.balance(1)
    expect(isinstance(balance, (int, float)), f'GET /balance/1 is not a number: {balance!r}')
    expect(balance == 1000, f'account 1 starts with {balance}, not 1000')
    expect(bank.balance(fresh_account()) == 0, 'an account never touched does not read 0')


def check_queue(bank):
    account = fresh_account()
    for _ in range(QUEUE_SIZE - 1):
        accepted(bank.deposit(account, 10), 'a deposit')
    time.sleep(0.3)
    expect(bank.balance(account) == 0, 'the balance changed before the queue had 5 operations')
    accepted(bank.deposit(account, 10), 'the fifth deposit')
    balance = wait_balance(bank, account, 50)
    expect(balance == 50, f'after 5 deposits of 10 the balance is {balance}, not 50')


def check_deposit(bank):
    account = fresh_account()
    for amount in (10, 10.0, 10.5, 0.25, 100):
        accepted(bank.deposit(account, amount), f'a deposit of {amount}')
    balance = wait_balance(bank, account, 130.75)
    expect(balance == 130.75, f'deposits of 10, 10.0, 10.5, 0.25 and 100 give {balance}, not 130.75')


def check_withdrawal(bank):
    account = fresh_account()
    accepted(bank.deposit(account, 100), 'a deposit')
    for _ in range(QUEUE_SIZE - 1):
        accepted(bank.withdrawal(account, 12.5), 'a withdrawal')
    balance = wait_balance(bank, account, 50)
    expect(balance == 50, f'100 less 4 withdrawals of 12.5 is {balance}, not 50')


def check_transfer(bank):
    origin, target = fresh_account(), fresh_account()
    accepted(bank.deposit(origin, 300), 'a deposit')
    for _ in range(QUEUE_SIZE - 1):
        accepted(bank.transfer(origin, target, 25), 'a transfer')
    balances = (wait_balance(bank, origin, 200), bank.balance(target))
    expect(balances == (200, 100), f'after 4 transfers of 25 the balances are {balances}, not (200, 100)')


def check_overdraft(bank):
    account = fresh_account()
    accepted(bank.deposit(account, 20), 'a deposit')
    accepted(bank.withdrawal(account, 50), 'a withdrawal past the balance (accepted into the queue)')
    for _ in range(QUEUE_SIZE - 2):
        accepted(bank.deposit(account, 1), 'a deposit')
    balance = wait_balance(bank, account, 23)
    expect(balance == 23, f'the refused withdrawal moved money: the balance is {balance}, not 23')


def check_concurrency(bank):
    """Seed 000's concurrency check: 25 rounds at once of deposit 200, withdraw 100, deposit 50,
    withdraw 50 and transfer 100 to another account."""
    origin, target = fresh_account(), fresh_account()
    accepted(bank.deposit(origin, 10000), "the opening deposit (enough for every withdrawal and transfer to come first)")
    for _ in range(QUEUE_SIZE - 1):
        accepted(bank.deposit(target, 0.01), 'a deposit')
    wait_balance(bank, origin, 10000)

    def round_of_operations(_):
        statuses = [
            bank.deposit(origin, 200).status_code,
            bank.withdrawal(origin, 100).status_code,
            bank.deposit(origin, 50).status_code,
            bank.withdrawal(origin, 50).status_code,
            bank.transfer(origin, target, 100).status_code,
        ]
        return statuses

    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = [status for round_statuses in pool.map(round_of_operations, range(25)) for status in round_statuses]
    refused = [status for status in statuses if not 200 <= status < 300]
    expect(not refused, f'{len(refused)} of {len(statuses)} operations were refused: {sorted(set(refused))}')
    balances = (wait_balance(bank, origin, 10000), wait_balance(bank, target, 2500.04))
    expect(balances == (10000, 2500.04), f"after 25 rounds the balances are {balances}, not (10000, 2500.04)")


CHECKS = [
    ('no key, no access', check_no_key),
    ("the seed's accounts", check_accounts),
    ('the queue of 5', check_queue),
    ('deposit', check_deposit),
    ('withdrawal', check_withdrawal),
    ('transfer', check_transfer),
    ('a refused withdrawal moves nothing', check_overdraft),
    ('concurrency: 25 rounds at once', check_concurrency),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', default='http://127.0.0.1:8100')
    parser.add_argument('--key', default='dev-insecure-client-a')
    args = parser.parse_args()
    bank = BankRepository(args.url, args.key)
    return run_checks(CHECKS, bank)


if __name__ == '__main__':
    sys.exit(main())
