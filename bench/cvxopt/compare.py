#!/usr/bin/env python3
"""Solve CBF files with CVXOPT (and optionally `ecnn solve`) and print time and objective.

Installs nothing. Needs:  apt-get install -y python3-cvxopt python3-numpy python3-scipy

usage: python3 bench/cvxopt/compare.py FILE_OR_FOLDER... [--ecnn "dotnet path/to/ecnn.dll"] [--tol 1e-8]

CBF (Conic Benchmark Format, VER 1-3) sections read: OBJSENSE, VAR, CON, OBJACOORD, OBJBCOORD, ACOORD, BCOORD
with cones F, L+, L-, L=, Q, QR. The problem  min/max c'x + c0  s.t.  g = Af x + bf in K_con,  x in K_var  is
passed to cvxopt.solvers.conelp as  min c'x  s.t.  G x + s = h (s in l x q cones),  A x = b,  with
s = T g (G = -T Af, h = T bf) per cone block: L+ T = I, L- T = -I, Q T = I, and QR T = [[1, 1], [1, -1]]/sqrt 2
on the first two entries (2 g1 g2 >= |g3..|^2  <=>  (g1+g2)/sqrt2 >= |((g1-g2)/sqrt2, g3..)|); L= rows go to A x = b.
CBF has no quadratic objective, so conelp covers every file (coneqp would only be needed for QPS files).
"""
import json
import math
import os
import subprocess
import sys
import time


class CbfError(Exception):
    pass


def read_cbf(path):
    """Returns dict(n, maximize, c, c0, var_cones, con_cones, a: {(i, j): v}, bf: {i: v})."""
    with open(path) as f:
        lines = [(k + 1, ln.split()) for k, ln in enumerate(f) if ln.strip() and not ln.lstrip().startswith("#")]
    pos = 0

    def take():
        nonlocal pos
        if pos >= len(lines):
            raise CbfError(f"{path}: truncated file")
        pos += 1
        return lines[pos - 1][1]

    p = dict(n=0, maximize=False, c={}, c0=0.0, var_cones=[], con_cones=[], m=0, a={}, bf={})
    while pos < len(lines):
        key = take()[0].upper()
        if key == "VER":
            take()
        elif key == "OBJSENSE":
            p["maximize"] = take()[0].upper() == "MAX"
        elif key in ("VAR", "CON"):
            total, k = map(int, take())
            cones = [(t[0].upper(), int(t[1])) for t in (take() for _ in range(k))]
            if key == "VAR":
                p["n"], p["var_cones"] = total, cones
            else:
                p["m"], p["con_cones"] = total, cones
        elif key == "OBJACOORD":
            for _ in range(int(take()[0])):
                j, v = take()
                p["c"][int(j)] = p["c"].get(int(j), 0.0) + float(v)
        elif key == "OBJBCOORD":
            p["c0"] = float(take()[0])
        elif key == "ACOORD":
            for _ in range(int(take()[0])):
                i, j, v = take()
                p["a"][(int(i), int(j))] = p["a"].get((int(i), int(j)), 0.0) + float(v)
        elif key == "BCOORD":
            for _ in range(int(take()[0])):
                i, v = take()
                p["bf"][int(i)] = p["bf"].get(int(i), 0.0) + float(v)
        else:
            raise CbfError(f"{path}: unsupported keyword {key}")
    return p


