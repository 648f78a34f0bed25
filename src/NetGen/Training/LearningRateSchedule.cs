using System;

namespace NetGen.Training;

/// <summary>
/// The step-size sequence η_t of gradient descent: the learning rate the trainer uses for each update. A plain number
/// converts implicitly to a <see cref="ConstantLearningRate"/>, so <c>LearningRate = 0.1</c> works in options.
/// </summary>
/// <remarks>
/// Both arguments of <see cref="GetRate"/> are 0-based counters, so the first update of a run asks for
/// <c>GetRate(0, 0)</c>. Implementations must be pure functions of their arguments: the trainer's reproducibility
/// from a seed depends on it.
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>Returns η for one update.</summary>
    /// <param name="epoch">The 0-based index of the current epoch (the number of epochs completed before it).</param>
    /// <param name="step">The global 0-based index of the update: the number of updates made before it in this run.</param>
    /// <returns>A finite, non-negative learning rate.</returns>
    public abstract double GetRate(int epoch, int step);

    /// <summary>A schedule that always returns <paramref name="rate"/>.</summary>
    /// <param name="rate">The learning rate, finite and non-negative.</param>
    public static implicit operator LearningRateSchedule(double rate) => new ConstantLearningRate(rate);

    /// <summary>A schedule that always returns <paramref name="rate"/>.</summary>
    /// <param name="rate">The learning rate, finite and non-negative.</param>
    public static ConstantLearningRate Constant(double rate) => new(rate);

    /// <summary>η = initial · factor^⌊epoch / everyEpochs⌋: the rate is multiplied by <paramref name="factor"/> every
    /// <paramref name="everyEpochs"/> epochs.</summary>
    /// <param name="initial">The rate of the first epochs, finite and non-negative.</param>
    /// <param name="factor">The multiplier applied at each drop, finite and positive (usually below 1).</param>
    /// <param name="everyEpochs">How many epochs each rate lasts, at least 1.</param>
    public static StepDecayLearningRate StepDecay(double initial, double factor, int everyEpochs) => new(initial, factor, everyEpochs);

    /// <summary>η_t = initial / (1 + decay · t) with t the global step: a Robbins–Monro sequence (Σ η_t = ∞,
    /// Σ η_t² &lt; ∞) for any positive decay.</summary>
    /// <param name="initial">The rate of the first update, finite and non-negative.</param>
    /// <param name="decay">How fast the rate falls per update, finite and non-negative.</param>
    public static InverseTimeLearningRate InverseTime(double initial, double decay) => new(initial, decay);

    /// <summary>Cosine annealing from <paramref name="initial"/> down to <paramref name="minimum"/> over
    /// <paramref name="totalEpochs"/> epochs, then held at the minimum.</summary>
    /// <param name="initial">The rate of epoch 0, finite and non-negative.</param>
    /// <param name="minimum">The rate reached at epoch <paramref name="totalEpochs"/>, in [0, initial].</param>
    /// <param name="totalEpochs">The length of the annealing, at least 1.</param>
    public static CosineLearningRate Cosine(double initial, double minimum, int totalEpochs) => new(initial, minimum, totalEpochs);

    /// <summary>A schedule computed by <paramref name="rate"/>, called as <c>rate(epoch, step)</c>.</summary>
    /// <param name="rate">A pure function of the 0-based epoch and global step; its results are checked when used.</param>
    public static FunctionLearningRate FromFunction(Func<int, int, double> rate) => new(rate);

    /// <summary>Throws unless <paramref name="rate"/> is a usable learning rate.</summary>
    /// <param name="rate">The value to check.</param>
    /// <param name="parameterName">The argument it was passed as.</param>
    private protected static void RequireRate(double rate, string parameterName)
    {
        if (!double.IsFinite(rate) || rate < 0.0)
        {
            throw new ArgumentOutOfRangeException(parameterName, rate, "A learning rate must be finite and non-negative.");
        }
    }
}

/// <summary>η_t = <see cref="Rate"/> for every update.</summary>
public sealed class ConstantLearningRate : LearningRateSchedule
{
    /// <summary>Creates a constant schedule.</summary>
    /// <param name="rate">The learning rate, finite and non-negative.</param>
    public ConstantLearningRate(double rate)
    {
        RequireRate(rate, nameof(rate));
        Rate = rate;
    }

    /// <summary>The learning rate.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override double GetRate(int epoch, int step) => Rate;

    /// <summary>Describes the schedule, e.g. <c>Constant(0.1)</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"Constant({Rate})");
}

