#!/usr/bin/env python3
"""A business server written the way seed 000's is, against banca's data server in
``--compat seed000``: every operation locks its accounts (``POST /getLock``), reads them
(``GET /getAmount``), adds, writes the new balance (``POST /setAmount/.../<amount>``) and unlocks
(``POST /unLock``), over the data server's key alone in the ``auth`` header, with ``requests``.

It serves seed 000's business routes (``POST /deposit/<account>/<amount>``,
``/withdrawal/...``, ``/transfer/<origin>/<target>/<amount>``, ``GET /balance/<account>``) to
clients that send a key of its own in ``auth``. It prints ``listening on <url>`` once ready.

    python3 seed000_business.py --data-url http://127.0.0.1:8101 --business-id 1 \\
        --business-key dev-insecure-business-1 --client-key my-client-key --port 0
"""

import argparse
import json
import re
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

LOCK_ATTEMPTS = 200
LOCK_RETRY_SECONDS = 0.02


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class DataServer:
    """The data server's seed routes: the seed's amount and lock repositories in one."""

    def __init__(self, url, business_id, key):
        self.url = url.rstrip('/')
        self.business_id = business_id
        self.headers = {'auth': key}

    def _path(self, route, account_id):
        return f'{self.url}/{route}/{self.business_id}/{account_id}'

    def lock(self, account_id):
        for _ in range(LOCK_ATTEMPTS):
            response = requests.post(self._path('getLock', account_id), data={}, headers=self.headers, timeout=10)
            if response.ok:
                return
            if response.status_code != 423:
                raise Refused(502, f'getLock answered {response.status_code}: {response.text[:200]}')
            time.sleep(LOCK_RETRY_SECONDS)
        raise Refused(503, f'account {account_id} stayed locked')

    def unlock(self, account_id):
        requests.post(self._path('unLock', account_id), data={}, headers=self.headers, timeout=10)

    def get_amount(self, account_id):
        response = requests.get(self._path('getAmount', account_id), headers=self.headers, timeout=10)
        if not response.ok:
            raise Refused(502, f'getAmount answered {response.status_code}: {response.text[:200]}')
        return response.json()

    def set_amount(self, account_id, amount):
        response = requests.post(f"{self._path('setAmount', account_id)}/{amount}", data={}, headers=self.headers, timeout=10)
        if not response.ok:
            raise Refused(502, f'setAmount answered {response.status_code}: {response.text[:200]}')


class BankService:
    """The data server's lock belongs to the business, not to a thread of it: the threads of this
    server take an account in turn here first, so two of them never both think they hold it."""

    def __init__(self, data):
        self.data = data
        self.own_locks = defaultdict(threading.Lock)
        self.own_locks_guard = threading.Lock()

    def _change(self, changes):
        """Locks every account (in order, so two transfers never wait on each other), checks, writes."""
        accounts = sorted(changes)
        with self.own_locks_guard:
            own = [self.own_locks[account_id] for account_id in accounts]
        for lock in own:
            lock.acquire()
        try:
            self._change_locked(accounts, changes)
        finally:
            for lock in reversed(own):
                lock.release()

    def _change_locked(self, accounts, changes):
        locked = []
        try:
            for account_id in accounts:
                self.data.lock(account_id)
                locked.append(account_id)
            balances = {account_id: self.data.get_amount(account_id) for account_id in accounts}
            after = {account_id: round(balances[account_id] + changes[account_id], 2) for account_id in accounts}
            if any(balance < 0 for balance in after.values()):
                raise Refused(422, 'insufficient funds')
            for account_id in accounts:
                self.data.set_amount(account_id, after[account_id])
        finally:
            for account_id in reversed(locked):
                self.data.unlock(account_id)

    def deposit(self, account_id, amount):
        self._change({account_id: amount})

    def withdrawal(self, account_id, amount):
        self._change({account_id: -amount})

    def transfer(self, origin, target, amount):
        if origin == target:
            raise Refused(400, 'same account')
        self._change({origin: -amount, target: amount})

    def balance(self, account_id):
        return self.data.get_amount(account_id)


ROUTES = [
    ('POST', re.compile(r'^/deposit/([^/]+)/([^/]+)$'), lambda bank, a, amount: bank.deposit(a, float(amount))),
    ('POST', re.compile(r'^/withdrawal/([^/]+)/([^/]+)$'), lambda bank, a, amount: bank.withdrawal(a, float(amount))),
    ('POST', re.compile(r'^/transfer/([^/]+)/([^/]+)/([^/]+)$'), lambda bank, o, t, amount: bank.transfer(o, t, float(amount))),
    ('GET', re.compile(r'^/balance/([^/]+)$'), lambda bank, a: bank.balance(a)),
]


def handler_for(bank, client_keys):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def _answer(self, status, body=None):
            payload = b'' if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header('content-type', 'application/json')
            self.send_header('content-length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self, method):
            length = int(self.headers.get('content-length') or 0)
            if length:
                self.rfile.read(length)
            if self.headers.get('auth') not in client_keys:
                return self._answer(401, {'error': 'unauthorized'})
            for route_method, pattern, action in ROUTES:
                match = pattern.match(self.path)
                if match and route_method == method:
                    try:
                        result = action(bank, *match.groups())
                    except Refused as error:
                        return self._answer(error.status, {'error': str(error)})
                    except ValueError as error:
                        return self._answer(400, {'error': str(error)})
                    return self._answer(200, result) if method == 'GET' else self._answer(204)
            return self._answer(404, {'error': 'no such route'})

        def do_GET(self):
            self._handle('GET')

        def do_POST(self):
            self._handle('POST')

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-url', required=True)
    parser.add_argument('--business-id', required=True)
    parser.add_argument('--business-key', required=True)
    parser.add_argument('--client-key', action='append', required=True)
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args()
    bank = BankService(DataServer(args.data_url, args.business_id, args.business_key))
    server = ThreadingHTTPServer(('127.0.0.1', args.port), handler_for(bank, set(args.client_key)))
    print(f'listening on http://127.0.0.1:{server.server_address[1]}', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
