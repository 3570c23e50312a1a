#!/usr/bin/env python3
"""Cycle model analyzer for scripts/arm-model.sh (Python 3 standard library only).

Input: the trace of tools/arm-model/tbcount.c (translation blocks with their bytes and execution counts, split into
intervals by the marker system calls of `edgert opmarkers`). For every distinct block it asks llvm-mca for the cycles
one execution takes in steady state (Total Cycles / Iterations over ITERATIONS back-to-back repetitions of the block,
so loop-carried dependencies count), caches that per block, and sums count x cycles per operator.

Subcommands:
  markers  per-operator and per-frame figures from one marked run (edgert opmarkers)
  x64compare  the x64 check: predicted operator time vs the same run timed natively (edgert opmarkers --times)
  diff     per-frame figures of any command from two runs that differ only in the number of frames
           (e.g. benchmark_model --num_runs=1 vs --num_runs=3): per frame = (run_b - run_a) / (n_b - n_a)
  selftest checks of the trace parser and the llvm-mca plumbing on tiny inputs (for scripts/test.d)
"""
import argparse
import bisect
import collections
import concurrent.futures
import gzip
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

ITERATIONS = 100

# Per target: llvm-mc/llvm-mca triple, features to decode and accept (the emulated CPUs may run any of these), and a
# separator instruction put between blocks when many are disassembled in one llvm-mc call.
TARGETS = {
    'aarch64': {
        'triple': 'aarch64',
        'mattr': '+v8.4a,+dotprod,+lse,+rcpc,+crc,+aes,+sha2,+fullfp16',
        'sep_bytes': (0xd4200000 | (0x4544 << 5)).to_bytes(4, 'little'),  # brk #0x4544
        'sep_text': re.compile(r'^\s*brk\s+#0x4544\s*$'),
        'comment': '//',
    },
    'x86_64': {
        'triple': 'x86_64',
        'mattr': '',
        # int $0x45 after 15 nops: qemu 7.2 sometimes records only the first bytes of a block's last x86
        # instruction (one it started to decode, then left to the next block); the nops complete any such fragment
        # so decoding is back in step at the separator. Trailing nops are removed from each block again.
        'sep_bytes': bytes([0x90] * 15 + [0xcd, 0x45]),
        'strip_trailing': re.compile(r'^\s*nop\s*$'),
        'comment': '#',
        'sep_text': re.compile(r'^\s*int\s+\$69\s*(#.*)?$'),
    },
}


# ----------------------------------------------------------------------------------------------------------- trace
class Trace:
    """Blocks (id -> vaddr, n_insns, bytes, total count) and intervals [(marker, {block id: executions})]."""

    def __init__(self, path):
        self.blocks = {}
        self.intervals = []  # (marker tuple or None for the start-up interval, dict id -> delta)
        current = {}
        marker = None
        with (gzip.open(path, 'rt') if path.endswith('.gz') else open(path)) as f:
            for line in f:
                tag = line[:1]
                if tag == 'D':
                    _, i, d = line.split()
                    current[int(i)] = current.get(int(i), 0) + int(d)
                elif tag == 'M':
                    self.intervals.append((marker, current))
                    current = {}
                    _, kind, frame, op = line.split()
                    marker = (int(kind), int(frame), int(op))
                elif tag == 'B':
                    _, i, va, n, hx, c = line.split()
                    self.blocks[int(i)] = (int(va, 16), int(n), bytes.fromhex(hx), int(c))
                elif tag == 'E':
                    self.complete = True
        if current:
            self.intervals.append((marker, current))
        if not getattr(self, 'complete', False):
            raise SystemExit(f'{path}: trace is incomplete (the guest did not exit normally?)')

    def totals(self):
        return {i: b[3] for i, b in self.blocks.items()}


# ------------------------------------------------------------------------------------------------------ loops
def _sext(v, bits):
    return v - (1 << bits) if v & (1 << (bits - 1)) else v


def branch_target(arch, vaddr, code):
    """Target of the direct branch that ends the block, or None."""
    if arch == 'aarch64':
        if len(code) < 4:
            return None
        w = int.from_bytes(code[-4:], 'little')
        at = vaddr + len(code) - 4
        if w & 0xfc000000 == 0x14000000:  # b
            off = _sext(w & 0x3ffffff, 26)
        elif w & 0xff000010 == 0x54000000 or w & 0x7e000000 == 0x34000000:  # b.cond, cbz/cbnz
            off = _sext((w >> 5) & 0x7ffff, 19)
        elif w & 0x7e000000 == 0x36000000:  # tbz/tbnz
            off = _sext((w >> 5) & 0x3fff, 14)
        else:
            return None
        return at + 4 * off
    end = vaddr + len(code)
    if len(code) >= 6 and code[-6] == 0x0f and 0x80 <= code[-5] <= 0x8f:  # jcc rel32
        return end + _sext(int.from_bytes(code[-4:], 'little'), 32)
    if len(code) >= 5 and code[-5] == 0xe9:  # jmp rel32
        return end + _sext(int.from_bytes(code[-4:], 'little'), 32)
    if len(code) >= 2 and (0x70 <= code[-2] <= 0x7f or code[-2] == 0xeb):  # jcc/jmp rel8
        return end + _sext(code[-1], 8)
    return None


