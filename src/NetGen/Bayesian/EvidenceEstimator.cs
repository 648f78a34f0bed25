using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Curvature;
using NetGen.Data;

namespace NetGen.Bayesian;

/// <summary>How the effective number of parameters γ is computed.</summary>
public enum EffectiveParameterMethod
{
    /// <summary><see cref="Exact"/> up to <see cref="EvidenceOptions.DenseThreshold"/> parameters, otherwise
    /// <see cref="Stochastic"/>.</summary>
    Auto = 0,

    /// <summary>The dense Gauss–Newton matrix from P products, then one Cholesky factorisation: P products, P² doubles,
    /// about P³/2 multiply–adds.</summary>
    Exact = 1,

    /// <summary>Hutchinson's estimator with a conjugate-gradient solve per probe: probes × iterations products, a few
    /// vectors of P doubles, no P × P matrix.</summary>
    Stochastic = 2,
}

/// <summary>Settings of the evidence re-estimation (<see cref="EvidenceEstimator{T}"/>,
/// <see cref="BayesianRegularization"/>).</summary>
public sealed record EvidenceOptions
{
    /// <summary>How γ is computed; <see cref="EffectiveParameterMethod.Auto"/> by default.</summary>
    public EffectiveParameterMethod Method { get; init; } = EffectiveParameterMethod.Auto;

    /// <summary>Under <see cref="EffectiveParameterMethod.Auto"/>, the largest P computed exactly; 2,000 by default
    /// (a 32 MB matrix).</summary>
    public int DenseThreshold { get; init; } = 2000;

    /// <summary>Hutchinson probes of the stochastic estimate; 30 by default.</summary>
    public int Probes { get; init; } = 30;

    /// <summary>Each probe's conjugate-gradient solve; relative residual 1e-4 and at most 100 products by default.</summary>
    public ConjugateGradientOptions Solver { get; init; } = new() { Tolerance = 1e-4, MaxIterations = 100 };

    /// <summary>Seed of the probes (the same probes at every re-estimation, so α moves with the network, not with the
    /// draw).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The most samples the curvature and the loss run over: the first this many of the training set; all by
    /// default.</summary>
    public int? SampleLimit { get; init; }

    internal void Validate()
    {
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentException($"Method {(int)Method} is not an EffectiveParameterMethod.", nameof(Method));
        }

        if (DenseThreshold is < 1 or > NetGen.Training.NewtonOptimizer.MaximumDenseParameterCount)
        {
            throw new ArgumentException($"DenseThreshold is {DenseThreshold}; it must be from 1 to {NetGen.Training.NewtonOptimizer.MaximumDenseParameterCount}.", nameof(DenseThreshold));
        }

        if (Probes < 1)
        {
            throw new ArgumentException($"Probes is {Probes}; at least 1.", nameof(Probes));
        }

        ArgumentNullException.ThrowIfNull(Solver, nameof(Solver));
        Solver.Validate();
        if (SampleLimit is < 1)
        {
            throw new ArgumentException($"SampleLimit is {SampleLimit}; at least 1, or null for all samples.", nameof(SampleLimit));
        }
    }
}

/// <summary>One re-estimation of the hyperparameters by the evidence framework.</summary>
/// <param name="Gamma">γ, the effective number of parameters, between 0 and the number of weights.</param>
/// <param name="GammaStandardError">The standard error of a stochastic γ; 0 when exact.</param>
/// <param name="Alpha">α = γ / Σw², the weight prior's precision.</param>
/// <param name="Beta">β = (N − γ) / Σ(y − a)², the noise precision, for a squared-error loss (N = samples × outputs);
/// null for the cross-entropies, whose likelihood has no noise level.</param>
/// <param name="L2">The trainer's L2 strength the new α and β correspond to: α/β for a squared error, α otherwise.</param>
/// <param name="MeanLoss">The mean data loss C₀ at the current parameters.</param>
/// <param name="SumOfSquaredWeights">Σw² over the weights (biases excluded).</param>
/// <param name="Products">The curvature products the estimate took.</param>
/// <param name="LogEvidence">ln p(D | α, β) of the Laplace approximation at the current parameters, up to a constant
/// that depends only on the architecture and the data (the improper prior of the biases, the network's symmetries):
/// −αE_W − βE_D − ½ ln det A + (P_w/2) ln α + (N/2) ln(β/2π) (the β terms for a squared error only; E_D the
/// negative log-likelihood otherwise). Comparable between minima of the same network on the same data, which is what
/// <see cref="BayesianRegularization"/> uses it for; NaN when γ was estimated stochastically.</param>
public sealed record EvidenceEstimate(double Gamma, double GammaStandardError, double Alpha, double? Beta, double L2, double MeanLoss, double SumOfSquaredWeights, long Products, double LogEvidence = double.NaN);

