using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.Training;

namespace NetGen.Bayesian;

/// <summary>Which parameters the Laplace posterior covers, and how.</summary>
public enum LaplaceStructure
{
    /// <summary><see cref="Full"/> up to <see cref="LaplaceOptions.DenseThreshold"/> parameters, otherwise
    /// <see cref="LastLayer"/>.</summary>
    Auto = 0,

    /// <summary>Every parameter: the dense P × P posterior precision from P Gauss–Newton products, factored once. P²
    /// doubles; each prediction K gradient passes and K triangular solves (2P² each).</summary>
    Full = 1,

    /// <summary>The output layer's weights and biases only, the rest fixed at their trained values (Kristiadi et al.
    /// 2020): an m × m block (m = the output layer's parameters) built from output Jacobians over the training set (K
    /// gradient passes per sample). m² doubles; each prediction K gradient passes and K solves of size m.</summary>
    LastLayer = 2,

    /// <summary>
    /// Every parameter through the top <see cref="LaplaceOptions.Rank"/> eigenpairs of G (Lanczos on G·v products):
    /// the posterior is exact in that subspace and the prior's in its complement (with the prior on every parameter
    /// there, biases too). Rank × P doubles; each prediction K gradient passes and K projections.
    /// </summary>
    LowRank = 3,
}

/// <summary>How a classifier's averaged probabilities are computed from the Gaussian over its logits.</summary>
public enum ClassificationAveraging
{
    /// <summary>MacKay's probit approximation: a sigmoid output's logit divided by √(1 + π σ²/8), σ² its variance;
    /// for a softmax the same on every difference of two logits (the mean-field form of Lu, Ie and Sha, 2020), then
    /// normalised. Deterministic, no sampling; exact in the limit of small variance.</summary>
    Probit = 0,

    /// <summary>Monte Carlo: <see cref="LaplaceOptions.Samples"/> logit vectors drawn from the Gaussian (seeded), each
    /// through the softmax, averaged.</summary>
    Sampling = 1,
}

/// <summary>How the prior's strength λ of a Laplace approximation is chosen when <see cref="LaplaceOptions.L2"/> is not
/// given.</summary>
public enum LaplacePrior
{
    /// <summary>The evidence framework's fixed point at the trained weights (α = γ/Σθ², and β for a squared error),
    /// from the training set alone.</summary>
    Evidence = 0,

    /// <summary>The λ of <see cref="LaplaceApproximation{T}.ValidationGrid"/> (10⁻² to 10⁶, two per decade, and +∞)
    /// whose predictive gives the validation set the lowest negative log-likelihood (the usual practice for classifiers,
    /// whose Gauss–Newton matrix nearly vanishes where they are confident); needs a validation set. The grid ends at the
    /// network's own predictions (λ = +∞), so the choice is never worse on the validation set than the plain
    /// network.</summary>
    Validation = 1,
}

/// <summary>Settings of <see cref="LaplaceApproximation{T}.Fit"/>.</summary>
public sealed record LaplaceOptions
{
    /// <summary>Which parameters the posterior covers; <see cref="LaplaceStructure.Auto"/> by default.</summary>
    public LaplaceStructure Structure { get; init; } = LaplaceStructure.Auto;

    /// <summary>Under <see cref="LaplaceStructure.Auto"/>, the largest P treated in full; 2,000 by default.</summary>
    public int DenseThreshold { get; init; } = 2000;

    /// <summary>
    /// λ, the L2 strength (trainer units, (λ/2n)Σw²) of the weight prior; the network should have been trained with
    /// it. Null (the default) re-estimates it by the evidence framework at the trained weights: the fixed point of
    /// α = γ/Σw² (and β = (N − γ)/Σ(y − a)²) over the covered parameters, with G fixed. +∞ is the limit of a prior so
    /// strong that the posterior has no variance: the network's own predictions (and, for a regression, the noise alone).
    /// </summary>
    public double? L2 { get; init; }

    /// <summary>How λ is chosen when <see cref="L2"/> is null; <see cref="LaplacePrior.Evidence"/> by default.</summary>
    public LaplacePrior Prior { get; init; } = LaplacePrior.Evidence;

    /// <summary>β, the noise precision of a squared-error network (1/σ² in the targets' units); null (the default)
    /// takes the evidence estimate (N − γ)/Σ(y − a)². Ignored for the cross-entropies (β = 1).</summary>
    public double? NoisePrecision { get; init; }

    /// <summary>The eigenpairs kept by <see cref="LaplaceStructure.LowRank"/>; 50 by default.</summary>
    public int Rank { get; init; } = 50;

