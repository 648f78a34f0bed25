// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System.Collections.Generic;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>Which of a layer's parameters an activation's ONNX attribute holds.</summary>
internal enum OnnxActivationParameter
{
    /// <summary>The operator has no parameter.</summary>
    None,

    /// <summary>The leaky ReLU slope (<c>DenseLayerSpec.LeakySlope</c>).</summary>
    LeakySlope,

    /// <summary>ELU's α (<c>DenseLayerSpec.Alpha</c>).</summary>
    Alpha,
}

/// <summary>When NetGen's exporter writes an <see cref="OnnxActivationPattern"/>.</summary>
internal enum OnnxPatternUse
{
    /// <summary>Always: the activation has no single operator.</summary>
    Exported,

    /// <summary>In double networks, instead of the single operator, whose FLOAT attribute would round the parameter.</summary>
    ExportedInDouble,

    /// <summary>Never: the recognizer reads it from other exporters.</summary>
    ReadOnly,
}

/// <summary>
/// An activation that one ONNX operator computes by itself: a = op(z), with at most one FLOAT attribute for the layer's
/// parameter. The exporter writes exactly this node, and the recognizer reads exactly this node back.
/// </summary>
internal sealed class OnnxActivationOperator
{
    public OnnxActivationOperator(Activation activation, string opType, OnnxActivationParameter parameter = OnnxActivationParameter.None, float defaultParameter = 0f, long? axis = null)
    {
        Activation = activation;
        OpType = opType;
        Parameter = parameter;
        DefaultParameter = defaultParameter;
        Axis = axis;
    }

    public Activation Activation { get; }

    /// <summary>The operator's type in the default ONNX domain.</summary>
    public string OpType { get; }

    /// <summary>Which layer parameter the operator's <see cref="ParameterAttribute"/> holds, if any.</summary>
    public OnnxActivationParameter Parameter { get; }

    /// <summary>The FLOAT attribute holding the parameter (ONNX calls both LeakyRelu's slope and Elu's α "alpha"), or null.</summary>
    public string? ParameterAttribute => Parameter == OnnxActivationParameter.None ? null : "alpha";

    /// <summary>The value ONNX gives the attribute when a node leaves it out (a 32-bit float, as the attribute is).</summary>
    public float DefaultParameter { get; }

    /// <summary>The INT attribute <c>axis</c> the exporter writes (the softmax runs over the features, the last axis), or null.</summary>
    public long? Axis { get; }

    /// <summary>The node as text, e.g. <c>LeakyRelu(z, alpha=α)</c>.</summary>
    public string Form =>
        OpType + "(z" + (ParameterAttribute is { } name ? ", " + name + "=α" : string.Empty) + (Axis is { } axis ? ", axis=" + ProtobufReader.Number(axis) : string.Empty) + ")";
}

/// <summary>
/// An activation that ONNX writes as a small graph rather than one operator: the decomposition exporters emit (GELU as
/// <c>Erf</c> arithmetic, SiLU as <c>Mul(x, Sigmoid(x))</c>), NetGen's own exact forms where an operator's FLOAT attribute
/// would round a double network's parameter, and the operators only newer opsets have. Each is named here; the exporter
/// writes the ones its <see cref="Use"/> says and the recognizer reads every one, with the pattern's
/// <see cref="TopOperator"/> (the node whose output is σ(z)) as the place it starts matching.
/// </summary>
internal sealed class OnnxActivationPattern
{
    public OnnxActivationPattern(string name, Activation activation, string topOperator, string form, OnnxPatternUse use)
    {
        Name = name;
        Activation = activation;
        TopOperator = topOperator;
        Form = form;
        Use = use;
    }

    /// <summary>The pattern's name, for messages and tests.</summary>
    public string Name { get; }

    public Activation Activation { get; }

    /// <summary>The operator of the pattern's last node, which computes a.</summary>
    public string TopOperator { get; }

    /// <summary>The graph as nested operators.</summary>
    public string Form { get; }

    /// <summary>When NetGen's exporter writes this pattern.</summary>
    public OnnxPatternUse Use { get; }
}

/// <summary>
/// How every activation is written in ONNX: the one table the exporter (OnnxActivations.cs) and the recognizer
/// (OnnxNetworkRecognizer.cs) both read. A single-operator activation is an entry of <see cref="Operators"/> and needs
/// nothing else on either side; a decomposition is a named <see cref="OnnxActivationPattern"/>, which the exporter writes
/// and the recognizer matches with code of its own.
/// </summary>
internal static class OnnxActivationTable
{
    /// <summary>
    /// The activations one operator computes, in the order the recognizer's messages list them. Softmax runs over the
    /// features and only on the output layer; the recognizer checks both.
    /// </summary>
    public static IReadOnlyList<OnnxActivationOperator> Operators { get; } = new[]
    {
        new OnnxActivationOperator(Activation.ReLU, "Relu"),
        new OnnxActivationOperator(Activation.LeakyReLU, "LeakyRelu", OnnxActivationParameter.LeakySlope, 0.01f),
        new OnnxActivationOperator(Activation.Sigmoid, "Sigmoid"),
        new OnnxActivationOperator(Activation.Tanh, "Tanh"),
        new OnnxActivationOperator(Activation.ELU, "Elu", OnnxActivationParameter.Alpha, 1.0f),
        new OnnxActivationOperator(Activation.Softplus, "Softplus"),
        new OnnxActivationOperator(Activation.Softmax, "Softmax", axis: -1),
    };

