#!/usr/bin/env python3
"""Known answers for the s-mqtt suite (seed 004's scheme), computed independently of the Rust
code: P-256 in affine coordinates with Python integers only (no EC library), SHA-256 from
hashlib for Hash(M).

Made with: python3 tests/vectors/smqtt_p256_kat.py > tests/vectors/smqtt_p256_kat.txt
(Python 3.11; the output is deterministic). tests/smqtt.rs reads the .txt file.

What it computes, as crypto/smqtt.rs documents it:
- Koblitz encoding with K = 32: byte m -> the first x = m*K + j (j = 0..K-1) for which
  x^3 - 3x + b is a square mod p; y = that square's root with even parity (p = 3 mod 4, so
  the root is alpha^((p+1)/4)).
- EC-ElGamal per point with the subscriber's key Q = sk*G: C1 = k*G, C2 = M + k*Q, both SEC1
  compressed (33 bytes), k fixed per point here (random in the suite).
- The body: timestamp (u64 big-endian) || SHA-256(M) || (C1 || C2) per byte.
"""

import hashlib

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
K = 32


def add(p1, p2):
    """Affine addition; None is the point at infinity."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, P - 2, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, P - 2, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(k, pt):
    """Double-and-add, most significant bit first."""
    acc = None
    for bit in bin(k)[2:]:
        acc = add(acc, acc)
        if bit == "1":
            acc = add(acc, pt)
    return acc


def on_curve(pt):
    x, y = pt
    return (y * y - (x * x * x + A * x + B)) % P == 0


def encode(m):
    for j in range(K):
        x = m * K + j
        alpha = (x * x * x + A * x + B) % P
        if pow(alpha, (P - 1) // 2, P) in (0, 1):
            y = pow(alpha, (P + 1) // 4, P)
            if y % 2:
                y = P - y
            return j, (x, y)
    raise ValueError(f"byte {m}: no x in [m*K, m*K+K) is on the curve")


def compressed(pt):
    x, y = pt
    return ("03" if y % 2 else "02") + f"{x:064x}"


def main():
    assert on_curve(G) and mul(N, G) is None
    print("# s-mqtt known answers (P-256, K = 32), made by tests/vectors/smqtt_p256_kat.py")
    print(f"K {K}")
    # Every byte value: j and the encoded point (x is m*K + j; y even, so prefix 02).
    for m in range(256):
        j, pt = encode(m)
        assert on_curve(pt) and pt[0] // K == m
        print(f"encode {m} {j} {compressed(pt)} {pt[1]:064x}")
    sk = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
    q = mul(sk, G)
    print(f"sk {sk:064x}")
    print(f"q {compressed(q)}")
    # "あいうえお" is seed 004's own example (Fig. 2): 15 bytes, so 15 points.
    msg = "あいうえお".encode("utf-8") + b"\x00\xff"
    ts = 1579681883692150
    print(f"message {msg.hex()}")
    print(f"timestamp {ts}")
    body = ts.to_bytes(8, "big").hex() + hashlib.sha256(msg).hexdigest()
    for i, m in enumerate(msg):
        k = (0x5EED0004 * (i + 1) ** 3 + 0xA5) % N
        _, pm = encode(m)
        c1 = mul(k, G)
        c2 = add(pm, mul(k, q))
        print(f"point {i} {k:064x} {compressed(c1)} {compressed(c2)}")
        body += compressed(c1) + compressed(c2)
    print(f"body {body}")


if __name__ == "__main__":
    main()
