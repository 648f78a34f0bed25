using System;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;
using NetGen.Data;
using NetGen.Numerics;

namespace NetGen.Training;

/// <summary>
/// Mini-batch gradient-descent training of any <see cref="ITrainableNetwork{T}"/> (a generated network or an
/// <see cref="InterpretedNetwork{T}"/>): seeded shuffling, a learning-rate schedule, a pluggable
/// <see cref="Optimizer"/>, L1/L2 penalties, dropout, gradient clipping, validation, early stopping, divergence
/// detection, progress reports, a per-epoch history, checkpoints (<see cref="TrainerOptions.CheckpointPath"/>,
/// <see cref="Resume"/>) and a learning-rate range test (<see cref="FindLearningRate"/>).
/// </summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
/// <remarks>
/// <para>
/// Each step gathers a batch into preallocated buffers, computes the batch's mean loss and gradient (with dropout, from
/// a seeded stream), checks both are finite, clips the gradient if asked, adds the penalty gradient to the weights'
/// entries, lets the optimizer
/// update the parameters, and checks the result is finite, rolling it back otherwise. None of this allocates once the
/// trainer has sized its buffers on the first <see cref="Fit"/>.
/// </para>
/// <para>
/// With an element-wise optimizer (<see cref="IElementwiseOptimizerState{T}"/>: SGD, momentum, Adam, RPROP) and a
/// <see cref="DataParallelNetwork{T}"/>, everything after the gradient pass runs inside it, each thread on the slice of
/// the parameters whose gradient it has just combined (see <see cref="IParameterSliceStep{T}"/>). The weights are the
/// same to the last bit as with one whole-vector update; the reported objective and gradient norms are sums taken slice
/// by slice, so they can differ from it in the last digits.
/// </para>
/// <para>A trainer is not thread-safe, and the network must not be used elsewhere while it trains.</para>
/// </remarks>
public sealed partial class Trainer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Mixed into the seed for the stream that seeds shuffling and dropout, so neither equals the initialisation
    // stream, which ParameterInitializer draws from the seed itself.
    private const ulong DerivedStreamSalt = 0x7472_6169_6E65_7221UL;

    private readonly ITrainableNetwork<T> _network;
    private readonly NetworkSpec _spec;
    private readonly IOptimizerState<T> _optimizer;
    // Set when the optimizer can update slice by slice; such steps run through _sliceStep.
    private readonly IElementwiseOptimizerState<T>? _elementwiseOptimizer;
    private readonly SliceStep? _sliceStep;
    private readonly IEpochHookState<T>[] _hooks;
    // Set when TrainerOptions asks for gradient clipping.
    private readonly GradientClipping<T>? _clipping;
    private readonly T[] _gradient;
    private readonly T[] _parametersBeforeStep;
    private readonly T[] _bestParameters;
    private readonly T[] _output;
    private readonly double[] _layerNormSums;
    private readonly double[] _stepNorms;
    private NetworkWorkspace? _workspace;
    private T[] _batchInputs = [];
    private T[] _batchTargets = [];
    private T[] _batchWeights = [];
    // The class weights of the latest run (Fit, Resume or range test), for Evaluate; null without class weights.
    private double[]? _classWeights;
    private int[] _order = [];

    /// <summary>Creates a trainer for <paramref name="network"/> and allocates the optimizer state and step buffers.</summary>
    /// <param name="network">The network to train; its parameters are changed in place.</param>
    /// <param name="options">The settings; checked with <see cref="TrainerOptions.Validate"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid, or the network is forward-only.</exception>
    public Trainer(ITrainableNetwork<T> network, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!network.Spec.IsTrainable)
        {
            throw new ArgumentException($"The network {network.Spec} is forward-only (no loss, or a Step layer) and cannot be trained.", nameof(network));
        }

        _network = network;
        _spec = network.Spec;
        Options = options;
        _optimizer = options.Optimizer.CreateState<T>(_spec);
        _gradient = new T[_spec.ParameterCount];
        _parametersBeforeStep = new T[_spec.ParameterCount];
        _bestParameters = new T[_spec.ParameterCount];
        _output = new T[_spec.OutputSize];
        _layerNormSums = new double[_spec.Layers.Count];
        _stepNorms = new double[_spec.Layers.Count];
        _hooks = new IEpochHookState<T>[options.EpochHooks.Count];
        for (int i = 0; i < _hooks.Length; i++)
        {
            _hooks[i] = options.EpochHooks[i].CreateState<T>(_spec);
        }

        if (options.CheckpointPath is not null && _optimizer is not ICheckpointableOptimizerState<T>)
        {
            throw new ArgumentException(
                $"CheckpointPath is set, but the state of the optimizer {options.Optimizer.Name} ({_optimizer.GetType().Name}) does not implement ICheckpointableOptimizerState<{typeof(T).Name}> and cannot be saved.",
                nameof(options));
        }

        if (options.GradientClipNorm is not null || options.GradientClipValue is not null)
        {
            _clipping = new GradientClipping<T>(_spec.ParameterCount, options.GradientClipNorm, options.GradientClipValue);
        }

        _elementwiseOptimizer = _optimizer as IElementwiseOptimizerState<T>;
        if (_elementwiseOptimizer is not null)
        {
            _sliceStep = new SliceStep(this, network is DataParallelNetwork<T> parallel ? parallel.ThreadCount : 1);
        }
    }

    /// <summary>The network being trained.</summary>
    public ITrainableNetwork<T> Network => _network;

    /// <summary>The settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// Measures <paramref name="data"/>'s mean loss and, for a classification set, accuracy under the network's current
    /// parameters, with the whole network (no dropout). The loss is weighted as training weights it: by the set's sample
    /// weights and by <see cref="TrainerOptions.ClassWeights"/>, balanced ones as the latest <see cref="Fit"/> or
    /// <see cref="Resume"/> computed them from its training set (before any, from <paramref name="data"/> itself).
    /// </summary>
    /// <param name="data">A non-empty set that fits the network.</param>
    /// <exception cref="ArgumentException">The set is empty or does not fit the network or the class weights.</exception>
    public EvaluationResult Evaluate(Dataset<T> data)
    {
        CheckDataset(data, nameof(data));
        double[]? classWeights = Options.ClassWeights is null ? null : _classWeights ?? Options.ClassWeights.Resolve(data);
        T[]? weights = ClassWeights.SampleWeightsOf(data, classWeights, nameof(data));
        EnsureBatchCapacity(Math.Min(Options.BatchSize, data.Count));
        return Evaluate(data, weights, ClassificationAccuracy.Detect(_spec, data));
    }

    // One training step; returns what was non-finite, or null when the step succeeded. Allocates nothing.
    private NonFiniteQuantity? TrainStep(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> sampleWeights,
        Regularization regularization,
        SeededRandom dropoutRandom,
        double rate,
        int epoch,
        int step,
        out double loss,
        out double objective,
        out bool rejected)
    {
        loss = objective = double.NaN;
        rejected = false;
        if (_sliceStep is not null)
        {
            return TrainElementwiseStep(inputs, targets, sampleWeights, regularization, dropoutRandom, rate, out loss, out objective);
        }

        var workspace = _workspace!;
        Span<T> parameters = _network.Parameters;
        T batchLoss = _network.ComputeLossAndGradient(inputs, targets, sampleWeights, _gradient, workspace, dropoutRandom);
        if (!T.IsFinite(batchLoss))
        {
            return NonFiniteQuantity.Loss;
        }

        // The norms describe backpropagation itself, so they are taken before the penalty terms are added.
        Span<double> norms = _stepNorms;
        if (!InspectGradient(_spec, 0, _gradient, norms))
        {
            return NonFiniteQuantity.Gradient;
        }

        for (int layer = 0; layer < _layerNormSums.Length; layer++)
        {
            _layerNormSums[layer] += norms[layer];
        }

        bool clipped = false;
        if (_clipping is { } clipping)
        {
            clipping.MeasureSlice(0, _gradient);
            clipped = clipping.ClipSlice(_gradient, clipping.Factor());
        }

        T batchObjective = batchLoss + regularization.Penalty<T>(_spec, parameters);
        regularization.AddGradientTerms<T>(_spec, parameters, _gradient);
        parameters.CopyTo(_parametersBeforeStep);
        var context = new TrainingStepContext<T>(_network, inputs, targets, workspace, _gradient, batchLoss, batchObjective, rate, regularization, epoch, step)
        {
            IsGradientExact = !_spec.HasDropout && !clipped,
            SampleWeights = sampleWeights,
        };
        rejected = _optimizer.Step(in context) == OptimizerStepOutcome.Rejected;
        if (!TensorPrimitives.IsFiniteAll<T>(parameters))
        {
            _parametersBeforeStep.CopyTo(parameters);
            return NonFiniteQuantity.Parameters;
        }

        loss = double.CreateTruncating(batchLoss);
        objective = double.CreateTruncating(batchObjective);
        return null;
    }

    private EvaluationResult Evaluate(Dataset<T> data, T[]? sampleWeights, AccuracyMode accuracy) =>
        new(EvaluateLoss(data, sampleWeights), accuracy == AccuracyMode.None ? null : EvaluateAccuracy(data, accuracy));

    // The mean loss over all samples, in chunks the workspace holds; each chunk's mean is weighted by its size, or with
    // sample weights by the sum of its weights, so the result is Σ_x w_x C_x / Σ_x w_x over the whole set.
    private double EvaluateLoss(Dataset<T> data, T[]? sampleWeights)
    {
        var workspace = _workspace!;
        int chunk = workspace.BatchCapacity;
        double total = 0.0;
        double weightTotal = 0.0;
        for (int first = 0; first < data.Count; first += chunk)
        {
            int count = Math.Min(chunk, data.Count - first);
            ReadOnlySpan<T> weights = sampleWeights is null ? default : sampleWeights.AsSpan(first, count);
            T loss = _network.ComputeLoss(
                data.Features.Slice(first * data.FeatureCount, count * data.FeatureCount),
                data.Targets.Slice(first * data.TargetCount, count * data.TargetCount),
                weights,
                workspace);
            double chunkWeight = count;
            if (sampleWeights is not null)
            {
                chunkWeight = 0.0;
                foreach (T weight in weights)
                {
                    chunkWeight += double.CreateTruncating(weight);
                }
            }

            total += double.CreateTruncating(loss) * chunkWeight;
            weightTotal += chunkWeight;
        }

        return sampleWeights is null ? total / data.Count : weightTotal > 0.0 ? total / weightTotal : 0.0;
    }

    // Copies samples _order[first] … _order[first + count − 1] of data into the batch buffers, and their weights when the
    // run has any.
    private void GatherBatch(Dataset<T> data, T[]? sampleWeights, int first, int count)
    {
        int inputSize = _spec.InputSize;
        int outputSize = _spec.OutputSize;
        for (int i = 0; i < count; i++)
        {
            int sample = _order[first + i];
            data.GetFeatures(sample).CopyTo(_batchInputs.AsSpan(i * inputSize, inputSize));
            data.GetTargets(sample).CopyTo(_batchTargets.AsSpan(i * outputSize, outputSize));
            if (sampleWeights is not null)
            {
                _batchWeights[i] = sampleWeights[sample];
            }
        }
    }

    private double EvaluateAccuracy(Dataset<T> data, AccuracyMode mode)
    {
        int correct = 0;
        for (int sample = 0; sample < data.Count; sample++)
        {
            _network.Forward(data.GetFeatures(sample), _output);
            if (ClassificationAccuracy.IsCorrect(mode, data, sample, _output))
            {
                correct++;
            }
        }

        return correct / (double)data.Count;
    }

    // Whether `gradient`, the slice of the layout that starts at entry `offset`, is finite; if so, writes to norms[layer]
    // the norm of the part of each layer's weight gradient inside the slice (0 where there is none). One pass over the
    // entries does both, since a NaN or infinite entry makes its part's sum of squares non-finite; only a non-finite sum
    // (which finite double entries beyond 1e154 also give) needs the second look.
    private static bool InspectGradient(NetworkSpec spec, int offset, ReadOnlySpan<T> gradient, Span<double> norms)
    {
        bool sumsFinite = true;
        for (int layer = 0; layer < norms.Length; layer++)
        {
            var layout = spec.GetLayout(layer);
            norms[layer] = 0.0;
            if (LayoutSlices.TryIntersect(layout.WeightsOffset, layout.WeightCount, offset, gradient.Length, out int start, out int length))
            {
                double sum = SpanMath.SumOfSquaresAsDouble(gradient.Slice(start, length));
                norms[layer] = Math.Sqrt(sum);
                sumsFinite &= double.IsFinite(sum);
            }

            if (LayoutSlices.TryIntersect(layout.BiasesOffset, layout.OutputSize, offset, gradient.Length, out start, out length))
            {
                sumsFinite &= double.IsFinite(SpanMath.SumOfSquaresAsDouble(gradient.Slice(start, length)));
            }
        }

        if (sumsFinite)
        {
            return true;
        }

        if (!TensorPrimitives.IsFiniteAll(gradient))
        {
            return false;
        }

        for (int layer = 0; layer < norms.Length; layer++)
        {
            var layout = spec.GetLayout(layer);
            if (double.IsInfinity(norms[layer]) && LayoutSlices.TryIntersect(layout.WeightsOffset, layout.WeightCount, offset, gradient.Length, out int start, out int length))
            {
                norms[layer] = Norm(gradient.Slice(start, length));
            }
        }

        return true;
    }

    // ‖g‖₂ accumulated in double: no overflow for float gradients, and for double ones the rescaled fallback below.
    private static double Norm(ReadOnlySpan<T> values)
    {
        double sumOfSquares = SpanMath.SumOfSquaresAsDouble(values);

        if (double.IsFinite(sumOfSquares))
        {
            return Math.Sqrt(sumOfSquares);
        }

        // Entries beyond 1e154 overflow their squares; scale by the largest magnitude first.
        double largest = double.CreateTruncating(TensorPrimitives.MaxMagnitude(values));
        largest = Math.Abs(largest);
        double scaled = 0.0;
        foreach (T value in values)
        {
            double v = double.CreateTruncating(value) / largest;
            scaled += v * v;
        }

        return largest * Math.Sqrt(scaled);
    }

    private void EnsureBatchCapacity(int batchSize)
    {
        if (_workspace is null || _workspace.BatchCapacity < batchSize)
        {
            _workspace = _network.CreateWorkspace(batchSize);
            _batchInputs = new T[batchSize * _spec.InputSize];
            _batchTargets = new T[batchSize * _spec.OutputSize];
            _batchWeights = new T[batchSize];
        }
    }

    private void CheckDataset(Dataset<T> data, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(data, parameterName);
        if (data.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", parameterName);
        }

        if (data.FeatureCount != _spec.InputSize || data.TargetCount != _spec.OutputSize)
        {
            throw new ArgumentException(
                $"The data set has {data.FeatureCount} features and {data.TargetCount} targets per sample; the network {_spec} needs {_spec.InputSize} and {_spec.OutputSize}.",
                parameterName);
        }
    }
}
