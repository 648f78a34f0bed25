#!/usr/bin/env python3
"""The targets of issues 6 and 19 from the new commit's full runs in a bench/compare-commits.sh folder: each figure
taken within one run, then the median over the runs. Usage: bench/targets.py bench/results/compare-<old>-<new>"""
import importlib.util, os, statistics, sys

spec = importlib.util.spec_from_file_location('summary', os.path.join(os.path.dirname(__file__), 'compare-summary.py'))
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)

FLOPS_784_128_10 = 2 * (784 * 128 + 128 * 10)  # multiply-adds of one sample, counted as two operations
PEAK_FLOPS = 100_663_296                       # what one FmaPeak call computes (bench/NetGen.Benchmarks/FmaPeakBenchmarks.cs)


def t(run, cls, row, *params):
    return run[(cls, row, tuple(params))][0]


def main(folder):
    runs = summary.rounds(folder, 'new')
    B = 'BatchedInference_784_128_10'
    Q1, Q2 = 'QuantizedInference_784_128_10', 'QuantizedInference_784_256_128_10'
    TR = 'Training_784_128_10'
    targets = [
        ('2-4-1 inference ≤ 12 ns', lambda r: t(r, 'Inference_2_4_1', 'NetGen generated'), 'ns', lambda v: v <= 12),
        ('8-16-1 tanh inference ≤ 20 ns', lambda r: t(r, 'Inference_8_16_1', 'NetGen generated'), 'ns', lambda v: v <= 20),
        ('64-32-10 inference ≥ 30× ONNX Runtime', lambda r: t(r, 'Inference_64_32_10', 'ONNX Runtime') / t(r, 'Inference_64_32_10', 'NetGen generated'), '×', lambda v: v >= 30),
        ('784-128-10 inference ≥ 2× ONNX Runtime', lambda r: t(r, 'Inference_784_128_10', 'ONNX Runtime') / t(r, 'Inference_784_128_10', 'NetGen generated'), '×', lambda v: v >= 2),
        ('784-256-128-10 inference ≥ 2× ONNX Runtime', lambda r: t(r, 'Inference_784_256_128_10', 'ONNX Runtime') / t(r, 'Inference_784_256_128_10', 'NetGen generated'), '×', lambda v: v >= 2),
        ('784-128-10 generated / weight-reading floor', lambda r: t(r, 'Inference_784_128_10', 'NetGen generated') / t(r, 'Inference_784_128_10', '(floor: read the weights once)'), '×', None),
        ('training b32 ≥ 1.5× TorchSharp', lambda r: t(r, TR, 'TorchSharp', 'BatchSize=32') / t(r, TR, 'NetGen generated', 'BatchSize=32'), '×', lambda v: v >= 1.5),
        ('training b128 ≥ 1.1× TorchSharp', lambda r: t(r, TR, 'TorchSharp', 'BatchSize=128') / t(r, TR, 'NetGen generated', 'BatchSize=128'), '×', lambda v: v >= 1.1),
        ('training b128, 2 threads ≥ 1.7× one', lambda r: t(r, TR, 'NetGen generated', 'BatchSize=128') / t(r, TR, 'NetGen generated, 2 threads', 'BatchSize=128'), '×', lambda v: v >= 1.7),
        ('XOR full-batch step ≤ 0.2 µs', lambda r: t(r, 'Training_Xor_2_4_1', 'NetGen generated'), 'ns', lambda v: v <= 200),
        ('generated ≥ 5× interpreted: 2-4-1 inference', lambda r: t(r, 'Inference_2_4_1', 'NetGen interpreted') / t(r, 'Inference_2_4_1', 'NetGen generated'), '×', lambda v: v >= 5),
        ('generated ≥ 5× interpreted: 8-16-1 inference', lambda r: t(r, 'Inference_8_16_1', 'NetGen interpreted') / t(r, 'Inference_8_16_1', 'NetGen generated'), '×', lambda v: v >= 5),
        ('generated ≥ 5× interpreted: 64-32-10 inference', lambda r: t(r, 'Inference_64_32_10', 'NetGen interpreted') / t(r, 'Inference_64_32_10', 'NetGen generated'), '×', lambda v: v >= 5),
        ('generated ≥ 5× interpreted: XOR step', lambda r: t(r, 'Training_Xor_2_4_1', 'NetGen interpreted') / t(r, 'Training_Xor_2_4_1', 'NetGen generated'), '×', lambda v: v >= 5),
        ('generated ≥ 5× interpreted: H·v 64-32-10', lambda r: t(r, 'HessianVectorProduct', 'NetGen interpreted', 'Shape=64-32-10') / t(r, 'HessianVectorProduct', 'NetGen generated', 'Shape=64-32-10'), '×', lambda v: v >= 5),
        ('generated ≥ 1.5× interpreted: 784-128-10 inference', lambda r: t(r, 'Inference_784_128_10', 'NetGen interpreted') / t(r, 'Inference_784_128_10', 'NetGen generated'), '×', lambda v: v >= 1.5),
        ('generated ≥ 1.5× interpreted: 784-128-10 training b32', lambda r: t(r, TR, 'NetGen interpreted', 'BatchSize=32') / t(r, TR, 'NetGen generated', 'BatchSize=32'), '×', lambda v: v >= 1.5),
        ('generated ≥ 1.5× interpreted: H·v 784-128-10', lambda r: t(r, 'HessianVectorProduct', 'NetGen interpreted', 'Shape=784-128-10') / t(r, 'HessianVectorProduct', 'NetGen generated', 'Shape=784-128-10'), '×', lambda v: v >= 1.5),
    ]
    for name, cls in (('784-128-10', Q1), ('784-256-128-10', Q2)):
        targets += [
            (f'{name} int8 weights ≥ 3× ONNX Runtime float', lambda r, c=cls: t(r, c, 'ONNX Runtime float') / t(r, c, 'NetGen int8 weights (generated)'), '×', lambda v: v >= 3),
            (f'{name} int8 weights ≥ 1.7× NetGen float', lambda r, c=cls: t(r, c, 'NetGen float (generated)') / t(r, c, 'NetGen int8 weights (generated)'), '×', lambda v: v >= 1.7),
            (f'{name} bf16 weights ≥ 1.5× NetGen float', lambda r, c=cls: t(r, c, 'NetGen float (generated)') / t(r, c, 'NetGen bf16 weights (generated)'), '×', lambda v: v >= 1.5),
            (f'{name} full int8 faster than ONNX Runtime full int8', lambda r, c=cls: t(r, c, 'ONNX Runtime full int8') / t(r, c, 'NetGen full int8'), '×', lambda v: v > 1),
            (f'{name} int8 weights faster than ONNX Runtime int8 weights', lambda r, c=cls: t(r, c, 'ONNX Runtime int8 weights') / t(r, c, 'NetGen int8 weights (generated)'), '×', lambda v: v > 1),
            (f'{name} on 256-bit vectors: int8 weights / NetGen float', lambda r, c=cls: t(r, c, 'NetGen float (generated)', 'Job=Vector256 only') / t(r, c, 'NetGen int8 weights (generated)', 'Job=Vector256 only'), '×', None),
        ]
    for batch in (64, 1024):
        p = (f'BatchSize={batch}', 'Threads=1')
        targets.append((f'batched b{batch}: ONNX Runtime / NetGen (≥ {"1.3" if batch == 64 else "1"}×)',
                        lambda r, p=p: t(r, B, 'ONNX Runtime, batched', *p) / t(r, B, 'NetGen generated, batched', *p), '×',
                        (lambda v: v >= 1.3) if batch == 64 else (lambda v: v >= 1)))
        targets.append((f'batched b{batch}: NetGen GFLOP/s, 1 thread', lambda r, p=p, b=batch: FLOPS_784_128_10 * b / t(r, B, 'NetGen generated, batched', *p), 'GFLOP/s', None))
        targets.append((f'batched b{batch}: ONNX Runtime GFLOP/s, 1 thread', lambda r, p=p, b=batch: FLOPS_784_128_10 * b / t(r, B, 'ONNX Runtime, batched', *p), 'GFLOP/s', None))
    targets += [
        ('batched b1024: 2 threads ≥ 1.8× one', lambda r: t(r, B, 'NetGen generated, batched', 'BatchSize=1024', 'Threads=1') / t(r, B, 'NetGen generated, batched', 'BatchSize=1024', 'Threads=2'), '×', lambda v: v >= 1.8),
        ('FMA peak, Vector512, 1 thread', lambda r: PEAK_FLOPS / t(r, 'FmaPeak', 'FMA peak, Vector512', 'Threads=1'), 'GFLOP/s', None),
        ('FMA peak, Vector256, 1 thread', lambda r: PEAK_FLOPS / t(r, 'FmaPeak', 'FMA peak, Vector256', 'Threads=1'), 'GFLOP/s', None),
    ]
    print('| target | ' + ' / '.join(f'run {i + 1}' for i in range(len(runs))) + ' | median | met |')
    print('|---|---|---:|---|')
    for name, figure, unit, met in targets:
        try:
            values = [figure(r) for r in runs]
        except KeyError as missing:
            print(f'| {name} | not measured ({missing}) | | |')
            continue
        median = statistics.median(values)
        fmt = (lambda v: f'{v:.2f}×') if unit == '×' else (lambda v: f'{v:.1f} ns') if unit == 'ns' else (lambda v: f'{v:.0f}')
        print(f'| {name} | {" / ".join(fmt(v) for v in values)} | **{fmt(median)}**{"" if unit in ("×", "ns") else " " + unit} | '
              f'{"" if met is None else ("yes" if met(median) else "no")} |')


if __name__ == '__main__':
    main(sys.argv[1])
