using System;
using System.Numerics.Tensors;

namespace NetGen.Training;

public sealed partial class Trainer<T>
{
    // One step of an element-wise optimizer (SGD, momentum, Adam, RPROP). Everything after the gradient pass — the
    // finiteness checks, the gradient norms, clipping, the penalty, the backup, the update — works on one slice of the
    // parameters at a time.
    // With a DataParallelNetwork each of its threads runs these on its own slice inside the pass, where that slice of
    // the gradient sits in its core's cache; otherwise the whole vector is one slice, run here.
    private NonFiniteQuantity? TrainElementwiseStep(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        Regularization regularization,
        SeededRandom dropoutRandom,
        double rate,
        out double loss,
        out double objective)
    {
        loss = objective = double.NaN;
        var sliceStep = _sliceStep!;
        sliceStep.Begin(regularization, rate);
        T batchLoss;
        if (_network is DataParallelNetwork<T> parallel)
        {
            batchLoss = parallel.ComputeLossAndGradient(inputs, targets, _gradient, _workspace!, sliceStep, dropoutRandom);
        }
        else
        {
            batchLoss = _network.ComputeLossAndGradient(inputs, targets, _gradient, _workspace!, dropoutRandom);
            if (sliceStep.Inspect(0, 0, _gradient, batchLoss))
            {
                sliceStep.Apply(0, 0, _gradient);
            }
        }

        if (sliceStep.Failure(batchLoss) is { } failure)
        {
            return failure;
        }

        sliceStep.AddLayerNorms(_layerNormSums);
        _elementwiseOptimizer!.CompleteStep();
        loss = double.CreateTruncating(batchLoss);
        objective = double.CreateTruncating(batchLoss + sliceStep.Penalty());
        return null;
    }

    /// <summary>The per-slice half of an element-wise training step, with one set of results per slice.</summary>
    private sealed class SliceStep : IParameterSliceStep<T>
    {
        private readonly Trainer<T> _trainer;
        private readonly int _layerCount;
        // Per slice: the norm of the slice's part of each layer's weight gradient, the penalty sums, and what failed.
        private readonly double[] _layerNorms;
        private readonly T[] _sumsOfMagnitudes;
        private readonly T[] _sumsOfSquares;
        private readonly bool[] _gradientNotFinite;
        private readonly bool[] _parametersNotFinite;
        private Regularization? _regularization;
        private double _rate;

        public SliceStep(Trainer<T> trainer, int sliceCount)
        {
            _trainer = trainer;
            _layerCount = trainer._spec.Layers.Count;
            _layerNorms = new double[sliceCount * _layerCount];
            _sumsOfMagnitudes = new T[sliceCount];
            _sumsOfSquares = new T[sliceCount];
            _gradientNotFinite = new bool[sliceCount];
            _parametersNotFinite = new bool[sliceCount];
        }

        private int SliceCount => _sumsOfMagnitudes.Length;

        public void Begin(Regularization regularization, double rate)
        {
            _regularization = regularization;
            _rate = rate;
            Array.Clear(_layerNorms);
            Array.Clear(_sumsOfMagnitudes);
            Array.Clear(_sumsOfSquares);
            Array.Clear(_gradientNotFinite);
            Array.Clear(_parametersNotFinite);
        }

        public bool Inspect(int slice, int offset, ReadOnlySpan<T> gradient, T loss)
        {
            if (!T.IsFinite(loss))
            {
                return false;
            }

            // The norms describe backpropagation itself, so they are taken before clipping and the penalty terms.
            if (!InspectGradient(_trainer._spec, offset, gradient, _layerNorms.AsSpan(slice * _layerCount, _layerCount)))
            {
                _gradientNotFinite[slice] = true;
                return false;
            }

            // Clipping by norm needs every slice's share of the norm before any slice is clipped (GradientClipping).
            _trainer._clipping?.MeasureSlice(offset, gradient);
            return true;
        }

        public void Apply(int slice, int offset, Span<T> gradient)
        {
            var trainer = _trainer;
            var regularization = _regularization!;
            Span<T> parameters = trainer._network.Parameters.Slice(offset, gradient.Length);
            if (trainer._clipping is { } clipping)
            {
                clipping.ClipSlice(gradient, clipping.Factor());
            }

            regularization.AccumulatePenaltySums(trainer._spec, offset, parameters, ref _sumsOfMagnitudes[slice], ref _sumsOfSquares[slice]);
            regularization.AddGradientTermsToSlice(trainer._spec, offset, parameters, gradient);
            parameters.CopyTo(trainer._parametersBeforeStep.AsSpan(offset, gradient.Length));
            trainer._elementwiseOptimizer!.StepSlice(offset, gradient, parameters, _rate);
            _parametersNotFinite[slice] = !TensorPrimitives.IsFiniteAll<T>(parameters);
        }

        // What was not finite, in the order a single-slice step checks it; a non-finite update is rolled back here.
        public NonFiniteQuantity? Failure(T loss)
        {
            if (!T.IsFinite(loss))
            {
                return NonFiniteQuantity.Loss;
            }

            if (Array.IndexOf(_gradientNotFinite, true) >= 0)
            {
                return NonFiniteQuantity.Gradient;
            }

            if (Array.IndexOf(_parametersNotFinite, true) >= 0)
            {
                // Every slice was backed up before its update, since Apply runs on all slices or none.
                _trainer._parametersBeforeStep.CopyTo(_trainer._network.Parameters);
                return NonFiniteQuantity.Parameters;
            }

            return null;
        }

        // Adds each layer's gradient norm to `sums`: ‖g‖ = M·√Σ(n_s/M)² over the slices' norms n_s, with M the largest,
        // which overflows only if the result does and, for a single slice, is n_0 exactly.
        public void AddLayerNorms(double[] sums)
        {
            for (int layer = 0; layer < _layerCount; layer++)
            {
                double largest = 0.0;
                for (int slice = 0; slice < SliceCount; slice++)
                {
                    largest = Math.Max(largest, _layerNorms[(slice * _layerCount) + layer]);
                }

                if (largest == 0.0 || double.IsInfinity(largest))
                {
                    sums[layer] += largest;
                    continue;
                }

                double scaled = 0.0;
                for (int slice = 0; slice < SliceCount; slice++)
                {
                    double ratio = _layerNorms[(slice * _layerCount) + layer] / largest;
                    scaled += ratio * ratio;
                }

                sums[layer] += largest * Math.Sqrt(scaled);
            }
        }

        // The penalty at the parameters before the update, from the slices' sums added in slice order.
        public T Penalty()
        {
            T sumOfMagnitudes = T.Zero;
            T sumOfSquares = T.Zero;
            for (int slice = 0; slice < SliceCount; slice++)
            {
                sumOfMagnitudes += _sumsOfMagnitudes[slice];
                sumOfSquares += _sumsOfSquares[slice];
            }

            return _regularization!.PenaltyFromSums(sumOfMagnitudes, sumOfSquares);
        }
    }
}