    /// <summary>GELU, exact, as NetGen exports it and PyTorch's <c>nn.GELU()</c> does (with its factors in either order).</summary>
    public static readonly OnnxActivationPattern GeluErf = new("GELU as Erf", Activation.GELU, "Mul", "Mul(Mul(z, 0.5), Add(1, Erf(Div(z, √2))))", OnnxPatternUse.Exported);

    /// <summary>GELU as the operator opset 20 added, with <c>approximate = "none"</c>; read only.</summary>
    public static readonly OnnxActivationPattern GeluOperator = new("Gelu operator", Activation.GELU, "Gelu", "Gelu(z, approximate=\"none\")", OnnxPatternUse.ReadOnly);

    /// <summary>SiLU as NetGen and PyTorch's <c>nn.SiLU()</c> export it.</summary>
    public static readonly OnnxActivationPattern SiluMul = new("SiLU as Mul", Activation.SiLU, "Mul", "Mul(z, Sigmoid(z))", OnnxPatternUse.Exported);

    /// <summary>The perceptron's step, 0 or 1 in the network's type.</summary>
    public static readonly OnnxActivationPattern StepCast = new("Step as Cast", Activation.Step, "Cast", "Cast(Greater(z, 0), to=T)", OnnxPatternUse.Exported);

    /// <summary>
    /// Leaky ReLU in a double network: LeakyRelu's alpha attribute is a 32-bit float, which would round a slope such as 0.3,
    /// so the slope is a DOUBLE constant instead.
    /// </summary>
    public static readonly OnnxActivationPattern LeakyReluWhere = new("LeakyReLU as Where", Activation.LeakyReLU, "Where", "Where(Greater(z, 0), z, Mul(z, α))", OnnxPatternUse.ExportedInDouble);

    /// <summary>ELU in a double network, for the same reason as <see cref="LeakyReluWhere"/>.</summary>
    public static readonly OnnxActivationPattern EluWhere = new("ELU as Where", Activation.ELU, "Where", "Where(Greater(z, 0), z, Mul(α, Sub(Exp(z), 1)))", OnnxPatternUse.ExportedInDouble);

    /// <summary>The output LogSoftmax, read as a Softmax output layer (its exponentials); read only.</summary>
    public static readonly OnnxActivationPattern LogSoftmax = new("LogSoftmax output", Activation.Softmax, "LogSoftmax", "LogSoftmax(z, axis=-1)", OnnxPatternUse.ReadOnly);

    /// <summary>Every named pattern.</summary>
    public static IReadOnlyList<OnnxActivationPattern> Patterns { get; } = new[] { GeluErf, GeluOperator, SiluMul, StepCast, LeakyReluWhere, EluWhere, LogSoftmax };

    /// <summary>The single operator that computes <paramref name="activation"/>, or null (Identity, or a pattern).</summary>
    public static OnnxActivationOperator? ForActivation(Activation activation)
    {
        foreach (var entry in Operators)
        {
            if (entry.Activation == activation)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The activation the operator <paramref name="opType"/> computes by itself, or null.</summary>
    public static OnnxActivationOperator? ForOperator(string opType)
    {
        foreach (var entry in Operators)
        {
            if (entry.OpType == opType)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// What NetGen's exporter writes for <paramref name="activation"/> in a network of the given precision: the pattern,
    /// or null when it writes the single operator (or nothing, for Identity). A double network writes the parameters of
    /// LeakyReLU and ELU exactly, so it takes their patterns.
    /// </summary>
    public static OnnxActivationPattern? ExportedPattern(Activation activation, bool isDouble)
    {
        foreach (var pattern in Patterns)
        {
            if (pattern.Activation == activation
                && (pattern.Use == OnnxPatternUse.Exported || (isDouble && pattern.Use == OnnxPatternUse.ExportedInDouble)))
            {
                return pattern;
            }
        }

        return null;
    }

    /// <summary>The graph NetGen's exporter writes for <paramref name="activation"/>, as nested operators; "z" for Identity.</summary>
    public static string ExportedForm(Activation activation, bool isDouble) =>
        ExportedPattern(activation, isDouble)?.Form ?? ForActivation(activation)?.Form ?? "z";

    /// <summary>
    /// Whether <paramref name="opType"/> is an activation's operator: a single operator, or the top node of a pattern that
    /// is not also ordinary arithmetic (Mul and Cast also scale and convert). A stage that already has its activation and
    /// meets one of these has two activations in a row.
    /// </summary>
    public static bool IsActivationOperator(string opType)
    {
        if (ForOperator(opType) is not null || opType == "Erf")
        {
            return true;
        }

        foreach (var pattern in Patterns)
        {
            if (pattern.TopOperator == opType && opType is not ("Mul" or "Cast"))
            {
                return true;
            }
        }

        return false;
    }
}
