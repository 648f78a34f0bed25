namespace NetGen.Training;

/// <summary>What one <see cref="NewtonOptimizer"/> step did, from <see cref="NewtonOptimizerState{T}.LastStep"/>.</summary>
/// <param name="Outcome">Whether the trial step was kept.</param>
/// <param name="Damping">The damping λ of the solve whose step was tried (after any rises within the step).</param>
/// <param name="PredictedReduction">The fall of the objective the undamped quadratic model predicted,
/// −(∇Cᵀs + ½ sᵀCs); NaN when no step was tried.</param>
/// <param name="ActualReduction">The fall of the regularised batch objective, C(w) − C(w + s); NaN when no step was
/// tried.</param>
/// <param name="GainRatio">ρ = actual / predicted reduction; NaN when no step was tried.</param>
/// <param name="DampingIncreases">How often λ had to rise within the step before a step could be computed: Cholesky
/// failures (dense) or negative curvature in the first conjugate-gradient direction (Hessian-free).</param>
/// <param name="CurvatureProducts">The curvature-vector products computed: P for a dense step, the conjugate-gradient
/// iterations (over all restarts) for a Hessian-free one.</param>
/// <param name="NegativeCurvature">Whether conjugate gradients met a direction of non-positive curvature and stopped
/// early.</param>
/// <param name="Dense">Whether the step was solved densely by Cholesky factorisation.</param>
public readonly record struct NewtonStepReport(
    OptimizerStepOutcome Outcome,
    double Damping,
    double PredictedReduction,
    double ActualReduction,
    double GainRatio,
    int DampingIncreases,
    int CurvatureProducts,
    bool NegativeCurvature,
    bool Dense);
