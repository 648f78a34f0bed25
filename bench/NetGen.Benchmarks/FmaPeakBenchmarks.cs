using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// The machine's float multiply-add peak, measured in the same run as <see cref="BatchedInference_784_128_10"/> so that
/// the batched rows' GFLOP/s can be read against it: twelve independent accumulators (more than an FMA unit's latency
/// times its throughput on current x64 cores, so no multiply-add waits for the one before it), each updated by one fused
/// multiply-add per iteration, on one thread or split over two.
/// </summary>
/// <remarks>
/// Every row performs exactly <see cref="Flops"/> operations (a fused multiply-add is two per lane): the 256-bit row runs
/// twice the iterations of the 512-bit one. The accumulators' sum is returned, so the loop cannot be removed, and the
/// multiplier and addend come from fields, so nothing folds. The 512-bit row needs <see cref="Vector512.IsHardwareAccelerated"/>;
/// where it is not (no AVX-512, or <c>DOTNET_EnableAVX512=0</c> as in the "Vector256 only" job of <c>--both-widths</c>)
/// its setup fails with a message saying so and the row shows NA.
/// </remarks>
[BenchmarkCategory("inference", "batched", "peak")]
[FlopsPerOperation(Flops)]
public class FmaPeak
{
    /// <summary>Floating-point operations per benchmark operation, on every row.</summary>
    public const long Flops = 2L * Accumulators * 16 * Iterations512;

    private const int Accumulators = 12;

    // 512-bit iterations per operation (the 256-bit rows run twice as many): about a millisecond of work, so waking the
    // second thread is a small part of an operation.
    private const long Iterations512 = 1L << 18;

    private float _multiplier = 0.9999999f;
    private float _addend = 1e-7f;
    private Partner? _partner;

    /// <summary>Threads sharing the operation's iterations equally.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Checks the 256-bit fused multiply-add is in hardware and starts the second thread.</summary>
    [GlobalSetup(Target = nameof(Vector256Fma))]
    public void SetupVector256()
    {
        if (!Vector256.IsHardwareAccelerated || !Fma.IsSupported)
        {
            throw new NotSupportedException("Vector256 fused multiply-add is not accelerated on this host (no AVX2 and FMA): no 256-bit peak.");
        }

        Start();
    }

    /// <summary>Checks the 512-bit fused multiply-add is in hardware and starts the second thread.</summary>
    [GlobalSetup(Target = nameof(Vector512Fma))]
    public void SetupVector512()
    {
        if (!Vector512.IsHardwareAccelerated || !Avx512F.IsSupported)
        {
            throw new NotSupportedException("Vector512 is not hardware accelerated in this process (no AVX-512, or DOTNET_EnableAVX512=0): no 512-bit peak.");
        }

        Start();
    }

