using System;

namespace NetGen.Training;

/// <summary>How <see cref="NewtonOptimizer"/> solves its damped Newton system (C + λI) s = −∇C.</summary>
public enum NewtonSolveMode
{
    /// <summary><see cref="Dense"/> when the network has at most <see cref="NewtonOptimizer.DenseThreshold"/>
    /// parameters, otherwise <see cref="HessianFree"/>.</summary>
    Auto = 0,

    /// <summary>
    /// Assemble the whole P × P curvature matrix from P curvature-vector products and solve by Cholesky factorisation.
    /// Exact, but costs P products and about P³/6 multiply–adds per step and P² doubles of memory.
    /// </summary>
    Dense = 1,

    /// <summary>
    /// Truncated conjugate gradients on the damped system using curvature-vector products only (Martens' Hessian-free
    /// optimisation): one product per iteration, memory linear in P, no matrix anywhere.
    /// </summary>
    HessianFree = 2,
}

/// <summary>
/// Newton's method with Levenberg–Marquardt damping: each step solves (C + λI) s = −∇C, where C is the exact Hessian
/// or the Gauss–Newton matrix of the regularised batch objective, tries w + s, keeps it if the objective fell and
/// adapts λ from how well the quadratic model predicted the fall.
/// </summary>
/// <remarks>
/// <para>
/// Use it with full batches or large mini-batches: <c>new TrainerOptions { Optimizer = new NewtonOptimizer(),
/// BatchSize = trainingSetSize }</c>. The network must implement <see cref="ISecondOrderNetwork{T}"/> (every generated
/// trainable network and <see cref="InterpretedNetwork{T}"/> do); otherwise the first step throws
/// <see cref="NotSupportedException"/>.
/// </para>
/// <para>
/// <b>Curvature.</b> C is <see cref="Curvature"/> of the batch's mean loss, from
/// <see cref="ISecondOrderNetwork{T}.ComputeCurvatureProduct"/>, plus the L2 penalty's curvature λ₂/n on the weights'
/// diagonal (L1 has none; its subgradient is in ∇C). The Gauss–Newton matrix (the default) is positive semi-definite,
/// so the damped system is always positive definite; the exact Hessian may be indefinite, in which case the optimizer
/// raises λ until C + λI is positive definite (dense) or conjugate gradients meets no negative curvature in its first
/// direction (Hessian-free).
/// </para>
/// <para>
/// <b>Solvers.</b> Dense: C is assembled from P products with unit vectors and symmetrised, (A + Aᵀ)/2, then
/// C + λI = LLᵀ by Cholesky factorisation in double; a pivot that is not positive (below 1e-13 of its diagonal entry)
/// means "not positive definite", and λ rises (×4, from at least 1e-3·max|C_ii|) and the factorisation is retried
/// within the same step, reusing C. Hessian-free: conjugate gradients from s = 0 on (C + λI)s = −∇C, one product per
/// iteration, until ‖r‖ ≤ <see cref="ConjugateGradientTolerance"/>·‖∇C‖ or
/// <see cref="MaxConjugateGradientIterations"/>; if a direction p has pᵀ(C + λI)p ≤ 0 it stops with the iterate so far
/// (if that happens at the first direction, −∇C, λ rises past that direction's curvature and CG restarts).
/// </para>
/// <para>
/// <b>Damping (Nielsen's rule).</b> With s the step for the current λ, the predicted fall of the objective is
/// L(0) − L(s) = −(∇Cᵀs + ½ sᵀCs), and the gain ratio ρ = (C(w) − C(w + s)) / (L(0) − L(s)). If the objective fell
/// (ρ &gt; 0) the step is kept and λ ← λ·max(⅓, 1 − (2ρ − 1)³), ν ← 2: λ falls when ρ &gt; ½ (to λ/3 when the model is
/// exact) and rises by at most 2× when 0 &lt; ρ &lt; ½. Otherwise the parameters are restored bitwise,
/// λ ← max(λ·ν, sᵀ(C + λI)s / (10 sᵀs)) (the second term, a tenth of the damped curvature along the rejected step,
/// matters only when λ is tiny on the problem's scale), ν ← 2ν, and the step returns
/// <see cref="OptimizerStepOutcome.Rejected"/> (counted in
/// <see cref="EpochRecord.RejectedSteps"/>). λ never falls below <see cref="MinimumDamping"/> (except a zero
/// <see cref="InitialDamping"/>, which stays zero until it must first rise) nor rises above
/// <see cref="MaximumDamping"/>. λ and ν persist from step to step and are reset at the start of every
/// <see cref="Trainer{T}.Fit"/>.
/// </para>
/// <para>
/// <b>Objective.</b> The objective compared is the regularised batch objective of the whole network, evaluated by
/// <see cref="TrainingStepContext{T}.EvaluateObjective"/> before and after the trial, so one step costs, besides the
/// curvature, two forward passes. With dropout, the curvature, gradient and objective are all taken without dropout
/// (the gradient is recomputed without it, one extra backward pass), so dropout has no effect on Newton training; the
/// same holds for the trainer's gradient clipping, whose clipped gradient is replaced by the exact one.
/// </para>
/// <para>
/// <b>Learning rate.</b> Ignored: the step length comes from the curvature and λ, so
/// <see cref="TrainerOptions.LearningRate"/> (still reported in the history) does not matter.
/// </para>
/// <para>
/// <b>Memory.</b> Allocated once, when the state is created: dense mode P² + 3P doubles (the matrix, its diagonal, the
/// gradient and the step: 32 MB at the default threshold of 2,000 parameters); Hessian-free mode 5P doubles (gradient,
/// step, residual, direction, product), no P × P storage at all. Both add 3P values of the network's type T (the
/// starting point, a direction and its product). Steps allocate nothing. All
/// linear algebra is done in double, for float networks too.
/// </para>
/// </remarks>
/// <example><code>
/// var options = new TrainerOptions
/// {
///     Optimizer = new NewtonOptimizer { Curvature = CurvatureKind.GaussNewton }, BatchSize = data.Count,
///     Epochs = 100, TargetLoss = 5e-4, Seed = 1, Initialization = WeightInitialization.XavierUniform,
/// };
/// </code></example>
public sealed class NewtonOptimizer : Optimizer
{
    /// <summary>The default of <see cref="DenseThreshold"/>.</summary>
    public const int DefaultDenseThreshold = 2000;

