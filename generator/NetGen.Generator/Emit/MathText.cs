using System;
using System.Globalization;
using System.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// The text of numbers, activations and their derivatives in generated code. Every literal is written with the invariant
/// culture in a form that parses back to exactly the value the runtime engine uses, so a culture with a decimal comma or
/// a U+2212 minus sign can never reach generated code.
/// </summary>
internal sealed class MathText
{
    public MathText(bool isDouble)
    {
        IsDouble = isDouble;
        T = isDouble ? "double" : "float";
    }

    public bool IsDouble { get; }

    /// <summary>The element type keyword: float or double.</summary>
    public string T { get; }

    public string Zero => Real(0.0);

    public string One => Real(1.0);

    /// <summary>A literal of the generated type holding exactly <c>(T)value</c>.</summary>
    public string Real(double value) => IsDouble ? DoubleLiteral(value) : FloatLiteral((float)value);

    public static string DoubleLiteral(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) != value)
        {
            text = value.ToString("G17", CultureInfo.InvariantCulture);
        }

        return text + "d";
    }

    public static string FloatLiteral(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) != value)
        {
            text = value.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text + "f";
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>σ(z) for an elementwise activation, where <paramref name="z"/> is a variable name (it may be read twice).</summary>
    public string Activate(DenseLayerModel layer, string z) => layer.Activation switch
    {
        ActivationKind.Identity => z,
        ActivationKind.Sigmoid => IsDouble ? $"{One} / ({One} + {T}.Exp(-{z}))" : $"global::NetGen.Numerics.VectorMath.Sigmoid({z})",
        ActivationKind.Tanh => IsDouble ? $"{T}.Tanh({z})" : $"global::NetGen.Numerics.VectorMath.Tanh({z})",
        // IEEE max, like the interpreter: a NaN z stays NaN instead of turning into 0.
        ActivationKind.ReLU => $"{T}.Max({z}, {Zero})",
        ActivationKind.LeakyReLU => $"{z} > {Zero} ? {z} : {Real(layer.LeakySlope)} * {z}",
        ActivationKind.Step => $"{z} > {Zero} ? {One} : {Zero}",
        _ => throw new InvalidOperationException("Softmax is not elementwise."),
    };

    /// <summary>σ(z) for a vector of 4 or 8 floats, where <paramref name="z"/> is a variable name.</summary>
    public static string ActivateVector(DenseLayerModel layer, string z, int width)
    {
        string v = width == 8 ? "global::System.Runtime.Intrinsics.Vector256" : "global::System.Runtime.Intrinsics.Vector128";
        string zero = $"{v}<float>.Zero";
        return layer.Activation switch
        {
            ActivationKind.Identity => z,
            ActivationKind.Sigmoid => $"global::NetGen.Numerics.VectorMath.Sigmoid({z})",
            ActivationKind.Tanh => $"global::NetGen.Numerics.VectorMath.Tanh({z})",
            ActivationKind.ReLU => $"{v}.Max({z}, {zero})",
            ActivationKind.LeakyReLU => $"{v}.ConditionalSelect({v}.GreaterThan({z}, {zero}), {z}, {z} * {v}.Create({FloatLiteral((float)layer.LeakySlope)}))",
            ActivationKind.Step => $"{v}.ConditionalSelect({v}.GreaterThan({z}, {zero}), {v}.Create(1f), {zero})",
            _ => throw new InvalidOperationException("Softmax is not elementwise."),
        };
    }

    /// <summary>δ ⊙ σ'(z) for a vector of 8 floats, with a = σ(z).</summary>
    public static string TimesDerivativeVector(DenseLayerModel layer, string a, string delta)
    {
        const string v = "global::System.Runtime.Intrinsics.Vector256";
        const string zero = v + "<float>.Zero";
        return layer.Activation switch
        {
            ActivationKind.Identity => delta,
            ActivationKind.Sigmoid => $"{delta} * ({a} * ({v}.Create(1f) - {a}))",
            ActivationKind.Tanh => $"{delta} * ({v}.Create(1f) - {a} * {a})",
            ActivationKind.ReLU => $"{v}.ConditionalSelect({v}.GreaterThan({a}, {zero}), {delta}, {zero})",
            ActivationKind.LeakyReLU => $"{v}.ConditionalSelect({v}.GreaterThan({a}, {zero}), {delta}, {delta} * {v}.Create({FloatLiteral((float)layer.LeakySlope)}))",
            _ => throw new InvalidOperationException(layer.Activation + " has no elementwise derivative."),
        };
    }

    /// <summary>δ ⊙ σ'(z) written with a = σ(z), which is what the workspace keeps.</summary>
    public string TimesDerivative(DenseLayerModel layer, string a, string delta) => layer.Activation switch
    {
        ActivationKind.Identity => delta,
        ActivationKind.Sigmoid => $"{delta} * ({a} * ({One} - {a}))",
        ActivationKind.Tanh => $"{delta} * ({One} - {a} * {a})",
        ActivationKind.ReLU => $"{a} > {Zero} ? {delta} : {Zero}",
        ActivationKind.LeakyReLU => $"{a} > {Zero} ? {delta} : {Real(layer.LeakySlope)} * {delta}",
        _ => throw new InvalidOperationException(layer.Activation + " has no elementwise derivative."),
    };

    /// <summary>σ'(z) as a value, written with a = σ(z).</summary>
    public string Derivative(DenseLayerModel layer, string a) => layer.Activation switch
    {
        ActivationKind.Identity => One,
        ActivationKind.Sigmoid => $"{a} * ({One} - {a})",
        ActivationKind.Tanh => $"{One} - {a} * {a}",
        ActivationKind.ReLU => $"{a} > {Zero} ? {One} : {Zero}",
        ActivationKind.LeakyReLU => $"{a} > {Zero} ? {One} : {Real(layer.LeakySlope)}",
        _ => throw new InvalidOperationException(layer.Activation + " has no elementwise derivative."),
    };

    /// <summary>
    /// <see cref="Derivative"/> for a Vector256 of single-precision activations: the same operations lane by lane, so a
    /// vector loop and its scalar remainder agree to the bit.
    /// </summary>
    public static string DerivativeVector(DenseLayerModel layer, string a)
    {
        const string v = "global::System.Runtime.Intrinsics.Vector256";
        const string one = v + ".Create(1f)";
        const string zero = v + "<float>.Zero";
        return layer.Activation switch
        {
            ActivationKind.Identity => one,
            ActivationKind.Sigmoid => $"{a} * ({one} - {a})",
            ActivationKind.Tanh => $"{one} - {a} * {a}",
            ActivationKind.ReLU => $"{v}.ConditionalSelect({v}.GreaterThan({a}, {zero}), {one}, {zero})",
            ActivationKind.LeakyReLU => $"{v}.ConditionalSelect({v}.GreaterThan({a}, {zero}), {one}, {v}.Create({FloatLiteral((float)layer.LeakySlope)}))",
            _ => throw new InvalidOperationException(layer.Activation + " has no elementwise derivative."),
        };
    }

    /// <summary><see cref="SecondDerivative"/> for a Vector256 of single-precision activations, or null where it is zero.</summary>
    public static string? SecondDerivativeVector(DenseLayerModel layer, string a)
    {
        const string one = "global::System.Runtime.Intrinsics.Vector256.Create(1f)";
        return layer.Activation switch
        {
            ActivationKind.Sigmoid => $"{a} * ({one} - {a}) * ({one} - ({a} + {a}))",
            ActivationKind.Tanh => $"-({a} + {a}) * ({one} - {a} * {a})",
            _ => null,
        };
    }

    /// <summary>σ''(z) written with a = σ(z), or null where it is zero (the piecewise-linear activations).</summary>
    public string? SecondDerivative(DenseLayerModel layer, string a) => layer.Activation switch
    {
        ActivationKind.Sigmoid => $"{a} * ({One} - {a}) * ({One} - ({a} + {a}))",
        ActivationKind.Tanh => $"-({a} + {a}) * ({One} - {a} * {a})",
        _ => null,
    };

    /// <summary>The activation's formula for comments, e.g. <c>σ(z) = 1 / (1 + e^(−z))</c>.</summary>
    public static string Formula(DenseLayerModel layer) => layer.Activation switch
    {
        ActivationKind.Identity => "identity",
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.Tanh => "tanh",
        ActivationKind.ReLU => "ReLU",
        ActivationKind.LeakyReLU => "leaky ReLU (α = " + layer.LeakySlope.ToString("R", CultureInfo.InvariantCulture) + ")",
        ActivationKind.Softmax => "softmax",
        ActivationKind.Step => "step",
        _ => layer.Activation.ToString(),
    };

    /// <summary>The derivative σ'(z) in terms of a, for comments.</summary>
    public static string DerivativeFormula(DenseLayerModel layer) => layer.Activation switch
    {
        ActivationKind.Identity => "σ' = 1",
        ActivationKind.Sigmoid => "σ' = a(1 − a)",
        ActivationKind.Tanh => "σ' = 1 − a²",
        ActivationKind.ReLU => "σ' = 1 if z > 0 else 0",
        ActivationKind.LeakyReLU => "σ' = 1 if z > 0 else α",
        _ => string.Empty,
    };

    /// <summary>A layer number as a superscript, as the notes write a^l: 12 → ¹².</summary>
    public static string Sup(int value)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var text = new StringBuilder();
        foreach (char c in Int(value))
        {
            text.Append(digits[c - '0']);
        }

        return text.ToString();
    }
}