/// <summary>η = <see cref="Initial"/> · <see cref="Factor"/>^⌊epoch / <see cref="EveryEpochs"/>⌋.</summary>
public sealed class StepDecayLearningRate : LearningRateSchedule
{
    /// <summary>Creates a step-decay schedule.</summary>
    /// <param name="initial">The rate of the first epochs, finite and non-negative.</param>
    /// <param name="factor">The multiplier applied at each drop, finite and positive.</param>
    /// <param name="everyEpochs">How many epochs each rate lasts, at least 1.</param>
    public StepDecayLearningRate(double initial, double factor, int everyEpochs)
    {
        RequireRate(initial, nameof(initial));
        if (!double.IsFinite(factor) || factor <= 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The decay factor must be finite and positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(everyEpochs, 1);
        Initial = initial;
        Factor = factor;
        EveryEpochs = everyEpochs;
    }

    /// <summary>The rate of the first <see cref="EveryEpochs"/> epochs.</summary>
    public double Initial { get; }

    /// <summary>The multiplier applied at each drop.</summary>
    public double Factor { get; }

    /// <summary>How many epochs each rate lasts.</summary>
    public int EveryEpochs { get; }

    /// <inheritdoc/>
    public override double GetRate(int epoch, int step) => Initial * Math.Pow(Factor, Math.Max(epoch, 0) / EveryEpochs);

    /// <summary>Describes the schedule.</summary>
    public override string ToString() => FormattableString.Invariant($"StepDecay({Initial}, ×{Factor} every {EveryEpochs} epochs)");
}

/// <summary>η_t = <see cref="Initial"/> / (1 + <see cref="Decay"/> · t), with t the global 0-based step.</summary>
public sealed class InverseTimeLearningRate : LearningRateSchedule
{
    /// <summary>Creates an inverse-time schedule.</summary>
    /// <param name="initial">The rate of the first update, finite and non-negative.</param>
    /// <param name="decay">How fast the rate falls per update, finite and non-negative.</param>
    public InverseTimeLearningRate(double initial, double decay)
    {
        RequireRate(initial, nameof(initial));
        if (!double.IsFinite(decay) || decay < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must be finite and non-negative.");
        }

        Initial = initial;
        Decay = decay;
    }

    /// <summary>The rate of the first update.</summary>
    public double Initial { get; }

    /// <summary>How fast the rate falls per update.</summary>
    public double Decay { get; }

    /// <inheritdoc/>
    public override double GetRate(int epoch, int step) => Initial / (1.0 + Decay * Math.Max(step, 0));

    /// <summary>Describes the schedule.</summary>
    public override string ToString() => FormattableString.Invariant($"InverseTime({Initial} / (1 + {Decay}·t))");
}

/// <summary>
/// Cosine annealing: η = min + ½ (initial − min) (1 + cos(π · e / E)) for epoch e &lt; E = <see cref="TotalEpochs"/>,
/// and <see cref="Minimum"/> from epoch E on. Epoch 0 runs at <see cref="Initial"/>; as in the usual formulation, the
/// minimum is reached at epoch E, one past the last epoch of a run of E epochs.
/// </summary>
public sealed class CosineLearningRate : LearningRateSchedule
{
    /// <summary>Creates a cosine-annealing schedule.</summary>
    /// <param name="initial">The rate of epoch 0, finite and non-negative.</param>
    /// <param name="minimum">The final rate, in [0, initial].</param>
    /// <param name="totalEpochs">The length of the annealing, at least 1.</param>
    public CosineLearningRate(double initial, double minimum, int totalEpochs)
    {
        RequireRate(initial, nameof(initial));
        RequireRate(minimum, nameof(minimum));
        if (minimum > initial)
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, $"The minimum rate must not exceed the initial rate {initial}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalEpochs, 1);
        Initial = initial;
        Minimum = minimum;
        TotalEpochs = totalEpochs;
    }

    /// <summary>The rate of epoch 0.</summary>
    public double Initial { get; }

    /// <summary>The rate from epoch <see cref="TotalEpochs"/> on.</summary>
    public double Minimum { get; }

    /// <summary>The length of the annealing in epochs.</summary>
    public int TotalEpochs { get; }

    /// <inheritdoc/>
    public override double GetRate(int epoch, int step)
    {
        double progress = Math.Clamp(epoch, 0, TotalEpochs) / (double)TotalEpochs;
        return Minimum + 0.5 * (Initial - Minimum) * (1.0 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Describes the schedule.</summary>
    public override string ToString() => FormattableString.Invariant($"Cosine({Initial} → {Minimum} over {TotalEpochs} epochs)");
}

/// <summary>A schedule computed by a caller-supplied function of the 0-based epoch and global step.</summary>
public sealed class FunctionLearningRate : LearningRateSchedule
{
    private readonly Func<int, int, double> _rate;

    /// <summary>Wraps a function as a schedule.</summary>
    /// <param name="rate">A pure function <c>(epoch, step) → η</c>.</param>
    public FunctionLearningRate(Func<int, int, double> rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        _rate = rate;
    }

    /// <inheritdoc/>
    public override double GetRate(int epoch, int step) => _rate(epoch, step);

    /// <summary>Describes the schedule.</summary>
    public override string ToString() => "FromFunction";
}
