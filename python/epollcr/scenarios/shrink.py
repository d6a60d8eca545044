"""Delta-debugging reduction of a failing scenario.

    make shrink FILE=... [EVERY_STEP=1]
    PYTHONPATH=python python3 -m epollcr.scenarios.shrink [--every-step] FILE

Runs FILE in UML, remembers how it fails (the kind of the first diagnostic
and the op of the line it names), then removes chunks of op lines (ddmin)
while the result still fails the same way.  All candidates of one round
run in a single boot.  Prints the minimal scenario and writes it next to
the build results (build/scenarios/shrunk/NAME.scn).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

from .. import TOP as _TOP
from .scenario import ScenarioError, parse_text

TOP = str(_TOP)
RUNNER = os.path.join(TOP, "build", "harness", "scenario-run")
UML_RUN = os.path.join(TOP, "harness", "launch", "uml-run")
WORK = os.path.join(TOP, "build", "scenarios", "shrink")
META = ("seed", "category")


def signature(diags: list[str]) -> str | None:
    """How a scenario failed: the first diagnostic, reduced to its kind."""
    for d in diags:
        m = re.match(r"# (original|restored) vs expectation: L\d+ (\w+)", d)
        if m:
            return f"expectation:{m.group(1)}:{m.group(2)}"
        m = re.match(r"#   B \(restored\): L\d+ (\w+)", d)
        if m:
            return f"differ:{m.group(1)}"
        if "image of the original vs of the restored copy" in d:
            return "image"
        if "matches no prefix" in d:
            return "concurrent"
        if "restart of the image" in d:
            return "restart"
        if "checkpoint before line" in d:
            return "checkpoint"
        if "did not finish cleanly" in d or "ended (wait status" in d:
            return "crash"
    return None


def run_batch(texts: list[str], every_step: bool) -> list[str | None]:
    """Runs the scenarios in one boot; the failure signature of each."""
    os.makedirs(WORK, exist_ok=True)
    for name in os.listdir(WORK):
        os.unlink(os.path.join(WORK, name))
    for i, t in enumerate(texts):
        with open(os.path.join(WORK, f"c{i:05d}.scn"), "w", encoding="utf-8") as f:
            f.write(t)
    args = [UML_RUN, "--timeout", "1200", RUNNER] + (["--every-step"] if every_step else [])
    out = subprocess.run(args + [WORK], capture_output=True, text=True, cwd=TOP).stdout
    sigs: list[str | None] = [None] * len(texts)
    diags: list[str] = []
    for line in out.splitlines():
        if line.startswith("#"):
            diags.append(line)
            continue
        m = re.match(r"(not )?ok \d+ c(\d+)", line)
        if m:
            sigs[int(m.group(2))] = signature(diags) if m.group(1) else None
            if m.group(1) and sigs[int(m.group(2))] is None:
                sigs[int(m.group(2))] = "other"
            diags = []
    return sigs


def relax(line: str) -> str:
    """Drops an expectation (a removed line can change predicted results)."""
    toks = line.split()
    if "expect" in toks:
        toks = toks[:toks.index("expect")]
        if toks[0] == "wait":
            toks.append("record")
    return " ".join(toks)


def valid(lines: list[str]) -> bool:
    try:
        parse_text("\n".join(lines) + "\n")
        return True
    except ScenarioError:
        return False


def ddmin(head: list[str], body: list[str], want: str, every_step: bool) -> list[str]:
    n = 2
    while len(body) >= 2:
        size = max(1, len(body) // n)
        chunks = [body[i:i + size] for i in range(0, len(body), size)]
        cands = []
        for i in range(len(chunks)):
            rest = [ln for j, c in enumerate(chunks) if j != i for ln in c]
            if valid(head + rest):
                cands.append(rest)
        sigs = run_batch(["\n".join(head + c) + "\n" for c in cands], every_step) if cands else []
        hit = next((c for c, s in zip(cands, sigs) if s == want), None)
        if hit is not None:
            body = hit
            n = max(n - 1, 2)
            print(f"shrink: {len(body)} op lines", file=sys.stderr)
        elif n >= len(body):
            break
        else:
            n = min(2 * n, len(body))
    return body


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="reduce a failing scenario")
    ap.add_argument("--every-step", action="store_true")
    ap.add_argument("file")
    args = ap.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
        parse_text(text, args.file)
    except (OSError, ScenarioError) as e:
        print(f"shrink: {e}", file=sys.stderr)
        return 2
    lines = [ln for ln in text.split("\n") if ln.split() and not ln.lstrip().startswith("#")]
    head = [ln for ln in lines if ln.split()[0] in META]
    body = [ln for ln in lines if ln.split()[0] not in META]
    want = run_batch([text], args.every_step)[0]
    if want is None:
        print(f"shrink: {args.file} does not fail; nothing to reduce", file=sys.stderr)
        return 1
    print(f"shrink: {args.file} fails as '{want}'; {len(body)} op lines", file=sys.stderr)
    if not want.startswith("expectation"):
        relaxed = [relax(ln) for ln in body]
        if run_batch(["\n".join(head + relaxed) + "\n"], args.every_step)[0] == want:
            body = relaxed
    body = ddmin(head, body, want, args.every_step)
    out = "\n".join([f"# shrunk from {args.file}: fails as '{want}'"] + head + body) + "\n"
    dest = os.path.join(TOP, "build", "scenarios", "shrunk")
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, os.path.basename(args.file))
    with open(path, "w", encoding="utf-8") as f:
        f.write(out)
    print(out, end="")
    print(f"shrink: written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