def is_self_loop(arch, vaddr, code):
    """True when the block ends with a direct branch back to its own first instruction (a one-block loop)."""
    return branch_target(arch, vaddr, code) == vaddr


def loop_blocks(arch, blocks):
    """Ids of blocks that are the body of a small loop: a block whose closing branch jumps back to its own start, or
    to a block that starts at most 256 bytes before it (qemu sometimes starts a new block inside a loop body; the
    block at the branch target is then part of the loop too). blocks: id -> (vaddr, n, code, count)."""
    starts = collections.defaultdict(list)
    for i, b in blocks.items():
        starts[b[0]].append(i)
    loops = set()
    for i, (va, _n, code, _c) in blocks.items():
        t = branch_target(arch, va, code)
        if t is None or not (va - 256 <= t <= va):
            continue
        if t == va:
            loops.add(i)
        elif starts.get(t):
            loops.add(i)
            for j in starts[t]:
                if blocks[j][0] + len(blocks[j][2]) <= va + len(code):
                    loops.add(j)
    return loops


def block_cycles(entry, loop, metric):
    """Cycles per execution. 'steady': Total Cycles / Iterations for every block. 'mixed' (default): that for blocks of
    small loops (loop_blocks), whose repetition is real; for other blocks the Block RThroughput, because repeating a straight-line block
    back to back invents dependencies from its last writes to its first reads that the real code does not have."""
    if metric == 'steady' or loop or entry.get('rt') is None:
        return entry['c']
    return entry['rt']


# ------------------------------------------------------------------------------------------------------ llvm-mca
def block_key(code):
    return hashlib.sha1(code).hexdigest()


