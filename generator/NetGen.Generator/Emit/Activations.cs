using System;
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// What an activation's text is written from: the names (or expressions, read at most once unless a name) of one
/// element's weighted input z and activation a = σ(z), and the activation's parameter (leaky slope or α; 0 for none).
/// An entry whose <see cref="ActivationDefinition.NeedsZ"/> is false never reads <see cref="Z"/> in its derivatives.
/// </summary>
internal readonly record struct ActivationOperands(string? Z, string? A, double Parameter)
{
    public string ZText => Z ?? throw new InvalidOperationException("This activation's text needs z, and none was given.");

    public string AText => A ?? throw new InvalidOperationException("This activation's text needs a, and none was given.");
}

/// <summary>An activation's parameter: the <c>DenseLayerSpec</c> property that holds it and its symbol in comments.</summary>
internal sealed record ActivationParameter(string SpecProperty, string Symbol, Func<DenseLayerModel, double> Value);

/// <summary>
/// One activation, defined once for every emission path: its forward text σ(z), its derivatives σ'(z) and σ''(z) as text
/// in z and a = σ(z), the equations the generated comments quote, and its PyTorch module (its ONNX forms are NetGen.Onnx's
/// one table, OnnxActivationTable.cs, which the generator links with the ONNX import). Every text function is written
/// against <see cref="MathText"/>, so the same entry gives the float and double scalars and the Vector128 and Vector256
/// lanes.
/// </summary>
internal sealed class ActivationDefinition
{
    public ActivationKind Kind { get; init; }

    /// <summary>The name in comments: "a = tanh(z)".</summary>
    public string Name { get; init; } = string.Empty;

    public ActivationParameter? Parameter { get; init; }

    /// <summary>σ(z) in words, for the emission plan at the top of a generated file.</summary>
    public string Equation { get; init; } = string.Empty;

    /// <summary>σ' as the generated code computes it, for the comments of BP1 and BP2.</summary>
    public string DerivativeEquation { get; init; } = string.Empty;

    /// <summary>
    /// Whether σ' and σ'' are written in terms of z (then training keeps the layer's z: a workspace array, or locals in
    /// the lane path) rather than of a = σ(z) alone, which the workspace keeps anyway. The emitters pass the one named.
    /// </summary>
    public bool NeedsZ { get; init; }

    /// <summary>Whether σ is computed by a polynomial approximation, so that packing four or eight scalar z into one vector call beats one call each.</summary>
    public bool IsTranscendental { get; init; }

    /// <summary>The PyTorch module of <c>nn.Sequential</c> that mirrors it ({0}: the parameter); null for none (identity).</summary>
    public string? PyTorchModule { get; init; }

    /// <summary>σ(z); null where it is not elementwise (softmax).</summary>
    public Func<MathText, ActivationOperands, string>? ForwardText { get; init; }

    /// <summary>σ'(z) as a value; null where it has none to train with (step) or is not elementwise (softmax).</summary>
    public Func<MathText, ActivationOperands, string>? DerivativeText { get; init; }

    /// <summary>δ ⊙ σ'(z) where it is cheaper or more exact than δ · σ'(z), e.g. a select instead of a multiplication by 0 or 1.</summary>
    public Func<MathText, ActivationOperands, string, string>? TimesDerivativeText { get; init; }

    /// <summary>σ''(z); null where it is zero (the piecewise-linear activations).</summary>
    public Func<MathText, ActivationOperands, string>? SecondDerivativeText { get; init; }

    /// <summary>Whether a network can be trained through it (false for step, whose derivative is zero almost everywhere).</summary>
    public bool IsTrainable { get; init; } = true;

    public bool IsElementwise => ForwardText is not null;

    public bool IsIdentity => Kind == ActivationKind.Identity;

    public bool HasDerivative => DerivativeText is not null;

    /// <summary>The name with its parameter, for comments: "leaky ReLU (α = 0.05)".</summary>
    public string Describe(DenseLayerModel layer) =>
        Parameter is null ? Name : $"{Name} ({Parameter.Symbol} = {MathText.Number(Parameter.Value(layer))})";

    public string Forward(MathText m, DenseLayerModel layer, string z) =>
        (ForwardText ?? throw NotElementwise())(m, Operands(layer, z, null));

    public string Derivative(MathText m, DenseLayerModel layer, string? z, string? a) =>
        (DerivativeText ?? throw NotElementwise())(m, Operands(layer, z, a));

