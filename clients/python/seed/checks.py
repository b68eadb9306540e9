"""The check runner shared by the seed scripts: ``PASS name`` or ``FAIL name: reason`` per check,
then ``N passed, N failed``; the exit status is 1 if any check failed."""

import requests


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says which."""


def expect(condition, reason):
    if not condition:
        raise CheckFailed(reason)


def run_checks(checks, target):
    passed = failed = 0
    for name, check in checks:
        try:
            check(target)
        except (CheckFailed, AssertionError, requests.RequestException) as error:
            failed += 1
            print(f'FAIL {name}: {error}', flush=True)
        else:
            passed += 1
            print(f'PASS {name}', flush=True)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0
