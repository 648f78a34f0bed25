using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen;

/// <summary>How a network's output layer reads as a classifier: the one rule the prediction and evaluation helpers share.</summary>
internal enum ClassifierKind
{
    /// <summary>Not a classifier: one output that is not a sigmoid or step.</summary>
    None = 0,

    /// <summary>One sigmoid (or step) output a = P(class 1): class 1 when a ≥ ½, probabilities [1 − a, a].</summary>
    Binary = 1,

    /// <summary>Several outputs: the class is the largest; probabilities only when the output layer is a softmax.</summary>
    MultiClass = 2,
}

/// <summary>Reads class decisions and probabilities off a network's output, by the rule of <see cref="ClassifierKind"/>.</summary>
internal static class ClassifierOutput
{
    public static ClassifierKind KindOf(NetworkSpec spec) =>
        spec.OutputSize > 1 ? ClassifierKind.MultiClass
        : spec.Layers[^1].Activation is Activation.Sigmoid or Activation.Step ? ClassifierKind.Binary
        : ClassifierKind.None;

    /// <summary>Whether the outputs are class probabilities: a single sigmoid (or step) or a softmax layer.</summary>
    public static bool HasProbabilities(NetworkSpec spec) =>
        KindOf(spec) == ClassifierKind.Binary || spec.Layers[^1].Activation == Activation.Softmax;

    /// <summary>The number of classes: 2 for one sigmoid output, the output size otherwise.</summary>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static int ClassCount(NetworkSpec spec) => RequireClassifier(spec) == ClassifierKind.Binary ? 2 : spec.OutputSize;

    public static ClassifierKind RequireClassifier(NetworkSpec spec)
    {
        var kind = KindOf(spec);
        if (kind == ClassifierKind.None)
        {
            throw new InvalidOperationException(
                $"The network {spec} has one {spec.Layers[^1].Activation} output, which is not a class decision: a binary classifier has one "
                + "Sigmoid output (P(class 1)), a multi-class one an output per class. Read a regression network's outputs with PredictValues.");
        }

        return kind;
    }

    public static void RequireProbabilities(NetworkSpec spec)
    {
        RequireClassifier(spec);
        if (!HasProbabilities(spec))
        {
            throw new InvalidOperationException(
                $"The network {spec} ends in {spec.Layers[^1].Size} {spec.Layers[^1].Activation} outputs, which are not a probability distribution; "
                + "declare the output layer with Activation.Softmax (a PyTorch model trained with CrossEntropyLoss loads into it as it is), "
                + "or use PredictClass, which needs only the largest output.");
        }
    }

    /// <summary>The predicted class of one output vector.</summary>
    public static int ClassOf<T>(ClassifierKind kind, ReadOnlySpan<T> output)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        kind == ClassifierKind.Binary ? (output[0] >= T.CreateTruncating(0.5) ? 1 : 0) : OneHot.ArgMax(output);

    /// <summary>Writes one output vector's class probabilities (the output as it is, or [1 − a, a] for one sigmoid).</summary>
    public static void ProbabilitiesOf<T>(ClassifierKind kind, ReadOnlySpan<T> output, Span<T> probabilities)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == ClassifierKind.Binary)
        {
            probabilities[0] = T.One - output[0];
            probabilities[1] = output[0];
        }
        else
        {
            output.CopyTo(probabilities);
        }
    }
}