    public string TimesDerivative(MathText m, DenseLayerModel layer, string? z, string? a, string delta) =>
        TimesDerivativeText is { } times
            ? times(m, Operands(layer, z, a), delta)
            : $"{delta} * ({Derivative(m, layer, z, a)})";

    /// <summary>σ''(z), or null where it is zero.</summary>
    public string? SecondDerivative(MathText m, DenseLayerModel layer, string? z, string? a) =>
        SecondDerivativeText?.Invoke(m, Operands(layer, z, a));

    private ActivationOperands Operands(DenseLayerModel layer, string? z, string? a) =>
        new(z, a, Parameter?.Value(layer) ?? 0.0);

    private InvalidOperationException NotElementwise() => new(Name + " has no elementwise form here.");
}

/// <summary>
/// The table of activations: one <see cref="ActivationDefinition"/> per <c>Activation</c> value, which every emitter
/// reads (forward in every path, BP1 and BP2, the curvature product's σ' and σ'', comments and the emission plan).
/// Adding an activation is adding an entry here.
/// </summary>
internal static class Activations
{
    private static readonly ActivationParameter LeakySlope = new("LeakySlope", "α", layer => layer.LeakySlope);

    private static readonly ActivationParameter Alpha = new("Alpha", "α", layer => layer.Alpha);

