using System;
using System.Collections.Generic;

namespace NetGen.Training;

/// <summary>The settings of a learning-rate range test (<see cref="Trainer{T}.FindLearningRate"/>).</summary>
public sealed class LearningRateRangeTestOptions
{
    /// <summary>η of the first step; finite and positive, 1e-7 by default.</summary>
    public double MinimumRate { get; init; } = 1e-7;

    /// <summary>η of the last step; finite and above <see cref="MinimumRate"/>, 10 by default.</summary>
    public double MaximumRate { get; init; } = 10.0;

    /// <summary>The number of steps; <see langword="null"/> (the default) for one pass over the training set in batches
    /// of <see cref="TrainerOptions.BatchSize"/>. More steps than one pass continue into further shuffled passes. At
    /// least 2.</summary>
    public int? Steps { get; init; }

    /// <summary>
    /// β of the exponential moving average that smooths the losses, in [0, 1); <see langword="null"/> (the default)
    /// takes β = 1 − 5/steps, at most 0.98 (fastai's value for its 100 steps): an average over about a fifth of the run,
    /// whatever its length.
    /// </summary>
    public double? Smoothing { get; init; }

    /// <summary>Stop once the smoothed loss exceeds this multiple of its lowest value so far; above 1, 4 by default (as
    /// fastai).</summary>
    public double DivergenceFactor { get; init; } = 4.0;

    /// <summary>Checks every setting and throws for the first that is invalid.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!(double.IsFinite(MinimumRate) && MinimumRate > 0.0))
        {
            throw new ArgumentException($"MinimumRate is {MinimumRate}; it must be finite and positive.", nameof(MinimumRate));
        }

        if (!(double.IsFinite(MaximumRate) && MaximumRate > MinimumRate))
        {
            throw new ArgumentException($"MaximumRate is {MaximumRate}; it must be finite and above MinimumRate ({MinimumRate}).", nameof(MaximumRate));
        }

        if (Steps is < 2)
        {
            throw new ArgumentException($"Steps is {Steps}; the test needs at least 2 steps, or null for one pass.", nameof(Steps));
        }

        if (Smoothing is { } beta && !(beta >= 0.0 && beta < 1.0))
        {
            throw new ArgumentException($"Smoothing is {beta}; it must be in [0, 1), or null to choose it from the number of steps.", nameof(Smoothing));
        }

        if (!(double.IsFinite(DivergenceFactor) && DivergenceFactor > 1.0))
        {
            throw new ArgumentException($"DivergenceFactor is {DivergenceFactor}; it must be finite and above 1.", nameof(DivergenceFactor));
        }
    }
}

