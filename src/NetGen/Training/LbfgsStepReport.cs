namespace NetGen.Training;

/// <summary>What one <see cref="LbfgsOptimizer"/> iteration did, from <see cref="LbfgsOptimizerState{T}.LastStep"/>.</summary>
/// <param name="Outcome">Whether a step was taken; rejected when the line search found no sufficient decrease.</param>
/// <param name="StepLength">α, the accepted multiple of the direction; 0 when rejected or not tried.</param>
/// <param name="ObjectiveBefore">f(w), the regularised objective at the start (whole network); NaN when not tried.</param>
/// <param name="ObjectiveAfter">f(w + αd) at the accepted step; <see cref="ObjectiveBefore"/> when rejected.</param>
/// <param name="SlopeBefore">φ′(0) = ∇f(w)ᵀd, negative for a descent direction; NaN when not tried.</param>
/// <param name="SlopeAfter">φ′(α) = ∇f(w + αd)ᵀd at the accepted step.</param>
/// <param name="StrongWolfe">Whether the step satisfies both strong Wolfe conditions; false when the line search ran out
/// and kept the best step with sufficient decrease only.</param>
/// <param name="LineSearchEvaluations">The objective-and-gradient evaluations of the line search (one more when the
/// accepted step was not the last trial and had to be evaluated again).</param>
/// <param name="HistoryCount">The curvature pairs kept after the step.</param>
/// <param name="Restarted">Whether the history was cleared in this step (not a descent direction, or rejected).</param>
public readonly record struct LbfgsStepReport(
    OptimizerStepOutcome Outcome,
    double StepLength,
    double ObjectiveBefore,
    double ObjectiveAfter,
    double SlopeBefore,
    double SlopeAfter,
    bool StrongWolfe,
    int LineSearchEvaluations,
    int HistoryCount,
    bool Restarted);