class CycleModel:
    """cycles per execution of a block, from llvm-mca, cached in a JSON-lines file."""

    def __init__(self, arch, mcpu, cache_dir, mc='llvm-mc-14', mca='llvm-mca-14', jobs=2, verbose=True):
        self.t = TARGETS[arch]
        self.mcpu = mcpu
        self.mc, self.mca = mc, mca
        self.jobs = jobs
        self.verbose = verbose
        self.cache = {}
        self.cache_path = None
        if cache_dir:
            os.makedirs(cache_dir, exist_ok=True)
            tag = re.sub(r'[^A-Za-z0-9_.+-]', '_', f'{os.path.basename(mca)}-{arch}-{mcpu}-i{ITERATIONS}')
            self.cache_path = os.path.join(cache_dir, tag + '.jsonl')
            if os.path.exists(self.cache_path):
                with open(self.cache_path) as f:
                    for line in f:
                        try:
                            e = json.loads(line)
                            self.cache[e['k']] = e
                        except (ValueError, KeyError):
                            pass
        self.fallbacks = 0

    def cycles(self, codes):
        """codes: {key: bytes}. Returns {key: entry} with entry['c'] = cycles per execution."""
        todo = {k: c for k, c in codes.items() if k not in self.cache}
        if todo:
            if self.verbose:
                print(f'  llvm-mca {self.mcpu}: {len(todo)} new blocks ({len(codes) - len(todo)} cached)', file=sys.stderr)
            keys = list(todo)
            texts = self._disassemble(keys, todo)
            batches = [keys[i:i + 400] for i in range(0, len(keys), 400)]
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self.jobs)) as ex:
                for res in ex.map(lambda b: self._mca_batch(b, texts), batches):
                    self.cache.update(res)
            if self.cache_path:
                with open(self.cache_path, 'a') as f:
                    for k in keys:
                        f.write(json.dumps(self.cache[k]) + '\n')
        return {k: self.cache[k] for k in codes}

    def _disassemble(self, keys, todo):
        """One llvm-mc call per chunk; blocks are separated by a marker instruction. Returns key -> [asm lines]."""
        out = {}
        sep = ' '.join(f'0x{b:02x}' for b in self.t['sep_bytes'])
        for start in range(0, len(keys), 2000):
            chunk = keys[start:start + 2000]
            lines = []
            for k in chunk:
                lines.append(' '.join(f'0x{b:02x}' for b in todo[k]))
                lines.append(sep)
            cmd = [self.mc, '--disassemble', '-triple=' + self.t['triple']]
            if self.t['mattr']:
                cmd.append('-mattr=' + self.t['mattr'])
            r = subprocess.run(cmd, input='\n'.join(lines) + '\n', capture_output=True, text=True)
            asm = [l for l in r.stdout.splitlines() if l.strip() and not l.strip().startswith('.')]
            groups, cur = [], []
            for l in asm:
                if self.t['sep_text'].match(l):
                    strip = self.t.get('strip_trailing')
                    while strip and cur and strip.match(cur[-1]):
                        cur.pop()
                    groups.append(cur)
                    cur = []
                else:
                    cur.append(l.split(self.t['comment'])[0].strip())
            if len(groups) != len(chunk):
                if len(chunk) == 1:
                    # decoding never got back in step: keep what decoded before the separator was lost
                    groups = [cur]
                else:
                    half = len(chunk) // 2
                    out.update(self._disassemble(chunk[:half], todo))
                    out.update(self._disassemble(chunk[half:], todo))
                    continue
            out.update(zip(chunk, groups))
        return out

    def _mca_batch(self, keys, texts):
        """llvm-mca over many blocks at once (one code region each). Lines it rejects are dropped and the batch rerun."""
        bodies = {k: list(texts[k]) for k in keys}
        dropped = {k: 0 for k in keys}
        for _attempt in range(50):
            src, line_owner = [], {}
            for k in keys:
                src.append(f'# LLVM-MCA-BEGIN {k}')
                for j, l in enumerate(bodies[k]):
                    src.append(l)
                    line_owner[len(src)] = (k, j)
                src.append('# LLVM-MCA-END')
            with tempfile.NamedTemporaryFile('w', suffix='.s', delete=False) as f:
                f.write('\n'.join(src) + '\n')
                path = f.name
            try:
                r = subprocess.run([self.mca, '-mtriple=' + self.t['triple'], '-mcpu=' + self.mcpu,
                                    *(['-mattr=' + self.t['mattr']] if self.t['mattr'] else []),
                                    f'-iterations={ITERATIONS}', '-all-views=false', '-summary-view', path],
                                   capture_output=True, text=True)
            finally:
                os.unlink(path)
            if r.returncode == 0:
                return self._parse_mca(r.stdout, keys, bodies, dropped)
            bad = set()
            for m in re.finditer(r':(\d+):\d+: error', r.stderr):
                ln = int(m.group(1))
                if ln in line_owner:
                    bad.add(line_owner[ln])
            if not bad:
                # "unsupported instruction" errors name no line: find them by running each block alone.
                if len(keys) > 1:
                    res = {}
                    for k in keys:
                        res.update(self._mca_batch([k], {k: bodies[k]}))
                        res[k]['dropped'] += dropped[k]
                    return res
                k = keys[0]
                self.fallbacks += 1
                n = len(texts[k])
                return {k: {'k': k, 'c': float(n), 'n': n, 'dropped': dropped[k], 'fallback': r.stderr.strip()[:200]}}
            for k, j in sorted(bad, reverse=True):
                del bodies[k][j]
                dropped[k] += 1
        raise SystemExit('llvm-mca: too many rejected lines')

    @staticmethod
    def _parse_mca(stdout, keys, bodies, dropped):
        res = {}
        parts = re.split(r'\[\d+\] Code Region - ', stdout)
        for part in parts[1:]:
            k = part.split('\n', 1)[0].strip()
            it = re.search(r'Iterations:\s+(\d+)', part)
            cyc = re.search(r'Total Cycles:\s+(\d+)', part)
            rt = re.search(r'Block RThroughput:\s+([\d.]+)', part)
            if not (it and cyc):
                continue
            res[k] = {'k': k, 'c': int(cyc.group(1)) / int(it.group(1)), 'rt': float(rt.group(1)) if rt else None,
                      'n': len(bodies[k]), 'dropped': dropped[k]}
        for k in keys:
            if k not in res:  # an empty region (every instruction rejected) is not reported by llvm-mca
                res[k] = {'k': k, 'c': float(dropped[k]), 'n': 0, 'dropped': dropped[k], 'fallback': 'empty'}
        return res


