// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System;
using System.Collections.Generic;
using System.Globalization;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>A rule of <see cref="NetworkRules"/>; the generator reports each as its own NG diagnostic.</summary>
internal enum NetworkRule
{
    UndefinedPrecision,
    InputSize,
    InputKeepProbability,
    NoDenseLayer,
    TooManyLayers,
    LayerSize,
    UndefinedActivation,
    SoftmaxNotLast,
    LeakySlope,
    Alpha,
    KeepProbability,
    OutputDropout,
    TooManyParameters,
    UndefinedLoss,
    StepWithLoss,
    LossMismatch,
    UndefinedWeightFormat,
    CompressedWeightsPrecision,
}

/// <summary>One broken rule: which, the dense layer it is about (0-based; −1 for the network as a whole), and the message.</summary>
internal readonly struct RuleViolation
{
    public RuleViolation(NetworkRule rule, int layer, string message)
    {
        Rule = rule;
        Layer = layer;
        Message = message;
    }

    public NetworkRule Rule { get; }

    public int Layer { get; }

    /// <summary>A complete sentence without the final period, naming the layer (1-based, as <c>Dense1Size</c> does) and the value.</summary>
    public string Message { get; }
}

/// <summary>What the rules read of one dense layer.</summary>
internal readonly struct DenseLayerFacts
{
    public DenseLayerFacts(int size, Activation activation, double leakySlope, double alpha, double keepProbability)
    {
        Size = size;
        Activation = activation;
        LeakySlope = leakySlope;
        Alpha = alpha;
        KeepProbability = keepProbability;
    }

    public int Size { get; }

    public Activation Activation { get; }

    public double LeakySlope { get; }

    public double Alpha { get; }

    public double KeepProbability { get; }
}

/// <summary>
/// The rules an architecture must follow, with their messages: the source generator reports each broken rule as an NG
/// diagnostic on the attribute at fault, and <c>NetworkSpec</c> throws the first as an <see cref="ArgumentException"/>.
/// One file compiled into both, so a declaration compiles exactly when the same network can be built at run time.
/// </summary>
internal static class NetworkRules
{
    /// <summary>The slope of a <see cref="Activation.LeakyReLU"/> layer that sets none.</summary>
    public const double DefaultLeakySlope = 0.01;

    /// <summary>The α of an <see cref="Activation.ELU"/> layer that sets none.</summary>
    public const double DefaultAlpha = 1.0;

    private static readonly double MinimumSingleKeepProbability = SmallestKeepProbability(isDouble: false);
    private static readonly double MinimumDoubleKeepProbability = SmallestKeepProbability(isDouble: true);

