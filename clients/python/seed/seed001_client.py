#!/usr/bin/env python3
"""Seed 001's data-server routes, called the way seed 001's programs call them, against banca's
data server in ``--compat seed000``: the business server's key alone in ``auth-token``,
``GET /getbalance/<business_id>/<account_id>``, ``POST /setBalance`` and ``POST /unLock`` with
JSON bodies, ``GET /getLock/<business_id>/<account_id>``, with the ``requests`` package.

Prints ``PASS name`` or ``FAIL name: reason`` per check, then ``N passed, N failed``; exits 1 if
any failed.

    python3 seed001_client.py --url http://127.0.0.1:8101 --business-id 1 --key dev-insecure-business-1
"""

import argparse
import sys
import uuid

import requests

from checks import expect, run_checks



class DataServer:
    def __init__(self, url, business_id, key):
        self.url = url.rstrip('/')
        self.business_id = business_id
        self.headers = {'auth-token': key}

    def get_balance(self, account_id):
        response = requests.get(f'{self.url}/getbalance/{self.business_id}/{account_id}', headers=self.headers, timeout=10)
        expect(response.status_code == 200, f'getbalance answered {response.status_code}: {response.text[:200]}')
        return response.json()

    def set_balance(self, account_id, value):
        body = {'business_id': self.business_id, 'account_id': account_id, 'value': value}
        return requests.post(f'{self.url}/setBalance', json=body, headers=self.headers, timeout=10)

    def get_lock(self, account_id):
        return requests.get(f'{self.url}/getLock/{self.business_id}/{account_id}', headers=self.headers, timeout=10)

    def unlock(self, account_id):
        return requests.post(f'{self.url}/unLock', json={'account_id': account_id, 'value': 0}, headers=self.headers, timeout=10)


def check_key(data):
    response = requests.get(f'{data.url}/getbalance/{data.business_id}/1', headers={'auth-token': 'not-a-key-of-this-bank'}, timeout=10)
    expect(response.status_code == 401, f'a wrong key answered {response.status_code}, not 401')


def check_balance(data):
    balance = data.get_balance(2)
    expect(balance == 1000, f'account 2 starts with {balance!r}, not 1000')


def check_set_balance(data):
    account = f'seed1-{uuid.uuid4().hex[:8]}'
    expect(data.get_balance(account) == 0, 'an account never touched does not read 0')
    for value in (10.5, 20, '4.5', -5.25):
        response = data.set_balance(account, value)
        expect(response.ok, f'setBalance {value!r} answered {response.status_code}: {response.text[:200]}')
    balance = data.get_balance(account)
    expect(balance == 29.75, f'10.5 + 20 + 4.5 - 5.25 gives {balance!r}, not 29.75')
    response = data.set_balance(account, -100)
    expect(not response.ok, 'setBalance took an account below zero')
    expect(data.get_balance(account) == 29.75, 'a refused setBalance changed the balance')


def check_lock(data):
    account = f'seed1-{uuid.uuid4().hex[:8]}'
    response = data.get_lock(account)
    expect(response.ok, f'getLock of a free account answered {response.status_code}: {response.text[:200]}')
    response = data.unlock(account)
    expect(response.ok, f'unLock answered {response.status_code}: {response.text[:200]}')


CHECKS = [
    ('a wrong key is refused', check_key),
    ("getbalance reads the seed's accounts", check_balance),
    ('setBalance adds and refuses an overdraft', check_set_balance),
    ('getLock and unLock', check_lock),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', required=True)
    parser.add_argument('--business-id', default='1')
    parser.add_argument('--key', required=True)
    args = parser.parse_args()
    data = DataServer(args.url, args.business_id, args.key)
    return run_checks(CHECKS, data)


if __name__ == '__main__':
    sys.exit(main())