# ------------------------------------------------------------------------------------------------------ symbols
class Symbols:
    """Function names from llvm-nm, at the load address found by matching hot blocks' bytes in the ELF file."""

    def __init__(self, binary, symfile, blocks, nm='llvm-nm-14'):
        self.addrs, self.names = [], []
        self.base = None
        if not binary or not os.path.exists(binary):
            return
        symfile = symfile if symfile and os.path.exists(symfile) else binary
        r = subprocess.run([nm, '-n', '--defined-only', symfile], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            p = line.split(None, 2)
            if len(p) == 3 and p[1] in 'tTwW':
                self.addrs.append(int(p[0], 16))
                self.names.append(p[2])
        if not self.addrs:
            return
        self.base = self._find_base(binary, blocks)

    @staticmethod
    def _find_base(binary, blocks):
        data = open(binary, 'rb').read()
        if data[:4] != b'\x7fELF' or data[4] != 2:
            return None
        phoff, = struct.unpack_from('<Q', data, 0x20)
        phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
        loads = []
        for i in range(phnum):
            p_type, _flags, off, vaddr, _pa, filesz = struct.unpack_from('<IIQQQQ', data, phoff + i * phentsize)
            if p_type == 1:
                loads.append((off, vaddr, filesz))
        votes = collections.Counter()
        hot = sorted((b for b in blocks.values() if len(b[2]) >= 24), key=lambda b: -b[3])[:40]
        for va, _n, code, _c in hot:
            at = data.find(code)
            if at < 0 or data.find(code, at + 1) >= 0:
                continue
            for off, vaddr, filesz in loads:
                if off <= at < off + filesz:
                    votes[va - (vaddr + at - off)] += 1
        return votes.most_common(1)[0][0] if votes else None

    def name(self, vaddr):
        if self.base is None:
            return None
        a = vaddr - self.base
        i = bisect.bisect_right(self.addrs, a) - 1
        return self.names[i] if i >= 0 else None


# Functions where a thread waits for work or for the other threads (spinning, yielding, blocking): left out of an
# operator's work when several threads run (their cycles are idle time on a board, not work).
WAITING = re.compile(r'WorkerPool__(Loop|WaitForAll)|SpinWait__|Thread__(Yield|Sleep|SpinWait)|WaitHandle__|'
                     r'AutoResetEvent|LowLevelLifoSemaphore|Stopwatch__GetTimestamp|Interop_Sys_(SchedYield|GetTimestamp)')


def short_symbol(name):
    """NativeAOT names are Module_Namespace_Type__Method: drop the module and the common namespace prefixes."""
    if not name:
        return '?'
    for pre in ('edgert_EdgeRuntime_Kernels_', 'edgert_EdgeRuntime_', 'edgert_', 'S_P_CoreLib_System_', 'S_P_CoreLib_'):
        if name.startswith(pre):
            name = name[len(pre):]
            break
    name = name.replace('edgert_EdgeRuntime_Kernels_', '').replace('edgert_EdgeRuntime_', '')
    return name[:80]


# ------------------------------------------------------------------------------------------------------- report
def phase_name(marker, ops):
    if marker is None:
        return '(start-up)'
    kind, frame, op = marker
    if kind == 1:
        return '(input)'
    if kind == 2:
        return f'{op}'
    if kind == 3:
        return '(frame loop)'
    return '(shutdown)'


def load_table(path):
    ops = {}
    if not path:
        return ops
    with open(path) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(header, line.rstrip('\n').split('\t')))
            ops[row['op']] = row
    return ops


def fmt_g(x):
    return f'{x / 1e9:.3f}'