    /// <summary>
    /// Checks a network against every rule, in a fixed order, and returns what it breaks (empty when it is valid).
    /// A rule that cannot be judged because an earlier one failed (the loss of a layer whose activation is undefined,
    /// the parameter count of a network with a layer of invalid size) is skipped rather than reported from a bad value.
    /// </summary>
    public static List<RuleViolation> Check(int inputSize, double inputKeepProbability, IReadOnlyList<DenseLayerFacts> layers, Loss? loss, Precision precision)
    {
        var violations = new List<RuleViolation>();
        if (!IsDefined(precision))
        {
            violations.Add(new(NetworkRule.UndefinedPrecision, -1, Undefined("Precision", (int)precision)));
            precision = Precision.Single;
        }

        if (inputSize < 1 || inputSize > NetworkLimits.MaxLayerSize)
        {
            violations.Add(new(NetworkRule.InputSize, -1, $"The input size {Int(inputSize)} is invalid; it must be between 1 and {Int(NetworkLimits.MaxLayerSize)}"));
        }

        if (KeepProbabilityProblem(inputKeepProbability, precision, "the input") is { } inputKeep)
        {
            violations.Add(new(NetworkRule.InputKeepProbability, -1, inputKeep));
        }

        if (layers.Count == 0)
        {
            violations.Add(new(NetworkRule.NoDenseLayer, -1, "The network has no dense layer; it needs at least one, the output layer"));
            return violations;
        }

        if (layers.Count > NetworkLimits.MaxDenseLayers)
        {
            violations.Add(new(NetworkRule.TooManyLayers, -1, $"The network has {Int(layers.Count)} dense layers; at most {Int(NetworkLimits.MaxDenseLayers)} are supported"));
            return violations;
        }

        bool sizesValid = inputSize >= 1 && inputSize <= NetworkLimits.MaxLayerSize;
        bool activationsDefined = true;
        int output = layers.Count - 1;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string name = LayerName(i);
            if (layer.Size < 1 || layer.Size > NetworkLimits.MaxLayerSize)
            {
                violations.Add(new(NetworkRule.LayerSize, i, $"{name} has size {Int(layer.Size)}; a layer has between 1 and {Int(NetworkLimits.MaxLayerSize)} units"));
                sizesValid = false;
            }

            if (!IsDefined(layer.Activation))
            {
                violations.Add(new(NetworkRule.UndefinedActivation, i, $"{name} has the activation {Undefined("Activation", (int)layer.Activation)}"));
                activationsDefined = false;
            }
            else if (layer.Activation == Activation.Softmax && i != output)
            {
                violations.Add(new(NetworkRule.SoftmaxNotLast, i, $"{name} uses Softmax, which is allowed only on the output layer (the last dense layer)"));
            }
            else if (layer.Activation == Activation.LeakyReLU && !(layer.LeakySlope > 0.0 && layer.LeakySlope < 1.0))
            {
                violations.Add(new(NetworkRule.LeakySlope, i, $"{name} has the leaky ReLU slope {Real(layer.LeakySlope)}; it must be in (0, 1)"));
            }
            else if (layer.Activation == Activation.ELU && !(layer.Alpha > 0.0 && layer.Alpha <= double.MaxValue))
            {
                violations.Add(new(NetworkRule.Alpha, i, $"{name} has the ELU alpha {Real(layer.Alpha)}; it must be finite and greater than 0"));
            }

            if (KeepProbabilityProblem(layer.KeepProbability, precision, LayerName(i).ToLowerInvariant()) is { } keep)
            {
                violations.Add(new(NetworkRule.KeepProbability, i, keep));
            }
            else if (i == output && layer.KeepProbability < 1.0)
            {
                violations.Add(new(NetworkRule.OutputDropout, i, $"{name} is the output layer, whose outputs are never dropped; dropout applies to the input or a hidden layer"));
            }
        }

        if (sizesValid && ParameterCount(inputSize, layers) is var parameters && parameters > NetworkLimits.MaxParameterCount)
        {
            violations.Add(new(NetworkRule.TooManyParameters, -1, $"The network has {Int(parameters)} parameters; at most {Int(NetworkLimits.MaxParameterCount)} are supported"));
        }

        if (loss is { } declared)
        {
            CheckLoss(declared, layers, activationsDefined, violations);
        }

