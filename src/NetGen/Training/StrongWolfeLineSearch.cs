using System;

namespace NetGen.Training;

/// <summary>φ(α) = f(w + αd) and its slope φ′(α) = ∇f(w + αd)ᵀd along a search direction d.</summary>
internal interface ILineSearchFunction
{
    /// <summary>Evaluates φ and φ′ at step <paramref name="step"/>; may return a value that is not finite.</summary>
    double Evaluate(double step, out double slope);
}

/// <summary>How a line search ended.</summary>
internal enum LineSearchStatus
{
    /// <summary>The step satisfies both strong Wolfe conditions.</summary>
    Converged = 0,

    /// <summary>The evaluations or the bracket ran out; the step is the best found, which satisfies the sufficient
    /// decrease condition but not the curvature condition.</summary>
    SufficientDecreaseOnly = 1,

    /// <summary>No step with sufficient decrease was found.</summary>
    Failed = 2,
}

/// <summary>Where a line search ended: the step α, φ(α) and φ′(α), and the evaluations spent.</summary>
internal readonly record struct LineSearchResult(LineSearchStatus Status, double Step, double Value, double Slope, int Evaluations);

/// <summary>
/// The line search of Nocedal &amp; Wright, <i>Numerical Optimization</i> (2nd ed.), Algorithms 3.5 and 3.6: find a step
/// α &gt; 0 satisfying the strong Wolfe conditions φ(α) ≤ φ(0) + c₁αφ′(0) (sufficient decrease) and
/// |φ′(α)| ≤ c₂|φ′(0)| (curvature), trial steps inside a bracket chosen by cubic interpolation.
/// </summary>
/// <remarks>
/// <para>
/// Algorithm 3.5 tries α₁ and grows the step while φ keeps falling with a slope that is still steep: the next trial is
/// the minimizer of the cubic through the last two trials (their values and slopes), held within [2αᵢ, 10αᵢ]. As soon as
/// a trial breaks sufficient decrease, does not improve on the previous trial, or has a non-negative slope, a bracket
/// holding acceptable steps is known and Algorithm 3.6 (zoom) narrows it: each trial is the cubic's minimizer on the
/// bracket (equation 3.59), kept at least a tenth of the bracket from its ends (bisection when the cubic has no
/// minimizer); the end "lo" always has sufficient decrease and the lowest value seen among such steps.
/// </para>
/// <para>
/// A trial whose value is not finite counts as breaking sufficient decrease, so the search retreats from it. When the
/// evaluations run out or the bracket shrinks to nothing, the search returns "lo" if it moved at all
/// (<see cref="LineSearchStatus.SufficientDecreaseOnly"/>), otherwise <see cref="LineSearchStatus.Failed"/>.
/// </para>
/// </remarks>
internal static class StrongWolfeLineSearch
{
    // Trials stay this fraction of the bracket away from its ends, so every trial shrinks it by at least a tenth.
    private const double BracketMargin = 0.1;

    /// <summary>Searches along a descent direction.</summary>
    /// <param name="function">φ; its last evaluation is at the returned step unless that step is "lo" of a search
    /// that ran out (the caller then re-evaluates).</param>
    /// <param name="value0">φ(0).</param>
    /// <param name="slope0">φ′(0), negative.</param>
    /// <param name="initialStep">α₁, positive.</param>
    /// <param name="c1">The sufficient-decrease constant, in (0, c₂).</param>
    /// <param name="c2">The curvature constant, in (c₁, 1).</param>
    /// <param name="maxEvaluations">The most evaluations of φ, at least 1.</param>
    public static LineSearchResult Search<TFunction>(ref TFunction function, double value0, double slope0, double initialStep, double c1, double c2, int maxEvaluations)
        where TFunction : ILineSearchFunction, allows ref struct
    {
        var previous = new Trial(0.0, value0, slope0);
        double step = initialStep;
        int evaluations = 0;
        while (true)
        {
            double value = function.Evaluate(step, out double slope);
            evaluations++;
            var current = new Trial(step, value, slope);
            if (!IsSufficientDecrease(current, value0, slope0, c1) || (evaluations > 1 && value >= previous.Value))
            {
                return Zoom(ref function, previous, current, value0, slope0, c1, c2, maxEvaluations, evaluations);
            }

            if (Math.Abs(slope) <= -c2 * slope0)
            {
                return new LineSearchResult(LineSearchStatus.Converged, step, value, slope, evaluations);
            }

            if (slope >= 0.0)
            {
                return Zoom(ref function, current, previous, value0, slope0, c1, c2, maxEvaluations, evaluations);
            }

            double next = CubicMinimizer(previous, current);
            next = double.IsFinite(next) ? Math.Clamp(next, 2.0 * step, 10.0 * step) : 2.0 * step;
            if (evaluations >= maxEvaluations || !double.IsFinite(next))
            {
                return new LineSearchResult(LineSearchStatus.SufficientDecreaseOnly, step, value, slope, evaluations);
            }

            previous = current;
            step = next;
        }
    }

