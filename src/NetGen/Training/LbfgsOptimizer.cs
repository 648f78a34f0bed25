using System;

namespace NetGen.Training;

/// <summary>
/// Limited-memory BFGS: a quasi-Newton method that builds an inverse-Hessian approximation from the last
/// <see cref="HistorySize"/> steps and gradient changes, and takes each step along its direction with a strong-Wolfe
/// line search. It needs only the loss and its gradient, so it trains generated and interpreted networks alike.
/// </summary>
/// <remarks>
/// <para>
/// Each trainer step is one L-BFGS iteration (Nocedal &amp; Wright, <i>Numerical Optimization</i>, Algorithm 7.5):
/// the direction d = −H∇f by the two-loop recursion with H₀ = γI, γ = sᵀy/yᵀy of the newest pair; a step α along it
/// satisfying the strong Wolfe conditions f(w + αd) ≤ f(w) + c₁α∇fᵀd and |∇f(w + αd)ᵀd| ≤ c₂|∇fᵀd| (Algorithms 3.5
/// and 3.6, cubic interpolation); then the pair s = Δw, y = Δ∇f joins the history, dropping the oldest, if its
/// curvature yᵀs is positive. The first trial step is α = 1, except on the first iteration (no history, d = −∇f),
/// which tries a step of length min(1, ‖∇f‖), α = min(1, 1/‖∇f‖).
/// </para>
/// <para>
/// If no step with sufficient decrease is found within <see cref="MaxLineSearchEvaluations"/> evaluations, the
/// parameters are restored bitwise, the history is cleared (the next step starts again from steepest descent) and the
/// step counts as rejected (<see cref="EpochRecord.RejectedSteps"/>). A direction that is not a descent direction
/// (rounding can make it so) also clears the history and uses −∇f.
/// </para>
/// <para>
/// <b>Full batch only</b> (<see cref="RequiresFullBatch"/>): the line search and the curvature pairs compare values and
/// gradients of one fixed objective; give <c>BatchSize = int.MaxValue</c>. <see cref="TrainerOptions.LearningRate"/> is
/// ignored. The objective is the regularised one of the whole network: with dropout, or when the trainer clipped the
/// gradient, the gradient is recomputed without either, so neither changes L-BFGS's steps. Each iteration costs one
/// gradient evaluation per line-search trial, usually one, besides the trainer's own pass.
/// </para>
/// <para>
/// <b>Memory.</b> 2mP doubles for the history plus 2P doubles and 2P values of T; steps allocate nothing.
/// </para>
/// </remarks>
/// <example><code>
/// var options = new TrainerOptions { Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 500, TargetLoss = 5e-4 };
/// </code></example>
public sealed class LbfgsOptimizer : Optimizer
{
    /// <summary>The default <see cref="HistorySize"/>, m = 10.</summary>
    public const int DefaultHistorySize = 10;

    /// <summary>m, the number of curvature pairs kept; from 1 to 1,000, 10 by default.</summary>
    public int HistorySize
    {
        get;
        init => field = value is >= 1 and <= 1000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HistorySize), value, "HistorySize must be from 1 to 1000.");
    } = DefaultHistorySize;

    /// <summary>c₁ of the sufficient-decrease condition; in (0, <see cref="CurvatureCondition"/>), 1e-4 by default.</summary>
    public double SufficientDecrease
    {
        get;
        init => field = value is > 0.0 and < 1.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(SufficientDecrease), value, "SufficientDecrease must be in (0, 1).");
    } = 1e-4;

    /// <summary>c₂ of the strong curvature condition; in (<see cref="SufficientDecrease"/>, 1), 0.9 by default (the usual
    /// choice for quasi-Newton methods; a small value makes the line search nearly exact).</summary>
    public double CurvatureCondition
    {
        get;
        init => field = value is > 0.0 and < 1.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(CurvatureCondition), value, "CurvatureCondition must be in (0, 1).");
    } = 0.9;

    /// <summary>The most objective-and-gradient evaluations one line search may spend; at least 1, 25 by default.</summary>
    public int MaxLineSearchEvaluations
    {
        get;
        init => field = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxLineSearchEvaluations), value, "MaxLineSearchEvaluations must be at least 1.");
    } = 25;

    /// <summary>L-BFGS's steps come from its line search; the learning rate is ignored.</summary>
    public override bool UsesLearningRate => false;

    /// <summary>The line search compares values of one fixed objective; mini-batches are refused.</summary>
    public override bool RequiresFullBatch => true;

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant(
        $"L-BFGS(m = {HistorySize}, strong Wolfe c₁ = {SufficientDecrease}, c₂ = {CurvatureCondition})");

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">c₁ is not below c₂, or the history would not fit in memory.</exception>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec) => CreateLbfgsState<T>(spec);

    /// <summary>Creates the state with its concrete type, which reports the last step.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="spec">The layout of the parameters the state will update.</param>
    /// <exception cref="ArgumentException">c₁ is not below c₂, or the history would not fit in memory.</exception>
    public LbfgsOptimizerState<T> CreateLbfgsState<T>(NetworkSpec spec)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(SufficientDecrease < CurvatureCondition))
        {
            throw new ArgumentException(
                FormattableString.Invariant($"L-BFGS needs 0 < c₁ < c₂ < 1; SufficientDecrease is {SufficientDecrease} and CurvatureCondition {CurvatureCondition}."), nameof(spec));
        }

        if ((long)HistorySize * spec.ParameterCount > Array.MaxLength)
        {
            throw new ArgumentException(
                $"An L-BFGS history of {HistorySize} pairs of {spec.ParameterCount} parameters does not fit in one array; use a smaller HistorySize.", nameof(spec));
        }

        return new LbfgsOptimizerState<T>(spec, this);
    }
}