def cmd_markers(a):
    trace = Trace(a.trace)
    ops = load_table(a.table)
    frames = sorted({m[1] for m, _ in trace.intervals if m is not None and m[0] in (1, 2, 3)})
    used = [f for f in frames if f >= a.skip_frames] or frames
    nfr = len(used)
    # phase -> block id -> executions summed over the used frames
    phases = collections.defaultdict(collections.Counter)
    for marker, deltas in trace.intervals:
        if marker is None or marker[0] not in (1, 2, 3) or marker[1] not in used:
            continue
        phases[phase_name(marker, ops)].update(deltas)
    ids = set()
    for c in phases.values():
        ids.update(c)
    codes = {}
    key_of = {}
    for i in ids:
        k = block_key(trace.blocks[i][2])
        key_of[i] = k
        codes[k] = trace.blocks[i][2]
    model = CycleModel(a.arch, a.mcpu, a.cache, mc=a.mc, mca=a.mca, jobs=a.jobs)
    est = model.cycles(codes)
    in_loop = loop_blocks(a.arch, trace.blocks)
    loops = {i: i in in_loop for i in ids}
    syms = Symbols(a.binary, a.symbols, {i: trace.blocks[i] for i in ids}, nm=a.nm) if a.binary else None

    rows = []
    for ph, cnt in phases.items():
        insns = cyc = wait = 0.0
        by_sym = collections.Counter()
        for i, n in cnt.items():
            b = trace.blocks[i]
            c = block_cycles(est[key_of[i]], loops[i], a.metric) * n
            insns += b[1] * n
            cyc += c
            name = syms.name(b[0]) if syms else None
            if name and WAITING.search(name):
                wait += c
            if syms:
                by_sym[short_symbol(name)] += c
        # Latency on a board with as many cores as threads: the work (waiting excluded) times the largest share of it
        # one equally fast thread gets from the operator's chunks (1 for serial phases).
        share = float(ops.get(ph, {}).get('share', 1) or 1)
        rows.append({'phase': ph, 'insns': insns / nfr, 'cycles': cyc / nfr, 'waiting': wait / nfr, 'share': share,
                     'latency': (cyc - wait) * share / nfr,
                     'top': [(s, v / nfr) for s, v in by_sym.most_common(3)]})
    total_i = sum(r['insns'] for r in rows)
    total_c = sum(r['cycles'] for r in rows)
    other = 'steady' if a.metric == 'mixed' else 'mixed'
    other_c = sum(block_cycles(est[key_of[i]], loops[i], other) * n for cnt in phases.values() for i, n in cnt.items()) / nfr
    macs = sum(int(o['macs']) for o in ops.values()) if ops else 0
    mem = sum(int(o['act_in_bytes']) + int(o['weight_bytes']) + int(o['out_bytes']) for o in ops.values()) if ops else 0
    floor = macs / a.macs_per_cycle if a.macs_per_cycle else 0
    ghz = a.ghz
    waiting = sum(r['waiting'] for r in rows)
    latency = sum(r['latency'] for r in rows)
    result = {
        'threads': a.threads, 'waiting_cycles': waiting, 'latency_cycles': latency,
        'cpu': a.cpu_label, 'mcpu': a.mcpu, 'ghz': ghz, 'frames_used': used, 'iterations': ITERATIONS,
        'metric': a.metric,
        'instructions': total_i, 'cycles': total_c, 'ipc': total_i / total_c if total_c else 0,
        'ms': total_c / (ghz * 1e6), 'macs': macs, 'floor_cycles': floor, 'floor_ms': floor / (ghz * 1e6),
        'other_metric': other, 'other_metric_cycles': other_c,
        'memory_bytes': mem, 'distinct_blocks': len(codes), 'mca_fallback_blocks': model.fallbacks,
        'symbols_base': syms.base if syms else None, 'phases': rows,
    }
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(result, f, indent=1)
    print_markers(result, ops, a)


