// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;
using System.Collections.Generic;
using System.Globalization;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Reads the <c>netgen.spec</c> metadata entry that NetGen's exporter writes (the architecture text of
/// <c>NetworkSpec.DescribeArchitecture</c>, as in weights files, such as
/// <c>64 (keep 0.8) → 32 LeakyReLU(α=0.3) (keep 0.5) → 10 Softmax, SoftmaxCrossEntropy</c>), and takes from it what an
/// inference graph cannot carry: the loss, the dropout keep probabilities, and the exact double of a LeakyReLU slope or
/// ELU α that the graph holds as a FLOAT attribute. It must describe the graph it comes with; a contradiction is an error,
/// since it means the graph was edited after NetGen wrote it.
/// </summary>
internal static class OnnxSpecMetadata
{
    /// <summary>The metadata key (the same as the weights files').</summary>
    public const string Key = "netgen.spec";

    private const string Arrow = " → ";

    /// <summary>The text of the model's <c>netgen.spec</c> entry, or null.</summary>
    public static string? Find(OnnxModel model)
    {
        string? text = null;
        foreach (var entry in model.Metadata)
        {
            if (entry.Key == Key)
            {
                text = entry.Value;
            }
        }

        return text;
    }

    /// <summary>What the metadata adds to the layers read from the graph.</summary>
    public sealed class Result
    {
        public Result(OnnxDenseLayer[] layers, Loss? loss, double inputKeepProbability)
        {
            Layers = layers;
            Loss = loss;
            InputKeepProbability = inputKeepProbability;
        }

        public OnnxDenseLayer[] Layers { get; }

        public Loss? Loss { get; }

        public double InputKeepProbability { get; }
    }

    /// <summary>
    /// Checks the metadata against the graph's layers and returns them with the metadata's loss, keep probabilities and
    /// exact activation parameters. <paramref name="singleParameters"/>[l] says whether layer l's slope or α was read from
    /// a FLOAT attribute, so that the metadata's double only has to round to it.
    /// </summary>
    /// <exception cref="OnnxImportError">The text is not an architecture description, or not this graph's.</exception>
    public static Result Reconcile(string text, long[] inputDims, OnnxDenseLayer[] layers, bool[] singleParameters)
    {
        if (!TryParse(text, out var input, out double inputKeep, out var parsed, out var loss))
        {
            throw new OnnxImportError(OnnxImportProblem.MetadataMismatch, $"The model's {Key} metadata, '{text}', is not a NetGen architecture description");
        }

        long features = 1;
        foreach (long d in inputDims)
        {
            features *= d;
        }

        bool matches = input == features && parsed.Count == layers.Length;
        for (int l = 0; matches && l < layers.Length; l++)
        {
            var (size, activation, parameter, _) = parsed[l];
            var layer = layers[l];
            matches = size == layer.Size && activation == layer.Activation && activation switch
            {
                Activation.LeakyReLU => ParameterMatches(parameter, layer.LeakySlope, singleParameters[l]),
                Activation.ELU => ParameterMatches(parameter, layer.Alpha, singleParameters[l]),
                _ => true,
            };
        }

        if (!matches)
        {
            throw new OnnxImportError(OnnxImportProblem.MetadataMismatch, $"The model's {Key} metadata describes the network '{text}', but its graph computes '{Describe(features, layers)}': the graph was changed after NetGen exported it; remove the metadata entry to import the graph as it is");
        }

        var result = new OnnxDenseLayer[layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            var (_, activation, parameter, keep) = parsed[l];
            var layer = layers[l];
            result[l] = new OnnxDenseLayer(
                layer.InputSize,
                layer.Size,
                layer.Activation,
                activation == Activation.LeakyReLU ? parameter : layer.LeakySlope,
                activation == Activation.ELU ? parameter : layer.Alpha,
                keep,
                layer.Node,
                layer.OpType,
                layer.WeightTensor,
                layer.WeightShape,
                layer.BiasTensor,
                layer.ActivationNode);
        }

        return new Result(result, loss, inputKeep);
    }

    private static bool ParameterMatches(double metadata, double graph, bool graphIsSingle) =>
        graphIsSingle ? (float)metadata == (float)graph : metadata == graph;

    private static string Describe(long features, OnnxDenseLayer[] layers)
    {
        var parts = new List<string> { ProtobufReader.Number(features) };
        foreach (var layer in layers)
        {
            string parameter = layer.Activation == Activation.LeakyReLU ? $"(α={Real(layer.LeakySlope)})"
                : layer.Activation == Activation.ELU ? $"(α={Real(layer.Alpha)})"
                : string.Empty;
            parts.Add(ProtobufReader.Number(layer.Size) + " " + layer.Activation + parameter);
        }

        return string.Join(Arrow, parts);
    }

    private static bool TryParse(string text, out long input, out double inputKeep, out List<(int Size, Activation Activation, double Parameter, double Keep)> layers, out Loss? loss)
    {
        input = 0;
        inputKeep = 1.0;
        layers = new List<(int, Activation, double, double)>();
        loss = null;
        int comma = text.LastIndexOf(", ", StringComparison.Ordinal);
        if (comma < 0)
        {
            return false;
        }

        string lossText = text.Substring(comma + 2);
        if (lossText != "forward-only")
        {
            if (!IsName(lossText) || !Enum.TryParse(lossText, out Loss parsedLoss) || !Enum.IsDefined(typeof(Loss), parsedLoss))
            {
                return false;
            }

            loss = parsedLoss;
        }

        var parts = text.Substring(0, comma).Split(new[] { Arrow }, StringSplitOptions.None);
        if (parts.Length < 2 || !TrySplitKeep(parts[0], out string inputText, out inputKeep) || !long.TryParse(inputText, NumberStyles.None, CultureInfo.InvariantCulture, out input))
        {
            return false;
        }

        for (int i = 1; i < parts.Length; i++)
        {
            if (!TrySplitKeep(parts[i], out string layerText, out double keep))
            {
                return false;
            }

            int space = layerText.IndexOf(' ');
            if (space < 0 || !int.TryParse(layerText.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            {
                return false;
            }

            string name = layerText.Substring(space + 1);
            double parameter = 0;
            int open = name.IndexOf("(α=", StringComparison.Ordinal);
            if (open >= 0)
            {
                if (!name.EndsWith(")", StringComparison.Ordinal) || !TryReal(name.Substring(open + 3, name.Length - open - 4), out parameter))
                {
                    return false;
                }

                name = name.Substring(0, open);
            }

            if (!IsName(name) || !Enum.TryParse(name, out Activation activation) || !Enum.IsDefined(typeof(Activation), activation)
                || (open >= 0) != (activation is Activation.LeakyReLU or Activation.ELU))
            {
                return false;
            }

            layers.Add((size, activation, parameter, keep));
        }

        return true;
    }

    // "32 ReLU (keep 0.5)" → "32 ReLU" and 0.5; no suffix → 1.
    private static bool TrySplitKeep(string text, out string rest, out double keep)
    {
        keep = 1.0;
        rest = text;
        int at = text.IndexOf(" (keep ", StringComparison.Ordinal);
        if (at < 0)
        {
            return true;
        }

        rest = text.Substring(0, at);
        int start = at + " (keep ".Length;
        return text.EndsWith(")", StringComparison.Ordinal) && TryReal(text.Substring(start, text.Length - start - 1), out keep);
    }

    private static bool TryReal(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    // Enum.TryParse also accepts numbers and comma lists; a name is letters only.
    private static bool IsName(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