    /// <summary>How a classifier's probabilities are averaged; <see cref="ClassificationAveraging.Probit"/> by
    /// default.</summary>
    public ClassificationAveraging Averaging { get; init; } = ClassificationAveraging.Probit;

    /// <summary>Samples per prediction for <see cref="ClassificationAveraging.Sampling"/>; 1,000 by default.</summary>
    public int Samples { get; init; } = 1000;

    /// <summary>Seed of the Lanczos start and of the sampling.</summary>
    public ulong Seed { get; init; } = 1;

    internal void Validate()
    {
        if (!Enum.IsDefined(Structure) || !Enum.IsDefined(Averaging) || !Enum.IsDefined(Prior))
        {
            throw new ArgumentException("Structure or Averaging is not a defined value.", nameof(Structure));
        }

        if (DenseThreshold is < 1 or > NewtonOptimizer.MaximumDenseParameterCount)
        {
            throw new ArgumentException($"DenseThreshold is {DenseThreshold}; it must be from 1 to {NewtonOptimizer.MaximumDenseParameterCount}.", nameof(DenseThreshold));
        }

        if (L2 is { } l2 && !(l2 > 0.0 && !double.IsNaN(l2)))
        {
            throw new ArgumentException($"L2 is {l2}; the prior needs a positive strength (+∞ for none of the posterior's variance).", nameof(L2));
        }

        if (NoisePrecision is { } beta && !(beta > 0.0 && double.IsFinite(beta)))
        {
            throw new ArgumentException($"NoisePrecision is {beta}; it must be positive and finite.", nameof(NoisePrecision));
        }

        if (Rank < 1 || Samples < 1)
        {
            throw new ArgumentException($"Rank ({Rank}) and Samples ({Samples}) must be at least 1.", nameof(Rank));
        }
    }
}