    /// <summary>Stops the second thread.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _partner?.Dispose();
        _partner = null;
    }

    /// <summary>256-bit fused multiply-adds.</summary>
    [Benchmark(Baseline = true, Description = "FMA peak, Vector256")]
    public float Vector256Fma() => Run(wide: false);

    /// <summary>512-bit fused multiply-adds.</summary>
    [Benchmark(Description = "FMA peak, Vector512")]
    public float Vector512Fma() => Run(wide: true);

    private void Start()
    {
        _partner = Threads == 2 ? new Partner() : null;
        // One call before measuring checks the loop is well-formed (a finite sum).
        if (!float.IsFinite(Run(wide: false)))
        {
            throw new InvalidOperationException("the FMA loop's sum is not finite");
        }
    }

    private float Run(bool wide)
    {
        long iterations = wide ? Iterations512 : 2 * Iterations512;
        if (_partner is null)
        {
            return Loop(wide, iterations, _multiplier, _addend);
        }

        _partner.Begin(wide, iterations / 2, _multiplier, _addend);
        float mine = Loop(wide, iterations / 2, _multiplier, _addend);
        return mine + _partner.End();
    }

    private static float Loop(bool wide, long iterations, float multiplier, float addend) =>
        wide ? Loop512(iterations, multiplier, addend) : Loop256(iterations, multiplier, addend);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations, float multiplier, float addend)
    {
        var a = Vector256.Create(multiplier);
        var b = Vector256.Create(addend);
        Vector256<float> s0 = b, s1 = b, s2 = b, s3 = b, s4 = b, s5 = b, s6 = b, s7 = b, s8 = b, s9 = b, s10 = b, s11 = b;
        for (long i = 0; i < iterations; i++)
        {
            s0 = Vector256.FusedMultiplyAdd(s0, a, b);
            s1 = Vector256.FusedMultiplyAdd(s1, a, b);
            s2 = Vector256.FusedMultiplyAdd(s2, a, b);
            s3 = Vector256.FusedMultiplyAdd(s3, a, b);
            s4 = Vector256.FusedMultiplyAdd(s4, a, b);
            s5 = Vector256.FusedMultiplyAdd(s5, a, b);
            s6 = Vector256.FusedMultiplyAdd(s6, a, b);
            s7 = Vector256.FusedMultiplyAdd(s7, a, b);
            s8 = Vector256.FusedMultiplyAdd(s8, a, b);
            s9 = Vector256.FusedMultiplyAdd(s9, a, b);
            s10 = Vector256.FusedMultiplyAdd(s10, a, b);
            s11 = Vector256.FusedMultiplyAdd(s11, a, b);
        }

        return Vector256.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations, float multiplier, float addend)
    {
        var a = Vector512.Create(multiplier);
        var b = Vector512.Create(addend);
        Vector512<float> s0 = b, s1 = b, s2 = b, s3 = b, s4 = b, s5 = b, s6 = b, s7 = b, s8 = b, s9 = b, s10 = b, s11 = b;
        for (long i = 0; i < iterations; i++)
        {
            s0 = Vector512.FusedMultiplyAdd(s0, a, b);
            s1 = Vector512.FusedMultiplyAdd(s1, a, b);
            s2 = Vector512.FusedMultiplyAdd(s2, a, b);
            s3 = Vector512.FusedMultiplyAdd(s3, a, b);
            s4 = Vector512.FusedMultiplyAdd(s4, a, b);
            s5 = Vector512.FusedMultiplyAdd(s5, a, b);
            s6 = Vector512.FusedMultiplyAdd(s6, a, b);
            s7 = Vector512.FusedMultiplyAdd(s7, a, b);
            s8 = Vector512.FusedMultiplyAdd(s8, a, b);
            s9 = Vector512.FusedMultiplyAdd(s9, a, b);
            s10 = Vector512.FusedMultiplyAdd(s10, a, b);
            s11 = Vector512.FusedMultiplyAdd(s11, a, b);
        }

        return Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11)));
    }

    /// <summary>A second thread that runs its half of an operation when told; allocation-free per operation.</summary>
    private sealed class Partner : IDisposable
    {
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private readonly Thread _thread;
        private bool _wide;
        private long _iterations;
        private float _multiplier;
        private float _addend;
        private float _result;
        private volatile bool _stopping;

        public Partner()
        {
            _thread = new Thread(Work) { IsBackground = true, Name = "FmaPeak partner" };
            _thread.Start();
        }

        public void Begin(bool wide, long iterations, float multiplier, float addend)
        {
            (_wide, _iterations, _multiplier, _addend) = (wide, iterations, multiplier, addend);
            _start.Release();
        }

        public float End()
        {
            _done.Wait();
            return _result;
        }

        public void Dispose()
        {
            _stopping = true;
            _start.Release();
            _thread.Join();
            _start.Dispose();
            _done.Dispose();
        }

        private void Work()
        {
            while (true)
            {
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                _result = Loop(_wide, _iterations, _multiplier, _addend);
                _done.Release();
            }
        }
    }
}