    /// <summary>Whether a trial satisfies φ(α) ≤ φ(0) + c₁αφ′(0) with a finite value.</summary>
    public static bool IsSufficientDecrease(double step, double value, double value0, double slope0, double c1) =>
        double.IsFinite(value) && value <= value0 + (c1 * step * slope0);

    /// <summary>
    /// The minimizer of the cubic that interpolates φ and φ′ at two steps (Nocedal &amp; Wright, equation 3.59), or NaN
    /// when the cubic has none or an input is not finite.
    /// </summary>
    public static double CubicMinimizer(double a, double valueA, double slopeA, double b, double valueB, double slopeB)
    {
        double d1 = slopeA + slopeB - (3.0 * (valueA - valueB) / (a - b));
        double discriminant = (d1 * d1) - (slopeA * slopeB);
        if (!(discriminant >= 0.0))
        {
            return double.NaN;
        }

        double d2 = Math.CopySign(Math.Sqrt(discriminant), b - a);
        double result = b - ((b - a) * (slopeB + d2 - d1) / (slopeB - slopeA + (2.0 * d2)));
        return double.IsFinite(result) ? result : double.NaN;
    }

    private static bool IsSufficientDecrease(in Trial trial, double value0, double slope0, double c1) =>
        IsSufficientDecrease(trial.Step, trial.Value, value0, slope0, c1);

    private static double CubicMinimizer(in Trial a, in Trial b) =>
        CubicMinimizer(a.Step, a.Value, a.Slope, b.Step, b.Value, b.Slope);

    // Algorithm 3.6. lo has sufficient decrease and the lowest value among such trials; the bracket between lo and hi
    // holds steps that satisfy the strong Wolfe conditions.
    private static LineSearchResult Zoom<TFunction>(
        ref TFunction function, Trial lo, Trial hi, double value0, double slope0, double c1, double c2, int maxEvaluations, int evaluations)
        where TFunction : ILineSearchFunction, allows ref struct
    {
        while (evaluations < maxEvaluations)
        {
            double low = Math.Min(lo.Step, hi.Step);
            double high = Math.Max(lo.Step, hi.Step);
            double width = high - low;
            // Nothing left between the ends that double arithmetic can tell apart from them.
            if (!(width > 4.0 * double.Epsilon) || low + (BracketMargin * width) >= high - (BracketMargin * width))
            {
                break;
            }

            double step = CubicMinimizer(lo, hi);
            step = double.IsFinite(step)
                ? Math.Clamp(step, low + (BracketMargin * width), high - (BracketMargin * width))
                : 0.5 * (low + high);
            double value = function.Evaluate(step, out double slope);
            evaluations++;
            var trial = new Trial(step, value, slope);
            if (!IsSufficientDecrease(trial, value0, slope0, c1) || value >= lo.Value)
            {
                hi = trial;
                continue;
            }

            if (Math.Abs(slope) <= -c2 * slope0)
            {
                return new LineSearchResult(LineSearchStatus.Converged, step, value, slope, evaluations);
            }

            if (slope * (hi.Step - lo.Step) >= 0.0)
            {
                hi = lo;
            }

            lo = trial;
        }

        return lo.Step > 0.0
            ? new LineSearchResult(LineSearchStatus.SufficientDecreaseOnly, lo.Step, lo.Value, lo.Slope, evaluations)
            : new LineSearchResult(LineSearchStatus.Failed, 0.0, value0, slope0, evaluations);
    }

    private readonly record struct Trial(double Step, double Value, double Slope);
}