    public static IReadOnlyList<ActivationDefinition> All { get; } =
    [
        new()
        {
            Kind = ActivationKind.Identity,
            Name = "identity",
            Equation = "σ(z) = z",
            DerivativeEquation = "σ' = 1",
            ForwardText = (m, x) => x.ZText,
            DerivativeText = (m, x) => m.One,
            TimesDerivativeText = (m, x, delta) => delta,
        },
        new()
        {
            Kind = ActivationKind.Sigmoid,
            Name = "sigmoid",
            Equation = "σ(z) = 1 / (1 + e^(−z))",
            DerivativeEquation = "σ' = a(1 − a)",
            IsTranscendental = true,
            PyTorchModule = "nn.Sigmoid()",
            // Double precision uses the BCL's exponential, as the interpreter does; single precision the runtime's polynomial.
            ForwardText = (m, x) => m.IsDouble ? $"{m.One} / ({m.One} + {m.Exp("-" + x.ZText)})" : MathText.Call("Sigmoid", x.ZText),
            DerivativeText = (m, x) => $"{x.AText} * ({m.One} - {x.AText})",
            SecondDerivativeText = (m, x) => $"{x.AText} * ({m.One} - {x.AText}) * ({m.One} - ({x.AText} + {x.AText}))",
        },
        new()
        {
            Kind = ActivationKind.Tanh,
            Name = "tanh",
            Equation = "σ(z) = tanh z",
            DerivativeEquation = "σ' = 1 − a²",
            IsTranscendental = true,
            PyTorchModule = "nn.Tanh()",
            ForwardText = (m, x) => m.IsDouble ? $"double.Tanh({x.ZText})" : MathText.Call("Tanh", x.ZText),
            DerivativeText = (m, x) => $"{m.One} - {x.AText} * {x.AText}",
            SecondDerivativeText = (m, x) => $"-({x.AText} + {x.AText}) * ({m.One} - {x.AText} * {x.AText})",
        },
        new()
        {
            Kind = ActivationKind.ReLU,
            Name = "ReLU",
            Equation = "σ(z) = max(z, 0)",
            DerivativeEquation = "σ' = 1 if z > 0 else 0",
            PyTorchModule = "nn.ReLU()",
            // IEEE max, like the interpreter: a NaN z stays NaN instead of turning into 0. a > 0 exactly where z > 0.
            ForwardText = (m, x) => m.Max(x.ZText, m.Zero),
            DerivativeText = (m, x) => m.IfPositive(x.AText, m.One, m.Zero),
            TimesDerivativeText = (m, x, delta) => m.IfPositive(x.AText, delta, m.Zero),
        },
        new()
        {
            Kind = ActivationKind.LeakyReLU,
            Name = "leaky ReLU",
            Parameter = LeakySlope,
            Equation = "σ(z) = z if z > 0 else αz",
            DerivativeEquation = "σ' = 1 if z > 0 else α",
            PyTorchModule = "nn.LeakyReLU(negative_slope={0})",
            // α is in (0, 1), so a > 0 exactly where z > 0.
            ForwardText = (m, x) => m.IfPositive(x.ZText, x.ZText, $"{x.ZText} * {m.Real(x.Parameter)}"),
            DerivativeText = (m, x) => m.IfPositive(x.AText, m.One, m.Real(x.Parameter)),
            TimesDerivativeText = (m, x, delta) => m.IfPositive(x.AText, delta, $"{delta} * {m.Real(x.Parameter)}"),
        },
        new()
        {
            Kind = ActivationKind.Softmax,
            Name = "softmax",
            Equation = "a_j = e^(z_j) / Σ_k e^(z_k), computed as e^(z_j − max z) / Σ_k e^(z_k − max z)",
            DerivativeEquation = "∂a_j/∂z_k = a_j (δ_jk − a_k)",
            PyTorchModule = "nn.Softmax(dim=-1)",
        },
        new()
        {
            Kind = ActivationKind.Step,
            Name = "step",
            Equation = "σ(z) = 1 if z > 0 else 0",
            PyTorchModule = "Step()",
            IsTrainable = false,
            ForwardText = (m, x) => m.IfPositive(x.ZText, m.One, m.Zero),
        },
        new()
        {
            Kind = ActivationKind.ELU,
            Name = "ELU",
            Parameter = Alpha,
            Equation = "σ(z) = z if z > 0 else α(e^z − 1)",
            DerivativeEquation = "σ' = 1 if z > 0 else a + α",
            IsTranscendental = true,
            PyTorchModule = "nn.ELU(alpha={0})",
            // σ' = σ'' = αe^z = a + α where z ≤ 0 (and a ≤ 0 exactly there), so neither needs z: the interpreter's forms.
            ForwardText = (m, x) => MathText.Call("Elu", x.ZText, m.ElementLiteral(x.Parameter)),
            DerivativeText = (m, x) => m.IfPositive(x.AText, m.One, $"{x.AText} + {m.Real(x.Parameter)}"),
            SecondDerivativeText = (m, x) => m.IfPositive(x.AText, m.Zero, $"{x.AText} + {m.Real(x.Parameter)}"),
        },
        new()
        {
            Kind = ActivationKind.GELU,
            Name = "GELU",
            Equation = "σ(z) = z Φ(z) = ½z(1 + erf(z/√2))",
            DerivativeEquation = "σ' = Φ(z) + z φ(z)",
            NeedsZ = true,
            IsTranscendental = true,
            PyTorchModule = "nn.GELU()",
            // Not monotonic: σ' cannot be recovered from a, so the layer keeps z.
            ForwardText = (m, x) => MathText.Call("Gelu", x.ZText),
            DerivativeText = (m, x) => MathText.Call("GeluDerivative", x.ZText),
            SecondDerivativeText = (m, x) => MathText.Call("GeluSecondDerivative", x.ZText),
        },
        new()
        {
            Kind = ActivationKind.SiLU,
            Name = "SiLU",
            Equation = "σ(z) = z s(z), s the logistic function",
            DerivativeEquation = "σ' = s(1 + z(1 − s))",
            NeedsZ = true,
            IsTranscendental = true,
            PyTorchModule = "nn.SiLU()",
            // Not monotonic: σ' cannot be recovered from a, so the layer keeps z.
            ForwardText = (m, x) => MathText.Call("Silu", x.ZText),
            DerivativeText = (m, x) => MathText.Call("SiluDerivative", x.ZText),
            SecondDerivativeText = (m, x) => MathText.Call("SiluSecondDerivative", x.ZText),
        },
        new()
        {
            Kind = ActivationKind.Softplus,
            Name = "softplus",
            Equation = "σ(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|))",
            DerivativeEquation = "σ' = s(z), the logistic function",
            NeedsZ = true,
            IsTranscendental = true,
            PyTorchModule = "nn.Softplus()",
            // σ' = 1 − e^(−a) would do without z, but keeps its relative accuracy for small a only through an e^x − 1 that
            // the single-precision forms lack; the runtime's z forms are accurate in every form.
            ForwardText = (m, x) => MathText.Call("Softplus", x.ZText),
            DerivativeText = (m, x) => MathText.Call("SoftplusDerivative", x.ZText),
            SecondDerivativeText = (m, x) => MathText.Call("SoftplusSecondDerivative", x.ZText),
        },
    ];

    public static ActivationDefinition Of(ActivationKind kind)
    {
        foreach (var entry in All)
        {
            if (entry.Kind == kind)
            {
                return entry;
            }
        }

        throw new InvalidOperationException($"Activation {kind} has no entry in the generator's activation table.");
    }

    public static ActivationDefinition Of(DenseLayerModel layer) => Of(layer.Activation);
}