def print_markers(r, ops, a):
    print(f"## {r['cpu']}: llvm-mca -mcpu={r['mcpu']} ({r['metric']}), {r['ghz']} GHz, frames {r['frames_used']} averaged "
          f"(the first {a.skip_frames} frame(s) skipped as warm-up)")
    print(f"per frame: {fmt_g(r['instructions'])} G instructions, {fmt_g(r['cycles'])} G cycles, IPC {r['ipc']:.2f}, "
          f"{r['ms']:.1f} ms at {r['ghz']} GHz (every load an L1 hit)")
    if r['macs']:
        print(f"MAC floor: {r['macs'] / 1e9:.3f} G MACs / {a.macs_per_cycle:g} per cycle = {fmt_g(r['floor_cycles'])} G cycles = "
              f"{r['floor_ms']:.1f} ms ({100 * r['floor_cycles'] / r['cycles']:.0f}% of the estimate); "
              f"plan memory traffic {r['memory_bytes'] / 2**20:.1f} MiB per frame")
    if r.get('threads', 1) > 1:
        lat = r['latency_cycles']
        print(f"{r['threads']} threads: work {fmt_g(r['cycles'] - r['waiting_cycles'])} G cycles summed over the threads "
              f"(+ {fmt_g(r['waiting_cycles'])} G spinning/waiting, left out); modeled frame on {r['threads']} equal cores = "
              f"sum over operators of work x largest planned share per thread = {fmt_g(lat)} G cycles, {lat / (r['ghz'] * 1e6):.1f} ms")
    print(f"with the {r['other_metric']} block metric: {fmt_g(r['other_metric_cycles'])} G cycles, "
          f"{r['other_metric_cycles'] / (r['ghz'] * 1e6):.1f} ms")
    print(f"{r['distinct_blocks']} distinct blocks, {r['mca_fallback_blocks']} estimated as 1 cycle/instruction (llvm-mca could not)")
    print()
    print('| op | name | kernel | G instr | M cycles | IPC | ms | % | MACs (M) | floor ms | MiB r+w | top functions (share of op cycles) |')
    print('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    rows = sorted(r['phases'], key=lambda x: -x['cycles'])
    for x in rows[:a.top]:
        o = ops.get(x['phase'], {})
        macs = int(o.get('macs', 0) or 0)
        mem = sum(int(o.get(k, 0) or 0) for k in ('act_in_bytes', 'weight_bytes', 'out_bytes'))
        floor_ms = macs / a.macs_per_cycle / (r['ghz'] * 1e6) if a.macs_per_cycle else 0
        top = '; '.join(f"{s} {100 * v / x['cycles']:.0f}%" for s, v in x['top'][:2]) if x['cycles'] else ''
        print(f"| {x['phase']} | {o.get('name', '')} | {o.get('kernel', '')} | {x['insns'] / 1e9:.4f} | {x['cycles'] / 1e6:.2f} | "
              f"{x['insns'] / x['cycles'] if x['cycles'] else 0:.2f} | {x['cycles'] / (r['ghz'] * 1e6):.2f} | "
              f"{100 * x['cycles'] / r['cycles']:.1f} | {macs / 1e6:.1f} | {floor_ms:.2f} | {mem / 2**20:.2f} | {top} |")
    # per operator kind
    kinds = collections.defaultdict(lambda: [0.0, 0.0, 0, 0, 0])
    for x in r['phases']:
        o = ops.get(x['phase'])
        key = f"{o['name']} / {o['kernel']}" if o else x['phase']
        k = kinds[key]
        k[0] += x['insns']
        k[1] += x['cycles']
        k[2] += 1
        if o:
            k[3] += int(o['macs'])
            k[4] += int(o['act_in_bytes']) + int(o['weight_bytes']) + int(o['out_bytes'])
    print()
    print('| operator / kernel | count | G instr | M cycles | IPC | ms | % | floor ms | MiB r+w |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for key, k in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        floor_ms = k[3] / a.macs_per_cycle / (r['ghz'] * 1e6) if a.macs_per_cycle else 0
        print(f"| {key} | {k[2]} | {k[0] / 1e9:.4f} | {k[1] / 1e6:.2f} | {k[0] / k[1] if k[1] else 0:.2f} | "
              f"{k[1] / (r['ghz'] * 1e6):.2f} | {100 * k[1] / r['cycles']:.1f} | {floor_ms:.2f} | {k[4] / 2**20:.2f} |")
    print()


def cmd_diff(a):
    ta, tb = Trace(a.trace_a), Trace(a.trace_b)
    model = CycleModel(a.arch, a.mcpu, a.cache, mc=a.mc, mca=a.mca, jobs=a.jobs)

    def per_key(t):
        # key: block bytes and whether it is a one-block loop (the same bytes elsewhere may not be)
        cnt, ins = collections.Counter(), collections.Counter()
        codes = {}
        in_loop = loop_blocks(a.arch, t.blocks)
        for i, (va, n, code, c) in t.blocks.items():
            k = (block_key(code), i in in_loop)
            codes[k] = code
            cnt[k] += c
            ins[k] += c * n
        return cnt, ins, codes

    ca, ia, codes_a = per_key(ta)
    cb, ib, codes_b = per_key(tb)
    # only blocks whose counts differ contribute to the difference
    keys = {k for k in set(ca) | set(cb) if ca[k] != cb[k]}
    codes = {k[0]: codes_b.get(k) or codes_a.get(k) for k in keys}
    est = model.cycles(codes)
    dn = a.n_b - a.n_a
    insns = sum(ib[k] - ia[k] for k in keys) / dn
    cyc = sum((cb[k] - ca[k]) * block_cycles(est[k[0]], k[1], a.metric) for k in keys) / dn
    other = 'steady' if a.metric == 'mixed' else 'mixed'
    other_c = sum((cb[k] - ca[k]) * block_cycles(est[k[0]], k[1], other) for k in keys) / dn
    r = {'cpu': a.cpu_label, 'mcpu': a.mcpu, 'ghz': a.ghz, 'instructions': insns, 'cycles': cyc,
         'ipc': insns / cyc if cyc else 0, 'ms': cyc / (a.ghz * 1e6), 'distinct_blocks': len(keys),
         'mca_fallback_blocks': model.fallbacks, 'n_a': a.n_a, 'n_b': a.n_b, 'metric': a.metric,
         'other_metric': other, 'other_metric_cycles': other_c}
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(r, f, indent=1)
    print(f"## {a.label} on {a.cpu_label}: llvm-mca -mcpu={a.mcpu} ({a.metric}), per frame = (run with {a.n_b} - run with {a.n_a}) / {dn}")
    print(f"per frame: {fmt_g(insns)} G instructions, {fmt_g(cyc)} G cycles, IPC {r['ipc']:.2f}, {r['ms']:.1f} ms at {a.ghz} GHz "
          f"(every load an L1 hit); {len(keys)} distinct blocks, {model.fallbacks} without an llvm-mca estimate")
    print(f"with the {other} block metric: {fmt_g(other_c)} G cycles, {other_c / (a.ghz * 1e6):.1f} ms")


def cmd_x64compare(a):
    """Predicted operator time vs the same operators timed natively (edgert opmarkers --times): total and per kind.
    The reference is the thread's CPU time (minimum over the frames): on this shared, loaded machine wall time
    includes time the thread waited for a core."""
    m = json.load(open(a.model_json))
    ops = load_table(a.table)
    ghz = m['ghz']
    meas = {}
    with open(a.times) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(header, line.rstrip('\n').split('\t')))
            meas[row['op']] = {k: float(v) for k, v in row.items() if k != 'op'}
    frame = meas.pop('frame')
    pred = {ph['phase']: ph for ph in m['phases'] if ph['phase'] in ops}
    cyc = sum(p['cycles'] for p in pred.values())
    insns = sum(p['insns'] for p in pred.values())
    pred_ms = cyc / (ghz * 1e6)
    ref = frame['cpu_min_ms']
    sum_cpu_min = sum(v['cpu_min_ms'] for v in meas.values())
    err = 100 * (pred_ms - ref) / ref
    err_med = 100 * (pred_ms - frame['cpu_median_ms']) / frame['cpu_median_ms']
    err_wall = 100 * (pred_ms - frame['min_ms']) / frame['min_ms']
    print(f"## x64 check of the method: {os.path.basename(a.model_name)}, 1 thread, kernels avx2 (VNNI off)")
    print(f"model: qemu-x86_64 -cpu max + llvm-mca -mcpu=znver3: {insns / 1e9:.3f} G instructions, {cyc / 1e9:.3f} G cycles, "
          f"IPC {insns / cyc:.2f}; at the measured effective clock {ghz:.2f} GHz = {pred_ms:.1f} ms per frame (operators only)")
    print(f"measured natively (same operators, {a.frames_note}): thread CPU time per frame min {ref:.1f} ms, median "
          f"{frame['cpu_median_ms']:.1f} ms (sum of per-operator minima {sum_cpu_min:.1f} ms); wall time min {frame['min_ms']:.1f} ms, "
          f"median {frame['median_ms']:.1f} ms")
    print(f"error of the model: {err:+.1f}% vs the fastest frame's CPU time ({err_med:+.1f}% vs the median, {err_wall:+.1f}% vs "
          f"the fastest wall time); negative = the model predicts less time than measured")
    print()
    kinds = collections.defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for op, o in ops.items():
        k = kinds[(o['name'], o['kernel'])]
        k[0] += pred[op]['cycles'] / (ghz * 1e6) if op in pred else 0
        k[1] += meas[op]['cpu_min_ms'] if op in meas else 0
        k[2] += meas[op]['cpu_median_ms'] if op in meas else 0
        k[3] += 1
    print('| operator / kernel | count | predicted ms | measured CPU ms (min per op) | measured CPU ms (median) | error vs min |')
    print('|---|---:|---:|---:|---:|---:|')
    for key, k in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        e = f'{100 * (k[0] - k[1]) / k[1]:+.0f}%' if k[1] > 0 else '-'
        print(f"| {key[0]} / {key[1]} | {k[3]} | {k[0]:.2f} | {k[1]:.2f} | {k[2]:.2f} | {e} |")
    print()
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'predicted_ms': pred_ms, 'measured_cpu_min_frame_ms': ref, 'measured_cpu_median_frame_ms':
                       frame['cpu_median_ms'], 'measured_wall_min_frame_ms': frame['min_ms'], 'ghz': ghz,
                       'error_pct': err, 'error_vs_median_pct': err_med, 'error_vs_wall_min_pct': err_wall}, f, indent=1)


