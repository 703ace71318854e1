# Independent golden for MakerChecker checkpoints and receipts: RFC 6962 tree, C2SP checkpoint and signed note,
# computed with Python's hashlib and the cryptography package only (no MakerChecker code).
import base64, hashlib, json, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def leaf(d): return hashlib.sha256(b"\x00" + d).digest()
def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()
def k_below(n):
    k = 1
    while k * 2 < n: k *= 2
    return k
def mth(d):
    if len(d) == 1: return leaf(d[0])
    k = k_below(len(d)); return node(mth(d[:k]), mth(d[k:]))
def path(m, d):
    if len(d) == 1: return []
    k = k_below(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]

skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
seed = base64.b64decode(skey.split("+", 4)[4])[1:]
priv = Ed25519PrivateKey.from_private_bytes(seed)
pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

name = "PeterNeumann"
events = [
    '{"actor":{"id":"agent-7","kind":"agent"},"eventType":"approval.requested","id":"e1","payload":{"amount":120}}',
    '{"actor":{"id":"zoë","kind":"human"},"eventType":"approval.decided","id":"e2","payload":{"decision":"approved"}}',
    '{"actor":{"id":"svc","kind":"service"},"eventType":"skill.ran","id":"e3","payload":{}}',
]
data = [e.encode("utf-8") for e in events]
root = mth(data)
body = "audit.example.com/payments\n3\n" + base64.b64encode(root).decode() + "\n"
keyid = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
sig = priv.sign(body.encode())
note = body + "\n\u2014 " + name + " " + base64.b64encode(keyid + sig).decode() + "\n"
receipt = {
    "format": "makerchecker-receipt/v1",
    "event": events[1],
    "leafIndex": 1,
    "inclusionProof": [base64.b64encode(h).decode() for h in path(1, data)],
    "checkpoint": note,
}
print(json.dumps({"note": note, "receipt": json.dumps(receipt, ensure_ascii=False)}, ensure_ascii=False, indent=1))