/// <summary>
/// The outcome of a learning-rate range test: the loss at every η tried, smoothed, and the suggested η.
/// </summary>
/// <remarks>
/// <para>
/// The suggestion is the η at which the smoothed loss falls fastest against log η (the steepest negative slope, as in
/// Smith's range test and fastai's <c>steep</c> suggestion), looked for only up to the lowest smoothed loss: past it
/// the loss rises towards divergence, and only from the point where the moving average spans its window of
/// 1/(1 − β) losses (<see cref="FirstConsideredIndex"/>; its first values rest on a handful of noisy batches, as
/// fastai's <c>skip_start</c> acknowledges). The slope at each point is the central difference of the smoothed loss
/// over ln η (one-sided at the ends). The moving average trails the losses: on a steady trend by the mean age of its
/// weights, β/(1 − β) steps. The suggestion is therefore the η that many steps before the smoothed curve's steepest
/// point (<see cref="SteepestSmoothedIndex"/>), where the losses themselves fell fastest; without that correction the
/// rule picks rates several times too large (on the UCI digits with Adam, 0.0376 instead of 0.0013). If the smoothed
/// loss never fell below its first value, the suggestion is the first, smallest η and <see cref="LossDecreased"/> is
/// false: try a smaller <see cref="LearningRateRangeTestOptions.MinimumRate"/>.
/// </para>
/// <para>
/// Each loss is the training loss of its batch measured before the step taken at its η, as fastai records it; the
/// effect of η therefore shows from the next point on, which the exponential schedule keeps within one factor of the
/// step's ratio.
/// </para>
/// </remarks>
public sealed class LearningRateRangeTestResult
{
    internal LearningRateRangeTestResult(double[] rates, double[] losses, double[] smoothed, double smoothing, bool diverged)
    {
        Rates = rates;
        Losses = losses;
        SmoothedLosses = smoothed;
        Smoothing = smoothing;
        Diverged = diverged;
        int lowest = 0;
        for (int i = 1; i < smoothed.Length; i++)
        {
            if (smoothed[i] < smoothed[lowest])
            {
                lowest = i;
            }
        }

        LowestLossIndex = lowest;
        LossDecreased = lowest > 0;
        // The moving average's first values rest on a few losses only; they count once it spans 1/(1 − β) of them.
        // (The tolerance keeps a window such as 1/(1 − 0.8), which rounds to 5.000000000000001, at 5.)
        FirstConsideredIndex = Math.Min(lowest, Math.Max(0, (int)Math.Ceiling((1.0 / (1.0 - smoothing)) - 1e-9) - 1));
        int steepest = FirstConsideredIndex;
        double steepestSlope = double.PositiveInfinity;
        for (int i = FirstConsideredIndex; i <= lowest && smoothed.Length > 1; i++)
        {
            int before = Math.Max(i - 1, 0);
            int after = Math.Min(i + 1, smoothed.Length - 1);
            double slope = (smoothed[after] - smoothed[before]) / (Math.Log(rates[after]) - Math.Log(rates[before]));
            if (slope < steepestSlope)
            {
                steepestSlope = slope;
                steepest = i;
            }
        }

        SteepestSmoothedIndex = steepest;
        SteepestSlope = smoothed.Length > 1 ? steepestSlope : double.NaN;
        // An exponential average of a trend trails it by the mean age of its weights, β/(1 − β) steps.
        SuggestedIndex = Math.Max(0, steepest - (int)Math.Round(smoothing / (1.0 - smoothing)));
    }

    /// <summary>η of each step, rising exponentially from the minimum; as many as there are losses.</summary>
    public IReadOnlyList<double> Rates { get; }

    /// <summary>Each step's batch loss (data loss, with dropout if the network has any), before its update.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The losses smoothed by a bias-corrected exponential moving average with β = <see cref="Smoothing"/>.</summary>
    public IReadOnlyList<double> SmoothedLosses { get; }

    /// <summary>β of the moving average used.</summary>
    public double Smoothing { get; }

    /// <summary>Whether the test stopped before its last step: the smoothed loss exceeded the divergence factor times its
    /// lowest value, or a loss, gradient or update was not finite.</summary>
    public bool Diverged { get; }

    /// <summary>The index of the lowest smoothed loss.</summary>
    public int LowestLossIndex { get; }

    /// <summary>Whether the smoothed loss fell at all (its lowest value is not the first).</summary>
    public bool LossDecreased { get; }

    /// <summary>The first index the suggestion may take: ⌈1/(1 − β)⌉ − 1, where the moving average first spans its window
    /// of losses (and at most <see cref="LowestLossIndex"/>).</summary>
    public int FirstConsideredIndex { get; }

    /// <summary>The index of the steepest fall of the smoothed loss against log η, between
    /// <see cref="FirstConsideredIndex"/> and <see cref="LowestLossIndex"/>.</summary>
    public int SteepestSmoothedIndex { get; }

    /// <summary>The index of the suggested η: <see cref="SteepestSmoothedIndex"/> moved back by the moving average's delay,
    /// round(β/(1 − β)) steps (not below 0).</summary>
    public int SuggestedIndex { get; }

    /// <summary>The suggested learning rate, <see cref="Rates"/>[<see cref="SuggestedIndex"/>].</summary>
    public double SuggestedRate => Rates[SuggestedIndex];

    /// <summary>The slope d(smoothed loss)/d(ln η) at <see cref="SteepestSmoothedIndex"/>; NaN with a single point.</summary>
    public double SteepestSlope { get; }
}
