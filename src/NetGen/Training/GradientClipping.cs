using System;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// The trainer's gradient clipping (<see cref="TrainerOptions.GradientClipValue"/>, then
/// <see cref="TrainerOptions.GradientClipNorm"/>), run slice by slice like the rest of an element-wise step.
/// </summary>
/// <remarks>
/// Clipping by norm needs the norm of the whole gradient before any slice may change. Each slice therefore first
/// measures (<see cref="MeasureSlice"/>, in the inspection phase of the data-parallel pass) the sums of squares of its
/// blocks of <see cref="BlockSize"/> entries, blocks fixed by their place in the parameter vector; once every slice has
/// measured, <see cref="Factor"/> adds all block sums in order. Slices start on multiples of the block size, so the
/// blocks, their sums and the order of the final sum are the same however the vector is sliced: a sliced update clips
/// by the same factor, to the last bit, as a whole-vector one.
/// </remarks>
internal sealed class GradientClipping<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The block of entries whose squares are summed together; slices of a data-parallel pass start on
    /// multiples of it.</summary>
    public const int BlockSize = 16;

    // PyTorch's clip_grad_norm_ divides by ‖g‖ + 1e-6, so a norm just above the limit is clipped just below it.
    private const double NormGuard = 1e-6;

    private readonly double _maxNorm;
    private readonly T _maxValue;
    private readonly bool _clipValue;
    private readonly double[]? _blockSums;

    public GradientClipping(int parameterCount, double? maxNorm, double? maxValue)
    {
        _maxNorm = maxNorm ?? double.PositiveInfinity;
        _clipValue = maxValue is not null;
        _maxValue = maxValue is { } value ? T.CreateChecked(value) : T.PositiveInfinity;
        _blockSums = maxNorm is not null ? new double[(parameterCount + BlockSize - 1) / BlockSize] : null;
    }

    /// <summary>Records the sums of squares of the slice's blocks (after clipping by value, when it is on).</summary>
    public void MeasureSlice(int offset, ReadOnlySpan<T> gradient)
    {
        if (_blockSums is null || gradient.IsEmpty)
        {
            return;
        }

        if (offset % BlockSize != 0)
        {
            throw new ArgumentException($"A gradient slice starts at entry {offset}, not on a multiple of {BlockSize}.", nameof(offset));
        }

        int firstBlock = offset / BlockSize;
        for (int start = 0, block = firstBlock; start < gradient.Length; start += BlockSize, block++)
        {
            ReadOnlySpan<T> entries = gradient.Slice(start, Math.Min(BlockSize, gradient.Length - start));
            double sum = 0.0;
            foreach (T g in entries)
            {
                double value = double.CreateTruncating(_clipValue ? T.Clamp(g, -_maxValue, _maxValue) : g);
                sum += value * value;
            }

            _blockSums[block] = sum;
        }
    }

    /// <summary>The norm clipping factor min(1, c / (‖g‖ + 10⁻⁶)) over the whole gradient, once every slice has been
    /// measured; 1 without clipping by norm.</summary>
    public double Factor()
    {
        if (_blockSums is null)
        {
            return 1.0;
        }

        double sum = 0.0;
        foreach (double blockSum in _blockSums)
        {
            sum += blockSum;
        }

        double norm = Math.Sqrt(sum);
        double factor = _maxNorm / (norm + NormGuard);
        return factor < 1.0 ? factor : 1.0;
    }

    /// <summary>Clips the slice by value, then scales it by <paramref name="factor"/>; whether anything changed.</summary>
    public bool ClipSlice(Span<T> gradient, double factor)
    {
        bool changed = false;
        if (_clipValue)
        {
            for (int i = 0; i < gradient.Length; i++)
            {
                T g = gradient[i];
                T clipped = T.Clamp(g, -_maxValue, _maxValue);
                if (clipped != g)
                {
                    gradient[i] = clipped;
                    changed = true;
                }
            }
        }

        if (factor < 1.0)
        {
            T scale = T.CreateTruncating(factor);
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] *= scale;
            }

            changed = true;
        }

        return changed;
    }
}