        return violations;
    }

    /// <summary>
    /// Checks the inference weight format a network declares (<c>[Network(InferenceWeights = …)]</c>): a defined
    /// <see cref="WeightFormat"/>, and a compressed one only in single precision (the compressed-weight kernels compute in
    /// float). Null when it is valid.
    /// </summary>
    public static RuleViolation? CheckInferenceWeights(WeightFormat format, Precision precision)
    {
        if (!IsDefined(format))
        {
            return new(NetworkRule.UndefinedWeightFormat, -1, Undefined("WeightFormat", (int)format));
        }

        return format != WeightFormat.Float && precision == Precision.Double
            ? new(NetworkRule.CompressedWeightsPrecision, -1, $"InferenceWeights = WeightFormat.{format} compresses the weights of a single-precision network, and this one is Double; declare it Single or keep WeightFormat.Float")
            : null;
    }

    /// <summary>Why <paramref name="keep"/> cannot be the dropout keep probability on <paramref name="where"/>, or null if it can.</summary>
    /// <param name="keep">The probability p that a unit is kept.</param>
    /// <param name="precision">The network's precision: kept units are scaled by 1/p, which must be finite in it.</param>
    /// <param name="where">What the dropout applies to, such as "the input" or "dense layer 2".</param>
    public static string? KeepProbabilityProblem(double keep, Precision precision, string where)
    {
        if (!(keep > 0.0 && keep <= 1.0))
        {
            return $"The dropout keep probability {Real(keep)} on {where} is invalid; it is the probability that a unit is kept and must be in (0, 1]";
        }

        double minimum = MinimumKeepProbability(precision);
        return keep < minimum
            ? $"The dropout keep probability {Real(keep)} on {where} is too small for {precision} precision: kept units are scaled by 1/p, which overflows; it must be at least {Real(minimum)}"
            : null;
    }

    /// <summary>
    /// The smallest keep probability p whose inverted-dropout scale 1/p (computed in double, then rounded to the
    /// network's type, as both engines compute it) is finite: about 2.94e-39 in single precision, 5.56e-309 in double.
    /// </summary>
    public static double MinimumKeepProbability(Precision precision) =>
        precision == Precision.Double ? MinimumDoubleKeepProbability : MinimumSingleKeepProbability;

    /// <summary>The number of weights and biases of a network of these (valid) sizes.</summary>
    public static long ParameterCount(int inputSize, IReadOnlyList<DenseLayerFacts> layers)
    {
        long parameters = 0;
        long previous = inputSize;
        foreach (var layer in layers)
        {
            parameters += (previous + 1) * layer.Size;
            previous = layer.Size;
        }

        return parameters;
    }

    /// <summary>Why <paramref name="loss"/> does not fit an output layer with <paramref name="output"/>, or null if it does.</summary>
    public static string? LossFitsOutput(Loss loss, Activation output)
    {
        string? reason = loss switch
        {
            Loss.SoftmaxCrossEntropy when output != Activation.Softmax => "it is the log-likelihood of a probability distribution, so the output layer must use Softmax",
            Loss.BinaryCrossEntropy when output != Activation.Sigmoid => "it takes ln a and ln(1 − a), so every output must be in (0, 1): use Sigmoid",
            _ => null,
        };
        return reason is null ? null : $"Loss.{loss} does not fit an output layer with Activation.{output}: {reason}";
    }

    /// <summary>"Dense layer 2" for index 1: layers are counted from 1, as the generated <c>Dense1Size</c> constants count them.</summary>
    public static string LayerName(int index) => "Dense layer " + Int(index + 1);

    /// <summary>The invariant, round-trippable text of a number, as every message writes it.</summary>
    public static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void CheckLoss(Loss loss, IReadOnlyList<DenseLayerFacts> layers, bool activationsDefined, List<RuleViolation> violations)
    {
        if (!IsDefined(loss))
        {
            violations.Add(new(NetworkRule.UndefinedLoss, -1, Undefined("Loss", (int)loss)));
            return;
        }

        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Activation == Activation.Step)
            {
                violations.Add(new(NetworkRule.StepWithLoss, i, $"{LayerName(i)} uses Step, whose derivative is zero almost everywhere, but the network is trained with Loss.{loss}; a network with a Step layer is forward-only: remove the loss, or use Sigmoid"));
                return;
            }
        }

        if (activationsDefined && LossFitsOutput(loss, layers[layers.Count - 1].Activation) is { } mismatch)
        {
            violations.Add(new(NetworkRule.LossMismatch, -1, mismatch));
        }
    }

    private static string Undefined(string type, int value) => $"({type}){Int(value)}, which is not a defined {type} value";

    // Enum.IsDefined boxes; these switch over the values both sides know.
    private static bool IsDefined(Activation activation) => activation is >= Activation.Identity and <= Activation.Softplus;

    private static bool IsDefined(Loss loss) => loss is >= Loss.MeanSquaredError and <= Loss.SoftmaxCrossEntropy;

    private static bool IsDefined(Precision precision) => precision is Precision.Single or Precision.Double;

    private static bool IsDefined(WeightFormat format) => format is WeightFormat.Float or WeightFormat.BFloat16 or WeightFormat.Int8;

    private static bool ScaleIsFinite(double keep, bool isDouble)
    {
        double scale = 1.0 / keep;
        return isDouble ? !double.IsInfinity(scale) : !float.IsInfinity((float)scale);
    }

    // 1/p only grows as p shrinks, so the smallest p with a finite scale is found by bisection over the ordered bit
    // patterns of the positive doubles between the smallest subnormal and 1.
    private static double SmallestKeepProbability(bool isDouble)
    {
        long tooSmall = 0;
        long largeEnough = BitConverter.DoubleToInt64Bits(1.0);
        while (largeEnough - tooSmall > 1)
        {
            long middle = tooSmall + ((largeEnough - tooSmall) / 2);
            if (ScaleIsFinite(BitConverter.Int64BitsToDouble(middle), isDouble))
            {
                largeEnough = middle;
            }
            else
            {
                tooSmall = middle;
            }
        }

        return BitConverter.Int64BitsToDouble(largeEnough);
    }
}
