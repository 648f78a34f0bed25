using System;
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// What a loss's text is written from, for one output j of one sample: its weighted input z, activation a and target y
/// (names or expressions), the sample's loss accumulator, the name of the error local a − y, and the names of Σ_k y_k and
/// ln Σ_k e^(z_k) where the loss needs them.
/// </summary>
internal readonly record struct LossOperands(string Z, string A, string Y, string Loss, string Error, string SumY, string LogSumExp);

/// <summary>
/// One loss, defined once for the batched (float and double) and lane paths and the curvature product: the per-output
/// term of C_x in a numerically stable form, the output error δᴸ (BP1) where the loss's matched output activation
/// cancels σ', otherwise ∇_a C for BP1 to multiply by σ', and their directional derivatives R{·} for the curvature
/// product. Text functions are written against <see cref="MathText"/>, so scalars and vector lanes read the same.
/// </summary>
internal sealed class LossDefinition
{
    public LossKind Kind { get; init; }

    /// <summary>C_x, for comments.</summary>
    public string Equation { get; init; } = string.Empty;

    /// <summary>Why the form is what it is, for comments; empty for none.</summary>
    public string EquationNote { get; init; } = string.Empty;

    /// <summary>BP1 as computed, for comments.</summary>
    public string DeltaEquation { get; init; } = string.Empty;

    /// <summary>The output activation whose σ' the loss cancels (δᴸ fused), or null where BP1 multiplies by σ'.</summary>
    public ActivationKind? FusedWith { get; init; }

    /// <summary>Whether the term reads z (the stable forms work from zᴸ, which the workspace keeps).</summary>
    public bool ReadsZ { get; init; }

    /// <summary>Whether the term and δᴸ need Σ_k y_k, which takes a pass over the outputs first.</summary>
    public bool NeedsTargetSum { get; init; }

    /// <summary>Whether the term needs ln Σ_k e^(z_k), kept per sample by the softmax pass.</summary>
    public bool NeedsLogSumExp { get; init; }

    /// <summary>A factor applied to the summed terms (½ for the quadratic cost), or null.</summary>
    public double? SumFactor { get; init; }

    /// <summary>The statements that add output j's term to the accumulator (they may declare the error local).</summary>
    public Func<MathText, LossOperands, IReadOnlyList<string>> Term { get; init; } = (m, o) => [];

    /// <summary>δᴸ_j with σ' cancelled; null where the loss is not fused with its output activation.</summary>
    public Func<MathText, LossOperands, string>? FusedDelta { get; init; }

    /// <summary>∇_a C for output j after <see cref="Term"/> ran (BP1 multiplies it by σ'); null for fused losses.</summary>
    public Func<MathText, LossOperands, string>? Gradient { get; init; }

    /// <summary>∇_a C for output j as an expression of a and y alone (the curvature product reads it without a term).</summary>
    public Func<MathText, LossOperands, string>? GradientExpression { get; init; }

    /// <summary>R{δᴸ_j} from R{a_j} (the third argument) for a fused loss.</summary>
    public Func<MathText, LossOperands, string, string>? FusedDirectionalDelta { get; init; }

    /// <summary>R{∇_a C}_j from R{a_j} (the third argument) for a loss that is not fused.</summary>
    public Func<MathText, LossOperands, string, string>? DirectionalGradient { get; init; }

    /// <summary>How R{δᴸ} follows from δᴸ, for comments.</summary>
    public string DirectionalDeltaEquation { get; init; } = string.Empty;

    public bool IsFused => FusedWith is not null;
}

/// <summary>The table of losses: one <see cref="LossDefinition"/> per <c>Loss</c> value. Adding a loss is adding an entry here.</summary>
internal static class Losses
{
    public static IReadOnlyList<LossDefinition> All { get; } =
    [
        new()
        {
            Kind = LossKind.MeanSquaredError,
            Equation = "C_x = ½‖y − a‖²",
            DeltaEquation = "δᴸ = (a − y) ⊙ σ'(zᴸ)",
            SumFactor = 0.5,
            Term = (m, o) => [$"{m.T} {o.Error} = {o.A} - {o.Y};", $"{o.Loss} += {o.Error} * {o.Error};"],
            Gradient = (m, o) => o.Error,
            GradientExpression = (m, o) => $"{o.A} - {o.Y}",
            // ∇_a C = a − y, so R{∇_a C} = R{a}.
            DirectionalGradient = (m, o, ra) => ra,
            DirectionalDeltaEquation = "δ = (a − y) ⊙ σ'(z): R{δ} = R{a} ⊙ σ' + (a − y) ⊙ σ'' R{z} with R{a} = σ' R{z}; Gauss–Newton drops the σ'' term",
        },
        new()
        {
            Kind = LossKind.BinaryCrossEntropy,
            Equation = "C_x = −Σ_j [y ln σ(z) + (1 − y) ln(1 − σ(z))] = Σ_j max(z, 0) − y z + ln(1 + e^(−|z|))",
            EquationNote = "finite for every z",
            DeltaEquation = "BP1 fused with sigmoid and cross-entropy: σ'(z) cancels, δᴸ = a − y",
            FusedWith = ActivationKind.Sigmoid,
            ReadsZ = true,
            Term = (m, o) => [$"{o.Loss} += {m.Max(o.Z, m.Zero)} - {o.Y} * {o.Z} + {m.LogP1(m.Exp("-" + m.Abs(o.Z)))};"],
            FusedDelta = (m, o) => $"{o.A} - {o.Y}",
            FusedDirectionalDelta = (m, o, ra) => ra,
            DirectionalDeltaEquation = "δ = a − y, so R{δ} = R{a} = σ'(z) R{z}",
        },
        new()
        {
            Kind = LossKind.SoftmaxCrossEntropy,
            Equation = "C_x = −Σ_j y_j ln a_j with ln a_j = z_j − ln Σ_k e^(z_k)",
            EquationNote = "no logarithm of a softmax output rounded to 0",
            DeltaEquation = "BP1 fused with softmax and log-likelihood: δᴸ = a Σy − y, which is a − y for one-hot targets",
            FusedWith = ActivationKind.Softmax,
            ReadsZ = true,
            NeedsTargetSum = true,
            NeedsLogSumExp = true,
            Term = (m, o) => [$"{o.Loss} -= {o.Y} * ({o.Z} - {o.LogSumExp});", $"{o.SumY} += {o.Y};"],
            FusedDelta = (m, o) => $"{o.A} * {o.SumY} - {o.Y}",
            FusedDirectionalDelta = (m, o, ra) => $"{ra} * {o.SumY}",
            DirectionalDeltaEquation = "δ = a Σy − y, so R{δ} = R{a} Σy with R{a} = J_softmax R{z} = a ⊙ (R{z} − a·R{z})",
        },
    ];

    public static LossDefinition Of(LossKind kind)
    {
        foreach (var entry in All)
        {
            if (entry.Kind == kind)
            {
                return entry;
            }
        }

        throw new InvalidOperationException($"Loss {kind} has no entry in the generator's loss table.");
    }
}