    /// <summary>The largest parameter count whose P × P matrix fits in one array.</summary>
    public const int MaximumDenseParameterCount = 46_340;

    /// <summary>Which curvature matrix C to use; <see cref="CurvatureKind.GaussNewton"/> (Levenberg–Marquardt) by
    /// default, or <see cref="CurvatureKind.Hessian"/> for the exact (possibly indefinite) Hessian.</summary>
    public CurvatureKind Curvature
    {
        get;
        init => field = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Curvature), value, "Curvature must be Hessian or GaussNewton.");
    } = CurvatureKind.GaussNewton;

    /// <summary>How to solve the damped system; <see cref="NewtonSolveMode.Auto"/> by default.</summary>
    public NewtonSolveMode Mode
    {
        get;
        init => field = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Mode), value, "Mode must be Auto, Dense or HessianFree.");
    } = NewtonSolveMode.Auto;

    /// <summary>
    /// In <see cref="NewtonSolveMode.Auto"/> mode, the largest parameter count P solved densely (P² doubles: 32 MB at
    /// the default 2,000); larger networks use Hessian-free steps. From 1 to <see cref="MaximumDenseParameterCount"/>.
    /// </summary>
    public int DenseThreshold
    {
        get;
        init => field = value is >= 1 and <= MaximumDenseParameterCount
            ? value
            : throw new ArgumentOutOfRangeException(nameof(DenseThreshold), value, $"DenseThreshold must be from 1 to {MaximumDenseParameterCount}.");
    } = DefaultDenseThreshold;

    /// <summary>λ₀, the damping of the first step of every run; finite and non-negative, 1e-3 by default. 0 gives a
    /// pure Newton first step (damping is still added if the system is not positive definite).</summary>
    public double InitialDamping
    {
        get;
        init => field = double.IsFinite(value) && value >= 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(InitialDamping), value, "InitialDamping must be finite and non-negative.");
    } = 1e-3;

    /// <summary>The least positive damping: decreases stop here, and a rise from zero starts here; 1e-9 by default.
    /// Finite and positive.</summary>
    public double MinimumDamping
    {
        get;
        init => field = double.IsFinite(value) && value > 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MinimumDamping), value, "MinimumDamping must be finite and positive.");
    } = 1e-9;

    /// <summary>The most damping; 1e16 by default. At this λ the step is about −∇C/λ, negligibly short, and a step that
    /// still cannot be taken is rejected. Finite and positive.</summary>
    public double MaximumDamping
    {
        get;
        init => field = double.IsFinite(value) && value > 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumDamping), value, "MaximumDamping must be finite and positive.");
    } = 1e16;

    /// <summary>The most conjugate-gradient iterations (curvature-vector products, each about two gradients' work) per
    /// Hessian-free solve; 100 by default, at least 1. Large networks usually do well with 10 to 50: the damped
    /// Levenberg–Marquardt acceptance makes an inexact solve safe.</summary>
    public int MaxConjugateGradientIterations
    {
        get;
        init => field = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxConjugateGradientIterations), value, "MaxConjugateGradientIterations must be at least 1.");
    } = 100;

    /// <summary>Conjugate gradients stops once the residual ‖(C + λI)s + ∇C‖ is at most this fraction of ‖∇C‖;
    /// 1e-6 by default. In (0, 1).</summary>
    public double ConjugateGradientTolerance
    {
        get;
        init => field = value is > 0.0 and < 1.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ConjugateGradientTolerance), value, "ConjugateGradientTolerance must be in (0, 1).");
    } = 1e-6;

    /// <summary>Newton's step length comes from the curvature and the damping; the learning rate is ignored.</summary>
    public override bool UsesLearningRate => false;

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant(
        $"Newton({(Curvature == CurvatureKind.GaussNewton ? "Gauss–Newton" : "Hessian")}, {Mode}, λ₀ = {InitialDamping})");

    /// <summary>Whether a network of <paramref name="parameterCount"/> parameters is solved densely under
    /// <see cref="Mode"/> and <see cref="DenseThreshold"/>.</summary>
    /// <param name="parameterCount">P.</param>
    public bool UsesDenseSolver(int parameterCount) => Mode switch
    {
        NewtonSolveMode.Dense => true,
        NewtonSolveMode.HessianFree => false,
        _ => parameterCount <= DenseThreshold,
    };

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Dense mode was requested for more than
    /// <see cref="MaximumDenseParameterCount"/> parameters, or <see cref="MinimumDamping"/> exceeds
    /// <see cref="MaximumDamping"/>.</exception>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec) => CreateNewtonState<T>(spec);

    /// <summary>Creates the state with its concrete type, which reports the current damping and the last step.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="spec">The layout of the parameters the state will update.</param>
    /// <exception cref="ArgumentException">Dense mode was requested for more than
    /// <see cref="MaximumDenseParameterCount"/> parameters, or <see cref="MinimumDamping"/> exceeds
    /// <see cref="MaximumDamping"/>.</exception>
    public NewtonOptimizerState<T> CreateNewtonState<T>(NetworkSpec spec)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (MinimumDamping > MaximumDamping)
        {
            throw new ArgumentException($"MinimumDamping ({MinimumDamping}) exceeds MaximumDamping ({MaximumDamping}).", nameof(spec));
        }

        bool dense = UsesDenseSolver(spec.ParameterCount);
        if (dense && spec.ParameterCount > MaximumDenseParameterCount)
        {
            throw new ArgumentException(
                $"Dense Newton steps need a P × P matrix; the network has P = {spec.ParameterCount} parameters, more than the {MaximumDenseParameterCount} that fit in one array. Use NewtonSolveMode.HessianFree.",
                nameof(spec));
        }

        return new NewtonOptimizerState<T>(spec, this, dense);
    }
}