def to_conelp(p):
    """Builds (c, G, h, dims, A, b) triplet lists for cvxopt from the CBF data."""
    n = p["n"]
    # Each cone input (constraint row i -> ('con', i), variable j -> ('var', j)) maps to rows of one block.
    rows = {"l": [], "q": [], "eq": []}  # lists of lists of (input, coef) combinations, one list per output row
    q_dims = []

    def blocks(cones, kind):
        at = 0
        for cone, d in cones:
            ins = [(kind, at + k) for k in range(d)]
            if cone == "L+":
                rows["l"].extend([[(g, 1.0)] for g in ins])
            elif cone == "L-":
                rows["l"].extend([[(g, -1.0)] for g in ins])
            elif cone == "L=":
                rows["eq"].extend([[(g, 1.0)] for g in ins])
            elif cone == "Q":
                rows["q"].append([[(g, 1.0)] for g in ins])
                q_dims.append(d)
            elif cone == "QR":
                h = math.sqrt(0.5)
                block = [[(ins[0], h), (ins[1], h)], [(ins[0], h), (ins[1], -h)]] + [[(g, 1.0)] for g in ins[2:]]
                rows["q"].append(block)
                q_dims.append(d)
            elif cone != "F":
                raise CbfError(f"unsupported cone {cone}")
            at += d

    blocks(p["con_cones"], "con")
    blocks(p["var_cones"], "var")
    by_row = {}
    for (i, j), v in p["a"].items():
        by_row.setdefault(i, []).append((j, v))

    def emit(combo, r, trip, rhs):
        # s_r = sum coef * g  with g = Af x + bf (constraint) or x_j (variable): G = -coef * Af, h = coef * bf.
        for (kind, idx), coef in combo:
            if kind == "con":
                for j, v in by_row.get(idx, []):
                    trip.append((r, j, -coef * v))
                rhs[r] = rhs.get(r, 0.0) + coef * p["bf"].get(idx, 0.0)
            else:
                trip.append((r, idx, -coef))

    g_trip, h = [], {}
    r = 0
    for combo in rows["l"]:
        emit(combo, r, g_trip, h)
        r += 1
    for block in rows["q"]:
        for combo in block:
            emit(combo, r, g_trip, h)
            r += 1
    a_trip, b = [], {}
    for k, combo in enumerate(rows["eq"]):
        # s = h_row - G_row x = 0, i.e. A = G_row, b = h_row (Af x = -bf).
        tmp, rhs = [], {}
        emit(combo, k, tmp, rhs)
        a_trip.extend(tmp)
        b[k] = rhs.get(k, 0.0)
    sense = -1.0 if p["maximize"] else 1.0
    c = [sense * p["c"].get(j, 0.0) for j in range(n)]
    return c, g_trip, h, r, dict(l=len(rows["l"]), q=q_dims, s=[]), a_trip, b, len(rows["eq"])


def solve_cvxopt(path, tol):
    from cvxopt import matrix, spmatrix, solvers
    p = read_cbf(path)
    c, g_trip, h, m, dims, a_trip, b, me = to_conelp(p)
    n = p["n"]
    solvers.options.update(dict(show_progress=False, abstol=tol, reltol=tol, feastol=tol, maxiters=200))

    def sp(trip, rows):
        if not trip:
            return spmatrix([], [], [], (rows, n))
        i, j, v = zip(*trip)
        return spmatrix(list(v), list(i), list(j), (rows, n))

    args = dict(c=matrix(c), G=sp(g_trip, m), h=matrix([h.get(i, 0.0) for i in range(m)], (m, 1)), dims=dims)
    if me:
        args.update(A=sp(a_trip, me), b=matrix([b.get(i, 0.0) for i in range(me)], (me, 1)))
    t0 = time.perf_counter()
    sol = solvers.conelp(**args)
    seconds = time.perf_counter() - t0
    sense = -1.0 if p["maximize"] else 1.0
    obj = sol["primal objective"]
    objective = sense * (obj + sense * p["c0"]) if sol["status"] == "optimal" and obj is not None else None
    return dict(status=sol["status"], objective=objective, seconds=seconds, iterations=sol["iterations"])


def solve_ecnn(path, command, tol):
    t0 = time.perf_counter()
    out = subprocess.run(command.split() + ["solve", path, "--json", "--tol", str(tol)], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        return dict(status="error: " + out.stderr.strip(), objective=None, seconds=wall, iterations=None)
    return json.loads(out.stdout)


def main(argv):
    files, ecnn, tol = [], None, 1e-8
    k = 0
    while k < len(argv):
        if argv[k] == "--ecnn":
            ecnn, k = argv[k + 1], k + 2
        elif argv[k] == "--tol":
            tol, k = float(argv[k + 1]), k + 2
        else:
            target = argv[k]
            files += sorted(os.path.join(target, f) for f in os.listdir(target) if f.endswith(".cbf")) if os.path.isdir(target) else [target]
            k += 1
    if not files:
        print(__doc__)
        return 2
    print(f"{'file':40} {'cvxopt status':14} {'objective':>18} {'s':>8}" + (f" {'ecnn status':14} {'objective':>18} {'s':>8} {'ratio':>6}" if ecnn else ""))
    for f in files:
        try:
            r = solve_cvxopt(f, tol)
        except (ArithmeticError, ValueError) as e:  # cvxopt raises on numerical failure
            r = dict(status="error", objective=None, seconds=float("nan"), iterations=None)
            print(f"# {os.path.basename(f)}: cvxopt failed: {e}", file=sys.stderr)
        line = f"{os.path.basename(f):40} {r['status']:14} {r['objective'] if r['objective'] is not None else float('nan'):18.10g} {r['seconds']:8.3f}"
        if ecnn:
            e = solve_ecnn(f, ecnn, tol)
            ratio = e["seconds"] / r["seconds"] if r["seconds"] > 0 and e.get("seconds") else float("nan")
            obj = e.get("objective")
            line += f" {e['status'][:14]:14} {obj if obj is not None else float('nan'):18.10g} {e['seconds']:8.3f} {ratio:6.2f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