/// <summary>One re-estimation of per-layer prior precisions (<see cref="EvidenceEstimator{T}.ReestimatePerLayer"/>).</summary>
/// <param name="Gamma">γ_l per dense layer; their sum is the network's γ.</param>
/// <param name="Alpha">α_l = γ_l / Σ_{w ∈ l} w² per layer.</param>
/// <param name="Beta">The noise precision (squared error), or null.</param>
/// <param name="L2">The next L2 strength of each layer: α_l/β, or α_l.</param>
/// <param name="MeanLoss">The mean data loss C₀.</param>
/// <param name="Products">The curvature products the estimate took.</param>
/// <param name="LogEvidence">ln p(D | α, β) up to the same constant as <see cref="EvidenceEstimate.LogEvidence"/>; NaN
/// when γ was estimated.</param>
public sealed record LayerEvidenceEstimate(
    IReadOnlyList<double> Gamma, IReadOnlyList<double> Alpha, double? Beta, IReadOnlyList<double> L2, double MeanLoss, long Products, double LogEvidence);

/// <summary>
/// MacKay's evidence framework for a network trained with NetGen's L2 penalty: re-estimates the weight prior's
/// precision α and, for a squared-error loss, the noise precision β from the effective number of parameters γ.
/// </summary>
/// <remarks>
/// <para>
/// The trainer minimises C₀ + (λ/2n)Σw² with C₀ the mean loss. Multiplied by βn this is MacKay's β E_D + α E_W with
/// E_D = n C₀ (for the squared error ½Σ(y − a)²), E_W = ½Σw² and α = βλ; for a cross-entropy β = 1 and α = λ. The
/// posterior precision is then A = βn (G + τD) with τ = λ/n, G the Gauss–Newton matrix of C₀ and D the weight mask,
/// and γ = P_w − τ·tr(D (G + τD)⁻¹) does not depend on β (<see cref="EffectiveParameters"/>). The fixed-point updates
/// are α = γ / (2 E_W) and β = (N − γ) / (2 E_D); the next λ is α/β (regression) or α (classification).
/// </para>
/// <para>Memory: the dense method holds P² doubles (allocated on the first re-estimation); the stochastic one a few
/// vectors of P doubles. Both hold one <see cref="CurvatureOperator{T}"/>.</para>
/// </remarks>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class EvidenceEstimator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CurvatureOperator<T> _operator;
    private readonly EvidenceOptions _options;
    private readonly double[] _mask;
    private readonly bool _exact;
    private readonly bool _squaredError;
    private double[]? _matrix;

    /// <summary>Creates the estimator for <paramref name="network"/> trained on <paramref name="train"/>.</summary>
    /// <param name="network">The network; its current parameters are used at every re-estimation.</param>
    /// <param name="train">The training set (its size n is the one the trainer scales λ by).</param>
    /// <param name="options">The method; defaults if null.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the data do not fit the network.</exception>
    public EvidenceEstimator(ISecondOrderNetwork<T> network, Dataset<T> train, EvidenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new EvidenceOptions();
        options.Validate();
        CurvatureOperator<T>.CheckData(network.Spec, train, nameof(train));
        _options = options;
        TrainingSetSize = train.Count;
        var samples = options.SampleLimit is { } limit && limit < train.Count ? train.Subset(Range(limit)) : train;
        _operator = new CurvatureOperator<T>(network, samples, CurvatureKind.GaussNewton);
        _mask = EffectiveParameters.WeightMask(network.Spec);
        int p = network.Spec.ParameterCount;
        _exact = options.Method switch
        {
            EffectiveParameterMethod.Exact => true,
            EffectiveParameterMethod.Stochastic => false,
            _ => p <= options.DenseThreshold,
        };
        if (_exact && p > NetGen.Training.NewtonOptimizer.MaximumDenseParameterCount)
        {
            throw new ArgumentException($"The exact method needs a P × P matrix; P = {p} is more than one array holds. Use EffectiveParameterMethod.Stochastic.", nameof(options));
        }

        _squaredError = network.Spec.Loss == Loss.MeanSquaredError;
    }

    /// <summary>Whether γ is computed exactly (dense) rather than estimated.</summary>
    public bool IsExact => _exact;

    /// <summary>n, the training-set size λ is scaled by.</summary>
    public int TrainingSetSize { get; }

    /// <summary>The curvature operator the estimates use (Gauss–Newton, over the training samples).</summary>
    public CurvatureOperator<T> Curvature => _operator;

    /// <summary>Re-estimates α (and β) at the network's current parameters, for the L2 strength
    /// <paramref name="l2"/> it was trained with.</summary>
    /// <param name="l2">λ, positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">λ is not positive and finite.</exception>
    public EvidenceEstimate Reestimate(double l2)
    {
        if (!(l2 > 0.0) || !double.IsFinite(l2))
        {
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "The evidence framework needs a positive L2 strength (a proper prior).");
        }

        double tau = l2 / TrainingSetSize;
        long productsBefore = _operator.ProductCount;
        double gamma;
        double error = 0.0;
        if (_exact)
        {
            int p = _operator.Dimension;
            _matrix ??= new double[p * p];
            _operator.AssembleDense(_matrix);
            gamma = EffectiveParameters.Exact(_matrix, p, _mask, tau, out double logDeterminant);
            return Update(gamma, 0.0, _operator.ProductCount - productsBefore, logDeterminant, l2);
        }
        else
        {
            var estimate = EffectiveParameters.Estimate(_operator, _mask, tau, _options.Probes, _options.Seed, _options.Solver, out _);
            gamma = estimate.Value;
            error = estimate.StandardError;
        }

        return Update(gamma, error, _operator.ProductCount - productsBefore);
    }

    private EvidenceEstimate Update(double gamma, double gammaStandardError, long products, double logDeterminant, double l2)
    {
        var estimate = Update(gamma, gammaStandardError, products);

        // Taken at the strength the parameters were fitted with: α = βλ (regression) or λ, and the β just estimated.
        double beta = estimate.Beta ?? 1.0;
        double alpha = beta * l2;
        int n = _operator.Data.Count;
        double weights = TensorPrimitives.Sum<double>(_mask);
        double dataTerm = n * estimate.MeanLoss;
        int p = _operator.Dimension;
        double logDetA = (p * Math.Log(beta * n)) + logDeterminant;
        double evidence = (-0.5 * alpha * estimate.SumOfSquaredWeights) - (beta * dataTerm) - (0.5 * logDetA) + (0.5 * weights * Math.Log(alpha));
        if (estimate.Beta is not null)
        {
            double values = (double)n * _operator.Data.TargetCount;
            evidence += 0.5 * values * Math.Log(beta / (2.0 * Math.PI));
        }

        return estimate with { LogEvidence = evidence };
    }

    /// <summary>
    /// Re-estimates one prior precision per dense layer (MacKay's grouped priors): γ_l from one factorisation (or one
    /// Hutchinson estimate per layer), α_l = γ_l / Σ_{w ∈ l} w², the shared β from Σγ_l, and the next strengths
    /// λ_l = α_l/β (α_l for the cross-entropies), for the per-layer strengths <paramref name="layerL2"/> the network
    /// was trained with.
    /// </summary>
    /// <param name="layerL2">λ_l per dense layer, each positive.</param>
    /// <exception cref="ArgumentException">Not one positive, finite strength per layer.</exception>
    public LayerEvidenceEstimate ReestimatePerLayer(IReadOnlyList<double> layerL2)
    {
        ArgumentNullException.ThrowIfNull(layerL2);
        var spec = _operator.Network.Spec;
        int layers = spec.Layers.Count;
        if (layerL2.Count != layers || layerL2.Any(l => !(l > 0.0) || !double.IsFinite(l)))
        {
            throw new ArgumentException($"The grouped evidence needs one positive, finite L2 strength per dense layer ({layers}).", nameof(layerL2));
        }

        int p = _operator.Dimension;
        int n = TrainingSetSize;
        var groups = new int[p];
        groups.AsSpan().Fill(-1);
        var tau = new double[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            var layout = spec.GetLayout(layer);
            groups.AsSpan(layout.WeightsOffset, layout.WeightCount).Fill(layer);
            tau[layer] = layerL2[layer] / n;
        }

        long productsBefore = _operator.ProductCount;
        var gamma = new double[layers];
        double logDeterminant = double.NaN;
        if (_exact)
        {
            _matrix ??= new double[p * p];
            _operator.AssembleDense(_matrix);
            EffectiveParameters.ExactPerGroup(_matrix, p, groups, tau, gamma, out logDeterminant);
        }
        else
        {
            var shift = new double[p];
            var mask = new double[p];
            for (int i = 0; i < p; i++)
            {
                shift[i] = groups[i] >= 0 ? tau[groups[i]] : 0.0;
            }

            for (int layer = 0; layer < layers; layer++)
            {
                for (int i = 0; i < p; i++)
                {
                    mask[i] = groups[i] == layer ? 1.0 : 0.0;
                }

                var trace = HutchinsonTrace.EstimateInverse(_operator, shift, _options.Probes, _options.Seed, mask, _options.Solver, out _);
                gamma[layer] = spec.GetLayout(layer).WeightCount - (tau[layer] * trace.Value);
            }
        }

        ReadOnlySpan<T> parameters = _operator.Network.Parameters;
        double meanLoss = _operator.MeanLoss();
        var alpha = new double[layers];
        var next = new double[layers];
        var squares = new double[layers];
        double totalGamma = 0.0;
        for (int layer = 0; layer < layers; layer++)
        {
            var layout = spec.GetLayout(layer);
            gamma[layer] = Math.Clamp(gamma[layer], 1e-6 * layout.WeightCount, layout.WeightCount);
            totalGamma += gamma[layer];
            foreach (T w in parameters.Slice(layout.WeightsOffset, layout.WeightCount))
            {
                double value = double.CreateTruncating(w);
                squares[layer] += value * value;
            }

            alpha[layer] = gamma[layer] / Math.Max(squares[layer], double.Epsilon);
        }

        double beta = 1.0;
        double? noise = null;
        var data = _operator.Data;
        double values = (double)data.Count * data.TargetCount;
        if (_squaredError)
        {
            beta = Math.Max(values - totalGamma, 1.0) / Math.Max(2.0 * data.Count * meanLoss, double.Epsilon);
            noise = beta;
        }

        double evidence = double.NaN;
        if (_exact)
        {
            // At the strengths the parameters were fitted with: α_l = βλ_l.
            double dataTerm = data.Count * meanLoss;
            evidence = (-beta * dataTerm) - (0.5 * ((p * Math.Log(beta * n)) + logDeterminant));
            for (int layer = 0; layer < layers; layer++)
            {
                double fitted = beta * layerL2[layer];
                evidence += (-0.5 * fitted * squares[layer]) + (0.5 * spec.GetLayout(layer).WeightCount * Math.Log(fitted));
            }

            if (_squaredError)
            {
                evidence += 0.5 * values * Math.Log(beta / (2.0 * Math.PI));
            }
        }

        for (int layer = 0; layer < layers; layer++)
        {
            next[layer] = alpha[layer] / beta;
        }

        return new LayerEvidenceEstimate(gamma, alpha, noise, next, meanLoss, _operator.ProductCount - productsBefore, evidence);
    }

    /// <summary>The α, β and λ updates for a given γ at the current parameters (no curvature products).</summary>
    /// <param name="gamma">γ.</param>
    /// <param name="gammaStandardError">Its standard error, carried into the result.</param>
    /// <param name="products">Products spent on γ, carried into the result.</param>
    public EvidenceEstimate Update(double gamma, double gammaStandardError = 0.0, long products = 0)
    {
        double weights = TensorPrimitives.Sum<double>(_mask);
        // Rounding (or a noisy estimate) can put γ a little outside [0, P_w]; the updates need it strictly inside.
        gamma = Math.Clamp(gamma, 1e-6 * weights, weights);
        double sumOfSquares = 0.0;
        ReadOnlySpan<T> parameters = _operator.Network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            double w = double.CreateTruncating(parameters[i]);
            sumOfSquares += _mask[i] * w * w;
        }

        double meanLoss = _operator.MeanLoss();
        double alpha = gamma / Math.Max(sumOfSquares, double.Epsilon);
        double? beta = null;
        double l2 = alpha;
        if (_squaredError)
        {
            var data = _operator.Data;
            double values = (double)data.Count * data.TargetCount;
            // Σ(y − a)² = 2 n C₀ over the samples the operator holds.
            double residuals = Math.Max(2.0 * data.Count * meanLoss, double.Epsilon);
            beta = Math.Max(values - gamma, 1.0) / residuals;
            l2 = alpha / beta.Value;
        }

        return new EvidenceEstimate(gamma, gammaStandardError, alpha, beta, l2, meanLoss, sumOfSquares, products);
    }

    private static int[] Range(int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++)
        {
            indices[i] = i;
        }

        return indices;
    }
}
