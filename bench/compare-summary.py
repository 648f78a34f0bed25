#!/usr/bin/env python3
"""Summarises bench/compare-commits.sh output: for every row both commits ran, the median over the rounds of
new/old (each ratio taken within one round), and every row of the new commit with its median time over the rounds.
Usage: bench/compare-summary.py bench/results/compare-<old>-<new>"""
import glob, html, os, re, statistics, sys

CHARACTERISTICS = {'Arguments', 'EnvironmentVariables', 'IterationCount', 'LaunchCount', 'WarmupCount', 'Runtime', 'Toolchain'}
UNITS = {'ns': 1.0, 'μs': 1e3, 'us': 1e3, 'ms': 1e6, 's': 1e9}


def parse(path):
    """Rows of one BenchmarkDotNet GitHub report: {(class, method, params): (median ns, allocated)}."""
    cls = os.path.basename(path).split('-report')[0].replace('NetGen.Benchmarks.', '')
    rows, header = {}, None
    for line in open(path, encoding='utf-8'):
        if not line.startswith('|'):
            continue
        cells = [html.unescape(c.strip().replace('**', '')).strip("'") for c in line.strip().strip('|').split('|')]
        if header is None:
            header = cells
            continue
        if set(cells[0]) <= set('-: ') or not cells[0]:
            continue
        row = dict(zip(header, cells))
        stats = header.index('Mean')
        # Parameters, and the job where a run has several (--both-widths); not the job's other characteristics.
        params = tuple(f'{h}={row[h]}' for h in header[1:stats]
                       if h not in CHARACTERISTICS and not (h == 'Job' and row[h] in ('ShortRun', 'DefaultJob', 'Dry')))
        parts = row['Median'].replace(',', '').split()
        if len(parts) != 2:
            continue  # NA: a row that did not run on this host (Vector512 in the Vector256-only job)
        value, unit = parts
        rows[(cls, row['Method'], params)] = (float(value) * UNITS[unit], row.get('Allocated', ''))
    return rows


def rounds(folder, which):
    result = []
    for run in sorted(glob.glob(os.path.join(folder, f'{which}-run*'))):
        merged = {}
        for report in glob.glob(os.path.join(run, '*-report-github.md')):
            merged.update(parse(report))
        result.append(merged)
    return result


def show(ns):
    for unit, scale in (('ms', 1e6), ('µs', 1e3)):
        if ns >= scale:
            return f'{ns / scale:,.3g} {unit}' if ns < 100 * scale else f'{ns / scale:,.0f} {unit}'
    return f'{ns:.3g} ns'


def main(folder):
    old, new = rounds(folder, 'old'), rounds(folder, 'new')
    print('| benchmark | row | old (median) | new (median) | new / old per round | median |')
    print('|---|---|---|---|---|---|')
    for key in sorted(new[0]):
        if not all(key in r for r in old + new):
            continue
        ratios = [n[key][0] / o[key][0] for o, n in zip(old, new)]
        name = key[0] + (' ' + ', '.join(key[2]) if key[2] else '')
        print(f'| {name} | {key[1]} | {show(statistics.median(o[key][0] for o in old))} | '
              f'{show(statistics.median(n[key][0] for n in new))} | {" / ".join(f"{r:.3f}" for r in ratios)} | '
              f'**{statistics.median(ratios):.3f}** |')
    print()
    print('| benchmark | row | median over rounds | allocated |')
    print('|---|---|---|---|')
    for key in sorted(new[0]):
        values = [r[key][0] for r in new if key in r]
        name = key[0] + (' ' + ', '.join(key[2]) if key[2] else '')
        print(f'| {name} | {key[1]} | {show(statistics.median(values))} | {new[0][key][1]} |')


if __name__ == '__main__':
    main(sys.argv[1])
