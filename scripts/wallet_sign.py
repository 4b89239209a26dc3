"""Prints curl headers for a wallet-signed request (the scheme in
docs/decisions.md): sign METHOD, PATH?QUERY, a timestamp and the body hash
with an ed25519 key.

Usage: .venv/bin/python scripts/wallet_sign.py KEYFILE METHOD PATH [BODY] [--admin]
KEYFILE holds a Solana keypair JSON (64 numbers) or a 32-byte hex seed.
Prints `-H ...` arguments to paste into curl.
"""
import hashlib
import json
import sys
import time

import nacl.signing

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = ALPHABET[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def load_key(path: str) -> nacl.signing.SigningKey:
    text = open(path).read().strip()
    seed = bytes(json.loads(text)[:32]) if text.startswith("[") else bytes.fromhex(text)
    return nacl.signing.SigningKey(seed)


args = [a for a in sys.argv[1:] if a != "--admin"]
admin = "--admin" in sys.argv
key_path, method, path = args[:3]
body = args[3] if len(args) > 3 else ""
key = load_key(key_path)
ts = int(time.time())
message = f"{method.upper()}\n{path}\n{ts}\n{hashlib.sha256(body.encode()).hexdigest()}"
signature = b58(key.sign(message.encode()).signature)
wallet = b58(bytes(key.verify_key))
header = "x-admin-wallet" if admin else "x-wallet"
print(f"-H '{header}: {wallet}' -H 'x-wallet-timestamp: {ts}' -H 'x-wallet-signature: {signature}'")