def cmd_selftest(a):
    passed = failed = 0

    def check(name, ok, detail=''):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f'PASS: {name}')
        else:
            failed += 1
            print(f'FAIL: {name} {detail}')

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 't.out')
        with open(p, 'w') as f:
            f.write('D 0 5\nM 2 0 7\nD 0 3\nD 1 2\nM 3 0 -1\nM -1 -1 -1\n'
                    'B 0 1000 2 1f2003d51f2003d5 8\nB 1 2000 1 c0035fd6 2\nE 2\n')
        t = Trace(p)
        check('trace intervals', [m for m, _ in t.intervals] == [None, (2, 0, 7), (3, 0, -1)], str(t.intervals))
        check('trace deltas', t.intervals[1][1] == {0: 3, 1: 2}, str(t.intervals[1][1]))
        check('trace blocks', t.blocks[0][:2] == (0x1000, 2) and t.blocks[1][3] == 2, str(t.blocks))
        m = CycleModel('aarch64', a.mcpu, os.path.join(d, 'cache'), mc=a.mc, mca=a.mca, jobs=1, verbose=False)
        # 8 independent adds: 4-wide at most, so >= 2 cycles per iteration; a dependent chain of 8 adds: >= 8
        indep = b''.join(((0x91000400 | (r << 5) | r).to_bytes(4, 'little')) for r in range(8))
        chain = b''.join((0x91000400).to_bytes(4, 'little') for _ in range(8))  # add x0, x0, #1
        sdot = (0x4e829400).to_bytes(4, 'little')  # sdot v0.4s, v0.16b, v2.16b
        e = m.cycles({'indep': indep, 'chain': chain, 'sdot': sdot})
        check('llvm-mca independent adds', 1.5 <= e['indep']['c'] <= 8, str(e['indep']))
        check('llvm-mca dependent chain slower', e['chain']['c'] >= 7.5 and e['chain']['c'] > e['indep']['c'], str(e['chain']))
        check('dot product decoded and modelled', e['sdot']['n'] == 1 and 'fallback' not in e['sdot'], str(e['sdot']))
        bne = (0x54000000 | ((-9 & 0x7ffff) << 5) | 1).to_bytes(4, 'little')  # b.ne back over 9 instructions
        loop = chain + (0xf1000529).to_bytes(4, 'little') + bne  # ... subs x9, x9, #1; b.ne start
        check('one-block loop detected (aarch64)', is_self_loop('aarch64', 0x4000, loop) and not is_self_loop('aarch64', 0x4000, chain))
        x86 = bytes([0x48, 0xff, 0xc0, 0x75, 0xfb])  # inc rax; jne back to the start
        check('one-block loop detected (x86_64)', is_self_loop('x86_64', 0x1000, x86) and not is_self_loop('x86_64', 0x1000, x86[:3]))
        head = chain[:8]  # two adds at 0x4000, then the block at 0x4008 branches back to 0x4000
        tail = chain[8:] + (0xf1000529).to_bytes(4, 'little') + (0x54000000 | ((-9 & 0x7ffff) << 5) | 1).to_bytes(4, 'little')
        blocks = {0: (0x4000, 2, head, 5), 1: (0x4008, 8, tail, 5), 2: (0x5000, 8, chain, 1)}
        check('loop split over two blocks detected', loop_blocks('aarch64', blocks) == {0, 1}, str(loop_blocks('aarch64', blocks)))
        e2 = m.cycles({'loop': loop})['loop']
        check('metrics: steady for loops, RThroughput otherwise', block_cycles(e2, True, 'mixed') == e2['c'] and
              block_cycles(e['indep'], False, 'mixed') == e['indep']['rt'] and block_cycles(e['indep'], False, 'steady') == e['indep']['c'])
        m2 = CycleModel('aarch64', a.mcpu, os.path.join(d, 'cache'), mc=a.mc, mca=a.mca, jobs=1, verbose=False)
        check('cache reloads', set(m2.cache) >= {'indep', 'chain', 'sdot'}, str(list(m2.cache)))
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)

    def common(p):
        p.add_argument('--arch', default='aarch64', choices=sorted(TARGETS))
        p.add_argument('--mcpu', default='cortex-a72')
        p.add_argument('--cpu-label', default=None)
        p.add_argument('--ghz', type=float, default=1.8)
        p.add_argument('--cache', default=None)
        p.add_argument('--mc', default='llvm-mc-14')
        p.add_argument('--mca', default='llvm-mca-14')
        p.add_argument('--nm', default='llvm-nm-14')
        p.add_argument('--jobs', type=int, default=2)
        p.add_argument('--json', default=None)
        p.add_argument('--metric', default='mixed', choices=['mixed', 'steady'],
                       help='cycles per block execution (see block_cycles)')

    p = sub.add_parser('markers')
    common(p)
    p.add_argument('--trace', required=True)
    p.add_argument('--table', default=None)
    p.add_argument('--binary', default=None)
    p.add_argument('--symbols', default=None)
    p.add_argument('--skip-frames', type=int, default=1)
    p.add_argument('--macs-per-cycle', type=float, default=0)
    p.add_argument('--top', type=int, default=15)
    p.add_argument('--threads', type=int, default=1)
    p = sub.add_parser('diff')
    common(p)
    p.add_argument('--trace-a', required=True)
    p.add_argument('--trace-b', required=True)
    p.add_argument('--n-a', type=int, required=True)
    p.add_argument('--n-b', type=int, required=True)
    p.add_argument('--label', default='command')
    p = sub.add_parser('x64compare')
    p.add_argument('--model-json', required=True)
    p.add_argument('--times', required=True)
    p.add_argument('--table', required=True)
    p.add_argument('--model-name', default='')
    p.add_argument('--frames-note', default='')
    p.add_argument('--json', default=None)
    p = sub.add_parser('selftest')
    common(p)
    a = ap.parse_args()
    if hasattr(a, 'cpu_label') and a.cpu_label is None:
        a.cpu_label = a.mcpu
    if a.cmd == 'markers':
        cmd_markers(a)
    elif a.cmd == 'x64compare':
        cmd_x64compare(a)
    elif a.cmd == 'diff':
        cmd_diff(a)
    else:
        sys.exit(cmd_selftest(a))


if __name__ == '__main__':
    main()
