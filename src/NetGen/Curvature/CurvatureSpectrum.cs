using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Curvature;

/// <summary>
/// Records the curvature spectrum while a network trains: an <see cref="EpochHook"/> that, at the end of every
/// <see cref="EveryEpochs"/>-th epoch, finds the top <see cref="Count"/> eigenvalues of the exact Hessian and of the
/// Gauss–Newton matrix by <see cref="Lanczos"/> and their traces by <see cref="HutchinsonTrace"/>, over a fixed seeded
/// sample of the training set. Columns in <see cref="EpochRecord.Measurements"/>: <c>hessian_eig1</c> …
/// <c>hessian_eigk</c> (largest first), <c>hessian_trace</c>, <c>hessian_trace_se</c>, and the same with
/// <c>gauss_newton_</c>.
/// </summary>
/// <remarks>
/// Cost per recorded epoch, per kind: up to <see cref="MaxLanczosSteps"/> products for the eigenvalues (fewer once
/// they converge) and <see cref="TraceProbes"/> for the trace, each over the <see cref="SampleCount"/> samples; memory
/// steps × P doubles for the Lanczos basis. The products use the whole network (no dropout).
/// </remarks>
public sealed class CurvatureSpectrum : EpochHook
{
    /// <summary>k, the eigenvalues recorded per kind; 3 by default, at least 1.</summary>
    public int Count
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Count), value, "Count must be at least 1.");
    } = 3;

    /// <summary>Which curvatures to record; both by default.</summary>
    public IReadOnlyList<CurvatureKind> Kinds { get; init; } = [CurvatureKind.Hessian, CurvatureKind.GaussNewton];

    /// <summary>Hutchinson probes for each trace; 10 by default; 0 records no trace.</summary>
    public int TraceProbes
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(TraceProbes), value, "TraceProbes must not be negative.");
    } = 10;

    /// <summary>The most Lanczos steps per spectrum; by default <see cref="Lanczos"/>'s own (2k + 20, at least 40).</summary>
    public int? MaxLanczosSteps { get; init; }

    /// <summary>The samples the curvature is taken over: this many, drawn once per run (seeded) from the training set;
    /// 512 by default; null for all of them.</summary>
    public int? SampleCount { get; init; } = 512;

    /// <summary>Record after every this many epochs; 1 by default.</summary>
    public int EveryEpochs
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(EveryEpochs), value, "EveryEpochs must be at least 1.");
    } = 1;

    /// <summary>Seed of the sample, the Lanczos start vectors and the probes.</summary>
    public ulong Seed { get; init; } = 1;

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant($"curvature spectrum (top {Count}, every {EveryEpochs} epochs)");

    /// <summary>The measurement name of eigenvalue <paramref name="rank"/> (1 the largest) of <paramref name="kind"/>.</summary>
    /// <param name="kind">The curvature.</param>
    /// <param name="rank">1-based rank.</param>
    public static string EigenvalueName(CurvatureKind kind, int rank) => Prefix(kind) + "eig" + rank.ToString(CultureInfo.InvariantCulture);

    /// <summary>The measurement name of the trace estimate of <paramref name="kind"/>.</summary>
    /// <param name="kind">The curvature.</param>
    public static string TraceName(CurvatureKind kind) => Prefix(kind) + "trace";

    /// <inheritdoc/>
    public override IEpochHookState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Kinds is null || Kinds.Count == 0)
        {
            throw new ArgumentException("Kinds is empty; name at least one curvature to record.", nameof(spec));
        }

        foreach (var kind in Kinds)
        {
            if (!Enum.IsDefined(kind))
            {
                throw new ArgumentException($"Kinds holds {(int)kind}, which is not a CurvatureKind.", nameof(spec));
            }
        }

        if (SampleCount is < 1)
        {
            throw new ArgumentException($"SampleCount is {SampleCount}; at least 1, or null for the whole training set.", nameof(spec));
        }

        return new State<T>(this);
    }

    private static string Prefix(CurvatureKind kind) => kind == CurvatureKind.Hessian ? "hessian_" : "gauss_newton_";

    private sealed class State<T>(CurvatureSpectrum settings) : IEpochHookState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private CurvatureOperator<T>? _operator;

        public void Start(EpochHookContext<T> context)
        {
            if (context.Network is not ISecondOrderNetwork<T> network)
            {
                throw new NotSupportedException($"The curvature spectrum needs curvature products; the network {context.Network.Spec} does not implement ISecondOrderNetwork<T>.");
            }

            Dataset<T> sample = context.Train;
            if (settings.SampleCount is { } count && count < sample.Count)
            {
                var order = new int[sample.Count];
                for (int i = 0; i < order.Length; i++)
                {
                    order[i] = i;
                }

                new SeededRandom(settings.Seed).Shuffle(order.AsSpan());
                sample = sample.Subset(order.AsSpan(0, count));
            }

            _operator = new CurvatureOperator<T>(network, sample);
        }

        public void EndEpoch(EpochHookContext<T> context)
        {
            if (context.Epoch % settings.EveryEpochs != 0)
            {
                return;
            }

            var curvature = _operator!;
            foreach (var kind in settings.Kinds)
            {
                curvature.Kind = kind;
                var spectrum = Lanczos.Run(curvature, new LanczosOptions { Count = settings.Count, MaxSteps = settings.MaxLanczosSteps, Seed = settings.Seed });
                for (int r = 0; r < spectrum.Eigenvalues.Length; r++)
                {
                    context.Record(EigenvalueName(kind, r + 1), spectrum.Eigenvalues[r]);
                }

                if (settings.TraceProbes > 0)
                {
                    var trace = HutchinsonTrace.Estimate(curvature, settings.TraceProbes, settings.Seed);
                    context.Record(TraceName(kind), trace.Value);
                    context.Record(TraceName(kind) + "_se", trace.StandardError);
                }
            }
        }
    }
}