/// <summary>
/// The Laplace approximation of a trained network's posterior, with the linearised (generalised Gauss–Newton)
/// predictive: prediction intervals for regression, averaged probabilities for classification.
/// </summary>
/// <remarks>
/// <para>
/// The posterior over the covered parameters is Gaussian around the trained weights with precision A = βn (G + τD): G
/// the Gauss–Newton matrix of the mean loss over the training set, τ = λ/n the prior's precision on the trainer's scale
/// (on every covered parameter, biases included: under the trainer's flat prior on biases, a confident classifier, whose
/// G nearly vanishes along its output biases, would get an unbounded variance there), β the noise precision (1 for the cross-entropies). Linearising the network's output f
/// in the parameters, f(x) is Gaussian with mean f_MAP(x) and covariance J(x) A⁻¹ J(x)ᵀ, J from
/// <see cref="OutputJacobian{T}"/>. A regression's predictive adds the noise: variance J A⁻¹ Jᵀ + 1/β per output. A
/// classifier's probabilities average the softmax (or sigmoid) over the Gaussian of its logits
/// (<see cref="ClassificationAveraging"/>).
/// </para>
/// <para>Fitting reads the network's parameters once; predictions use the network as it is, so do not change its
/// parameters afterwards. Predictions allocate nothing and are not thread-safe (one instance per thread).</para>
/// </remarks>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class LaplaceApproximation<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainableNetwork<T> _network;
    private readonly OutputJacobian<T> _jacobian;
    private readonly LaplaceOptions _options;
    private readonly int _offset;
    private readonly int _count;
    private readonly int _trainingSetSize;
    private readonly double[]? _block;
    private readonly double[] _mask;
    private readonly double[] _diagonal;
    private double _scale;

    // Full / last layer: the Cholesky factor of G + τD over the covered slice. Low rank: the eigenvectors and values.
    private readonly double[] _factor;
    private readonly double[] _eigenvalues;
    private double _tau;
    private readonly double[] _rows;
    private readonly double[] _solve;
    private readonly double[] _output;
    private readonly double[] _covariance;
    private readonly double[] _projections;
    private readonly double[] _gram;
    private readonly double[] _sample;
    private readonly SeededRandom _random;

    private LaplaceApproximation(
        ITrainableNetwork<T> network, LaplaceOptions options, LaplaceStructure structure, int offset, int count, double[]? block, double[] mask,
        double[] factor, double[] eigenvalues, int trainingSetSize)
    {
        _trainingSetSize = trainingSetSize;
        _block = block;
        _mask = mask;
        _diagonal = new double[count];
        _network = network;
        _options = options;
        Structure = structure;
        _offset = offset;
        _count = count;
        _factor = factor;
        _eigenvalues = eigenvalues;
        _jacobian = new OutputJacobian<T>(network);
        int k = network.Spec.OutputSize;
        _rows = new double[k * count];
        _solve = new double[count];
        _output = new double[k];
        _covariance = new double[k * k];
        _projections = new double[k * eigenvalues.Length];
        _gram = new double[structure == LaplaceStructure.LowRank ? k * k : 0];
        _sample = new double[k];
        _random = new SeededRandom(options.Seed);
        IsRegression = !_jacobian.IsLogitSpace;
    }

    /// <summary>The structure fitted (Auto resolved).</summary>
    public LaplaceStructure Structure { get; }

    /// <summary>λ of the prior used (given, re-estimated by the evidence framework, or chosen on validation); +∞ when the
    /// posterior has no variance and predictions are the network's own.</summary>
    public double L2 { get; private set; }

    /// <summary>β, the noise precision (1 for classification).</summary>
    public double NoisePrecision { get; private set; }

    /// <summary>γ, the effective number of the covered weights at the prior used.</summary>
    public double EffectiveParameterCount { get; private set; }

    /// <summary>Whether the network is a regression (squared error): predictions are means and standard deviations.</summary>
    public bool IsRegression { get; }

    /// <summary>
    /// Fits the approximation at <paramref name="network"/>'s current (trained) parameters on its training set.
    /// </summary>
    /// <param name="network">The trained network.</param>
    /// <param name="train">The training set it was trained on (n scales λ).</param>
    /// <param name="options">Structure, prior and averaging; defaults if null.</param>
    /// <param name="validation">The validation set for <see cref="LaplacePrior.Validation"/>; otherwise unused.</param>
    /// <exception cref="ArgumentException">An option is out of range, the data do not fit the network, or
    /// <see cref="LaplacePrior.Validation"/> is asked for without a validation set.</exception>
    public static LaplaceApproximation<T> Fit(ISecondOrderNetwork<T> network, Dataset<T> train, LaplaceOptions? options = null, Dataset<T>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new LaplaceOptions();
        options.Validate();
        CurvatureOperator<T>.CheckData(network.Spec, train, nameof(train));
        bool tuneOnValidation = options.L2 is null && options.Prior == LaplacePrior.Validation;
        if (tuneOnValidation)
        {
            ArgumentNullException.ThrowIfNull(validation, nameof(validation));
            CurvatureOperator<T>.CheckData(network.Spec, validation, nameof(validation));
        }

        var spec = network.Spec;
        int p = spec.ParameterCount;
        var structure = options.Structure == LaplaceStructure.Auto
            ? (p <= options.DenseThreshold ? LaplaceStructure.Full : LaplaceStructure.LastLayer)
            : options.Structure;
        var outputLayout = spec.GetLayout(spec.Layers.Count - 1);
        int offset = structure == LaplaceStructure.LastLayer ? outputLayout.WeightsOffset : 0;
        int count = structure == LaplaceStructure.LastLayer ? outputLayout.ParameterCount : p;
        if (structure == LaplaceStructure.Full && p > NewtonOptimizer.MaximumDenseParameterCount)
        {
            throw new ArgumentException($"A full Laplace posterior needs a P × P matrix; P = {p} is more than one array holds. Use LastLayer or LowRank.", nameof(options));
        }

        // The prior covers the biases too (the trainer leaves them unpenalised): under a flat prior a confident
        // classifier, whose G nearly vanishes along its output biases, would get an unbounded variance there.
        var mask = new double[count];
        mask.AsSpan().Fill(1.0);
        var curvature = new CurvatureOperator<T>(network, train, CurvatureKind.GaussNewton);
        double meanLoss = curvature.MeanLoss();
        int n = train.Count;
        bool squaredError = spec.Loss == Loss.MeanSquaredError;
        double values = (double)n * spec.OutputSize;
        double sumOfSquares = 0.0;
        for (int i = 0; i < count; i++)
        {
            double w = double.CreateTruncating(network.Parameters[offset + i]);
            sumOfSquares += mask[i] * w * w;
        }

        if (structure == LaplaceStructure.LowRank)
        {
            var top = Lanczos.Run(curvature, new LanczosOptions { Count = Math.Min(options.Rank, p), MaxSteps = Math.Min(p, (2 * options.Rank) + 20), ComputeEigenvectors = true, Seed = options.Seed });
            var vectors = top.Eigenvectors;
            var eigenvalues = top.Eigenvalues;
            for (int i = 0; i < eigenvalues.Length; i++)
            {
                eigenvalues[i] = Math.Max(eigenvalues[i], 0.0);
            }

            double allSquares = 0.0;
            foreach (T w in network.Parameters)
            {
                allSquares += double.CreateTruncating(w) * double.CreateTruncating(w);
            }

            // γ over the kept subspace only (the complement has no data curvature): Σ λ_i / (λ_i + τ).
            double GammaLowRank(double tau)
            {
                double g = 0.0;
                foreach (double l in eigenvalues)
                {
                    g += l / (l + tau);
                }

                return g;
            }

            var (tauLow, betaLow, gammaLow) = ChoosePrior(options, n, values, meanLoss, allSquares, squaredError, GammaLowRank);
            var lowRank = new LaplaceApproximation<T>(network, options, structure, 0, p, null, mask, vectors, eigenvalues, n);
            lowRank.SetPrior(tauLow * n, betaLow, gammaLow);
            if (tuneOnValidation)
            {
                lowRank.SelectPriorOnValidation(validation!, GammaLowRank);
            }

            return lowRank;
        }

        var block = new double[count * count];
        if (structure == LaplaceStructure.Full)
        {
            curvature.AssembleDense(block);
        }
        else
        {
            AssembleFromJacobians(network, train, offset, count, block);
        }

        double Gamma(double tau) => EffectiveParameters.Exact(block, count, mask, tau);
        var (chosenTau, chosenBeta, chosenGamma) = ChoosePrior(options, n, values, meanLoss, sumOfSquares, squaredError, Gamma);
        var laplace = new LaplaceApproximation<T>(network, options, structure, offset, count, block, mask, new double[block.Length], [], n);
        laplace.SetPrior(chosenTau * n, chosenBeta, chosenGamma);
        if (tuneOnValidation)
        {
            laplace.SelectPriorOnValidation(validation!, Gamma);
        }

        return laplace;
    }

    /// <summary>The prior strengths of <see cref="LaplacePrior.Validation"/>: 10⁻² to 10⁶, two per decade, then +∞ (no
    /// posterior variance: the plain network's predictions, the limit the grid approaches).</summary>
    public static IReadOnlyList<double> ValidationGrid { get; } = [.. Enumerable.Range(0, 17).Select(i => Math.Pow(10.0, -2.0 + (0.5 * i))), double.PositiveInfinity];

    // Puts the prior λ (trainer units) and noise precision β in force: τ = λ/n, the factor of G + τI (dense) and the
    // predictive's 1/(βn).
    private void SetPrior(double l2, double beta, double gamma)
    {
        _tau = l2 / _trainingSetSize;
        L2 = l2;
        NoisePrecision = beta;
        EffectiveParameterCount = gamma;
        _scale = 1.0 / (beta * _trainingSetSize);
        if (_block is not null && !double.IsPositiveInfinity(_tau))
        {
            EffectiveParameters.Factor(_block, _count, _mask, _tau, _factor, _diagonal);
        }
    }

    // Tries every λ of the grid (β kept) and keeps the one whose predictive gives the validation set the lowest mean
    // negative log-likelihood.
    private void SelectPriorOnValidation(Dataset<T> validation, Func<double, double> gamma)
    {
        double beta = NoisePrecision;
        double[] losses = ValidationLosses(validation);
        int best = 0;
        for (int i = 1; i < losses.Length; i++)
        {
            if (losses[i] < losses[best])
            {
                best = i;
            }
        }

        double bestL2 = ValidationGrid[best];
        SetPrior(bestL2, beta, double.IsPositiveInfinity(bestL2) ? 0.0 : gamma(bestL2 / _trainingSetSize));
    }

    // The validation set's total negative log-likelihood under the predictive of each λ of ValidationGrid (β kept);
    // leaves the prior at the grid's last λ. What does not depend on λ is computed once per validation sample: the
    // Jacobian's rows (full, last layer), or their projections on the eigenvectors and their Gram matrix (low rank:
    // K·r + K² values per sample rather than K·P).
    internal double[] ValidationLosses(Dataset<T> validation)
    {
        int k = _output.Length;
        bool lowRank = Structure == LaplaceStructure.LowRank;
        int kept = lowRank ? _projections.Length + _gram.Length : _rows.Length;
        var saved = new double[(long)validation.Count * kept];
        var outputs = new double[validation.Count * k];
        for (int sample = 0; sample < validation.Count; sample++)
        {
            _jacobian.Compute(validation.GetFeatures(sample), outputs.AsSpan(sample * k, k), _rows, _offset);
            Span<double> destination = saved.AsSpan(sample * kept, kept);
            if (lowRank)
            {
                LowRankStatistics(k);
                _projections.CopyTo(destination);
                _gram.CopyTo(destination[_projections.Length..]);
            }
            else
            {
                _rows.CopyTo(destination);
            }
        }

        double beta = NoisePrecision;
        var losses = new double[ValidationGrid.Count];
        var probabilities = new double[IsRegression ? k : ClassCount];
        for (int index = 0; index < losses.Length; index++)
        {
            SetPrior(ValidationGrid[index], beta, double.NaN);
            double total = 0.0;
            for (int sample = 0; sample < validation.Count; sample++)
            {
                ReadOnlySpan<double> source = saved.AsSpan(sample * kept, kept);
                outputs.AsSpan(sample * k, k).CopyTo(_output);
                if (lowRank)
                {
                    source[.._projections.Length].CopyTo(_projections);
                    source[_projections.Length..].CopyTo(_gram);
                    CovarianceFromStatistics(k);
                }
                else
                {
                    source.CopyTo(_rows);
                    CovarianceFromRows();
                }

                total += NegativeLogLikelihood(validation.GetTargets(sample), probabilities);
            }

            losses[index] = total;
        }

        return losses;
    }

    private int ClassCount => _network.Spec.Loss == Loss.BinaryCrossEntropy && _output.Length == 1 ? 2 : _output.Length;

    private double NegativeLogLikelihood(ReadOnlySpan<T> target, Span<double> scratch)
    {
        int k = _output.Length;
        double nll = 0.0;
        if (IsRegression)
        {
            for (int j = 0; j < k; j++)
            {
                double variance = _covariance[(j * k) + j] + (1.0 / NoisePrecision);
                double error = double.CreateTruncating(target[j]) - _output[j];
                nll += 0.5 * (Math.Log(2.0 * Math.PI * variance) + (error * error / variance));
            }

            return nll;
        }

        ProbabilitiesFromCovariance(scratch);
        if (ClassCount == 2 && k == 1)
        {
            double y = double.CreateTruncating(target[0]);
            return -((y * Math.Log(Math.Max(scratch[1], 1e-300))) + ((1.0 - y) * Math.Log(Math.Max(scratch[0], 1e-300))));
        }

        for (int j = 0; j < scratch.Length; j++)
        {
            double y = double.CreateTruncating(target[j]);
            if (y != 0.0)
            {
                nll -= y * Math.Log(Math.Max(scratch[j], 1e-300));
            }
        }

        return nll;
    }

    /// <summary>
    /// The predictive mean and standard deviation of each output of a regression network for one sample: mean
    /// f_MAP(x), variance J A⁻¹ Jᵀ + 1/β. Allocates nothing.
    /// </summary>
    /// <param name="input">The sample.</param>
    /// <param name="mean">Receives the K means.</param>
    /// <param name="standardDeviation">Receives the K standard deviations.</param>
    /// <exception cref="InvalidOperationException">The network is a classifier; use <see cref="PredictProbabilities"/>.</exception>
    public void PredictWithUncertainty(ReadOnlySpan<T> input, Span<double> mean, Span<double> standardDeviation)
    {
        if (!IsRegression)
        {
            throw new InvalidOperationException("The network is a classifier; PredictProbabilities gives its averaged probabilities.");
        }

        int k = _output.Length;
        CheckOutputs(mean.Length, standardDeviation.Length);
        OutputCovariance(input);
        for (int j = 0; j < k; j++)
        {
            mean[j] = _output[j];
            standardDeviation[j] = Math.Sqrt(_covariance[(j * k) + j] + (1.0 / NoisePrecision));
        }
    }

    /// <summary>
    /// The predictive variance of each output without the noise, J A⁻¹ Jᵀ (the uncertainty about the function itself;
    /// for a classifier, of its logits). Allocates nothing.
    /// </summary>
    /// <param name="input">The sample.</param>
    /// <param name="variance">Receives the K variances.</param>
    public void PredictFunctionVariance(ReadOnlySpan<T> input, Span<double> variance)
    {
        CheckOutputs(variance.Length, variance.Length);
        OutputCovariance(input);
        int k = _output.Length;
        for (int j = 0; j < k; j++)
        {
            variance[j] = _covariance[(j * k) + j];
        }
    }

    /// <summary>
    /// A classifier's class probabilities averaged over the posterior (<see cref="LaplaceOptions.Averaging"/>): for a
    /// softmax output K values, for one sigmoid output [1 − p, p]. Allocates nothing.
    /// </summary>
    /// <param name="input">The sample.</param>
    /// <param name="probabilities">Receives the probabilities (K values, or 2 for one sigmoid output).</param>
    /// <exception cref="InvalidOperationException">The network is a regression.</exception>
    public void PredictProbabilities(ReadOnlySpan<T> input, Span<double> probabilities)
    {
        if (IsRegression)
        {
            throw new InvalidOperationException("The network is a regression; PredictWithUncertainty gives its means and standard deviations.");
        }

        int k = _output.Length;
        bool binary = _network.Spec.Loss == Loss.BinaryCrossEntropy;
        int classes = binary && k == 1 ? 2 : k;
        if (probabilities.Length != classes)
        {
            throw new ArgumentException($"probabilities has {probabilities.Length} values; the network gives {classes}.", nameof(probabilities));
        }

        OutputCovariance(input);
        ProbabilitiesFromCovariance(probabilities);
    }

    /// <summary>
    /// Scores the calibration of the averaged probabilities (<see cref="PredictProbabilities"/>) on a data set: expected
    /// calibration error over <paramref name="binCount"/> equal-width confidence bins, Brier score and log-loss, as
    /// <see cref="NetworkEvaluation.EvaluateCalibration{T}"/> scores the network's own probabilities.
    /// </summary>
    /// <param name="data">A non-empty set with the network's input size and classes (labels, one 0/1 column or one-hot rows).</param>
    /// <param name="binCount">The number of confidence bins, at least 1; 15 by default.</param>
    /// <exception cref="InvalidOperationException">The network is a regression.</exception>
    /// <exception cref="ArgumentException">The set is empty, does not fit the network, or has a class the network does
    /// not tell apart; the bin count is below 1.</exception>
    public CalibrationReport EvaluateCalibration(Dataset<T> data, int binCount = CalibrationReport.DefaultBinCount)
    {
        if (IsRegression)
        {
            throw new InvalidOperationException("The network is a regression; its calibration is the coverage of PredictWithUncertainty's intervals.");
        }

        ArgumentNullException.ThrowIfNull(data);
        CurvatureOperator<T>.CheckData(_network.Spec, data, nameof(data));
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        int[] actual = ClassLabels.Of(data, "Evaluating calibration", nameof(data));
        int classes = ClassCount;
        var probabilities = new double[(long)data.Count * classes];
        for (int i = 0; i < data.Count; i++)
        {
            PredictProbabilities(data.GetFeatures(i), probabilities.AsSpan(i * classes, classes));
        }

        return CalibrationReport.Create<double>(actual, probabilities, classes, binCount);
    }

    // The averaged probabilities from _output and _covariance.
    private void ProbabilitiesFromCovariance(Span<double> probabilities)
    {
        int k = _output.Length;
        bool binary = _network.Spec.Loss == Loss.BinaryCrossEntropy;
        if (binary)
        {
            // One or more independent sigmoid outputs: p = σ(z / √(1 + πσ²/8)) each.
            for (int j = 0; j < k; j++)
            {
                double a = Math.Clamp(_output[j], 1e-300, 1.0 - 1e-16);
                double z = Math.Log(a / (1.0 - a));
                double p = Sigmoid(z / Math.Sqrt(1.0 + (Math.PI * _covariance[(j * k) + j] / 8.0)));
                if (k == 1)
                {
                    probabilities[0] = 1.0 - p;
                    probabilities[1] = p;
                }
                else
                {
                    probabilities[j] = p;
                }
            }

            return;
        }

        // Centred logits of the trained network: ln a − mean(ln a).
        Span<double> logits = _sample;
        double centre = 0.0;
        for (int j = 0; j < k; j++)
        {
            logits[j] = Math.Log(Math.Max(_output[j], double.Epsilon));
            centre += logits[j] / k;
        }

        if (_options.Averaging == ClassificationAveraging.Probit)
        {
            // The probit approximation on logit differences (Lu, Ie and Sha's mean-field softmax): p_k ≈
            // 1 / (1 + Σ_{j≠k} exp(−(z_k − z_j) / √(1 + π v_kj / 8))), v_kj = Σ_kk + Σ_jj − 2Σ_kj the variance of
            // z_k − z_j. Unlike a per-logit probit it does not depend on which constant the logits are taken
            // relative to; it is then normalised.
            double total = 0.0;
            for (int j = 0; j < k; j++)
            {
                double sum = 1.0;
                for (int m = 0; m < k; m++)
                {
                    if (m == j)
                    {
                        continue;
                    }

                    double variance = _covariance[(j * k) + j] + _covariance[(m * k) + m] - (2.0 * _covariance[(j * k) + m]);
                    sum += Math.Exp(-(logits[j] - logits[m]) / Math.Sqrt(1.0 + (Math.PI * Math.Max(variance, 0.0) / 8.0)));
                }

                probabilities[j] = 1.0 / sum;
                total += probabilities[j];
            }

            TensorPrimitives.Divide(probabilities, total, probabilities);
            return;
        }

        SampleAverage(logits, centre, probabilities);
    }

    // _output ← f_MAP(x) (the network's output a), _covariance ← J A⁻¹ Jᵀ (K × K) in f.
    private void OutputCovariance(ReadOnlySpan<T> input)
    {
        _jacobian.Compute(input, _output, _rows, _offset);
        CovarianceFromRows();
    }

    private void CovarianceFromRows()
    {
        int k = _output.Length;
        if (double.IsPositiveInfinity(_tau))
        {
            // The λ → ∞ limit: the posterior is a point at the trained weights.
            _covariance.AsSpan().Clear();
            return;
        }

        if (Structure == LaplaceStructure.LowRank)
        {
            LowRankStatistics(k);
            CovarianceFromStatistics(k);
            return;
        }

        // Row i of L⁻¹J... by solving (G + τD) x = J_iᵀ, then covariance_ij = J_j · x / (βn).
        for (int i = 0; i < k; i++)
        {
            Span<double> x = _solve;
            _rows.AsSpan(i * _count, _count).CopyTo(x);
            DenseCholesky.Solve(_factor, _count, x);
            for (int j = 0; j <= i; j++)
            {
                double value = _scale * TensorPrimitives.Dot(_rows.AsSpan(j * _count, _count), x);
                _covariance[(i * k) + j] = value;
                _covariance[(j * k) + i] = value;
            }
        }
    }

    // Low rank, the part of a prediction that does not depend on λ: the rows of J projected on the eigenvectors,
    // _projections (K × r), and their Gram matrix J Jᵀ, _gram (K × K).
    private void LowRankStatistics(int k)
    {
        int p = _count;
        int rank = _eigenvalues.Length;
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<double> ji = _rows.AsSpan(i * p, p);
            for (int r = 0; r < rank; r++)
            {
                _projections[(i * rank) + r] = TensorPrimitives.Dot(_factor.AsSpan(r * p, p), ji);
            }

            for (int j = 0; j <= i; j++)
            {
                _gram[(i * k) + j] = TensorPrimitives.Dot(ji, _rows.AsSpan(j * p, p));
            }
        }
    }

    // Low rank: J Σ Jᵀ with Σ ≈ U diag(1/(λ + τ)) Uᵀ + (I − UUᵀ)/τ, scaled by 1/(βn), from _projections and _gram.
    private void CovarianceFromStatistics(int k)
    {
        if (double.IsPositiveInfinity(_tau))
        {
            _covariance.AsSpan().Clear();
            return;
        }

        int rank = _eigenvalues.Length;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double value = _gram[(i * k) + j] / _tau;
                for (int r = 0; r < rank; r++)
                {
                    value += _projections[(i * rank) + r] * _projections[(j * rank) + r] * ((1.0 / (_eigenvalues[r] + _tau)) - (1.0 / _tau));
                }

                value *= _scale;
                _covariance[(i * k) + j] = value;
                _covariance[(j * k) + i] = value;
            }
        }
    }

    // Draws centred logits from N(μ, Σ) with Σ = _covariance (K × K), by its Cholesky factor, and averages the softmax.
    private void SampleAverage(Span<double> logits, double centre, Span<double> probabilities)
    {
        int k = _output.Length;
        for (int j = 0; j < k; j++)
        {
            logits[j] -= centre;
        }

        // Σ is singular along the all-ones direction (centred logits); factor it with a tiny jitter.
        double largest = 0.0;
        for (int j = 0; j < k; j++)
        {
            largest = Math.Max(largest, _covariance[(j * k) + j]);
        }

        Span<double> factor = _covariance;
        double jitter = 1e-10 * Math.Max(largest, 1e-300);
        for (int j = 0; j < k; j++)
        {
            double pivot = factor[(j * k) + j] + jitter;
            for (int m = 0; m < j; m++)
            {
                pivot -= factor[(j * k) + m] * factor[(j * k) + m];
            }

            double root = Math.Sqrt(Math.Max(pivot, jitter));
            factor[(j * k) + j] = root;
            for (int i = j + 1; i < k; i++)
            {
                double sum = factor[(i * k) + j];
                for (int m = 0; m < j; m++)
                {
                    sum -= factor[(i * k) + m] * factor[(j * k) + m];
                }

                factor[(i * k) + j] = sum / root;
            }
        }

        probabilities.Clear();
        Span<double> noise = stackalloc double[k];
        Span<double> draw = stackalloc double[k];
        for (int s = 0; s < _options.Samples; s++)
        {
            for (int j = 0; j < k; j++)
            {
                noise[j] = _random.NextGaussian();
            }

            for (int i = 0; i < k; i++)
            {
                double value = logits[i];
                for (int m = 0; m <= i; m++)
                {
                    value += factor[(i * k) + m] * noise[m];
                }

                draw[i] = value;
            }

            Softmax(draw);
            TensorPrimitives.Add(probabilities, draw, probabilities);
        }

        TensorPrimitives.Divide(probabilities, _options.Samples, probabilities);
    }

    // The evidence fixed point over the covered parameters with G fixed: α = γ/Σw² and, for a squared error,
    // β = (N − γ)/(2 n C₀); τ = α/(βn). Or the given λ and β.
    private static (double Tau, double Beta, double Gamma) ChoosePrior(
        LaplaceOptions options, int n, double values, double meanLoss, double sumOfSquares, bool squaredError, Func<double, double> gamma)
    {
        double residuals = Math.Max(2.0 * n * meanLoss, double.Epsilon);
        double BetaFor(double g) => squaredError ? options.NoisePrecision ?? (Math.Max(values - g, 1.0) / residuals) : 1.0;
        if (options.L2 is { } l2)
        {
            double tau = l2 / n;
            double g = double.IsPositiveInfinity(tau) ? 0.0 : gamma(tau);
            return (tau, BetaFor(g), g);
        }

        double current = 1.0 / n;
        double currentGamma = gamma(current);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double beta = BetaFor(currentGamma);
            double alpha = Math.Max(currentGamma, 1e-9) / Math.Max(sumOfSquares, double.Epsilon);
            double next = alpha / (beta * n);
            double nextGamma = gamma(next);
            bool settled = Math.Abs(next - current) <= 1e-6 * current;
            current = next;
            currentGamma = nextGamma;
            if (settled)
            {
                break;
            }
        }

        return (current, BetaFor(currentGamma), currentGamma);
    }

    // M ← (1/n) Σ_x J_Sᵀ H J_S over the slice S, from K gradient passes per sample; H = diag(h) − ccᵀ. Upper triangle
    // and diagonal filled, then mirrored.
    private static void AssembleFromJacobians(ISecondOrderNetwork<T> network, Dataset<T> train, int offset, int count, double[] block)
    {
        var jacobian = new OutputJacobian<T>(network);
        int k = network.Spec.OutputSize;
        var rows = new double[k * count];
        var output = new double[k];
        var h = new double[k];
        var c = new double[k];
        var combined = new double[count];
        for (int sample = 0; sample < train.Count; sample++)
        {
            jacobian.Compute(train.GetFeatures(sample), output, rows, offset);
            jacobian.OutputHessian(output, h, c);
            combined.AsSpan().Clear();
            for (int j = 0; j < k; j++)
            {
                if (c[j] != 0.0)
                {
                    TensorPrimitives.MultiplyAdd(rows.AsSpan(j * count, count), c[j], combined, combined);
                }
            }

            for (int r = 0; r < count; r++)
            {
                Span<double> target = block.AsSpan((r * count) + r, count - r);
                for (int j = 0; j < k; j++)
                {
                    double coefficient = h[j] * rows[(j * count) + r];
                    if (coefficient != 0.0)
                    {
                        TensorPrimitives.MultiplyAdd(rows.AsSpan((j * count) + r, count - r), coefficient, target, target);
                    }
                }

                if (combined[r] != 0.0)
                {
                    TensorPrimitives.MultiplyAdd(combined.AsSpan(r, count - r), -combined[r], target, target);
                }
            }
        }

        double scale = 1.0 / train.Count;
        for (int r = 0; r < count; r++)
        {
            for (int col = r; col < count; col++)
            {
                double value = block[(r * count) + col] * scale;
                block[(r * count) + col] = value;
                block[(col * count) + r] = value;
            }
        }
    }

    private void CheckOutputs(int first, int second)
    {
        int k = _output.Length;
        if (first != k || second != k)
        {
            throw new ArgumentException($"The spans need {k} values each (one per output); they have {first} and {second}.", nameof(first));
        }
    }

    private static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));

    private static void Softmax(Span<double> values)
    {
        double largest = TensorPrimitives.Max<double>(values);
        double sum = 0.0;
        for (int j = 0; j < values.Length; j++)
        {
            values[j] = Math.Exp(values[j] - largest);
            sum += values[j];
        }

        TensorPrimitives.Divide(values, sum, values);
    }
}
