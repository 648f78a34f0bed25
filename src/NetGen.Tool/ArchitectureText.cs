using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using NetGen.IO;

namespace NetGen.Tool;

/// <summary>
/// Reads back the architecture a weights file records in its <see cref="WeightsFile.SpecMetadataKey"/> metadata, the
/// text of <see cref="NetworkSpec.DescribeArchitecture"/> (such as <c>4 → 16 ReLU (keep 0.8) → 3 Softmax,
/// SoftmaxCrossEntropy</c>), so a model file alone tells the tool which network to build.
/// </summary>
/// <remarks>
/// A parse is accepted only when the spec it builds describes itself with exactly the same text: the description stays
/// the one definition of the format, and anything this reader got wrong is an error rather than another network.
/// </remarks>
internal static partial class ArchitectureText
{
    /// <summary>Builds the single-precision spec <paramref name="text"/> describes.</summary>
    /// <param name="text">The metadata value.</param>
    /// <param name="path">The file it came from, for the message.</param>
    /// <exception cref="WeightsFileException">The text is not such a description.</exception>
    public static NetworkSpec Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        int comma = text.LastIndexOf(", ", StringComparison.Ordinal);
        string[] parts = (comma < 0 ? text : text[..comma]).Split(" → ");
        var input = InputPattern().Match(parts[0]);
        if (comma < 0 || parts.Length < 2 || !input.Success)
        {
            throw Invalid(text, path, "it is not '<inputs> → <size> <activation> → …, <loss>'");
        }

        string lossText = text[(comma + 2)..];
        Loss? loss = null;
        if (lossText != "forward-only")
        {
            loss = TryName(lossText, out Loss parsed) ? parsed : throw Invalid(text, path, $"'{lossText}' is not a loss");
        }

        var layers = new List<DenseLayerSpec>();
        for (int i = 1; i < parts.Length; i++)
        {
            var match = LayerPattern().Match(parts[i]);
            if (!match.Success || !TryName(match.Groups["activation"].Value, out Activation activation))
            {
                throw Invalid(text, path, $"layer {i} '{parts[i]}' is not '<size> <activation>'");
            }

            var layer = new DenseLayerSpec(Int(match.Groups["size"].Value, text, path), activation)
            {
                KeepProbability = match.Groups["keep"].Success ? Double(match.Groups["keep"].Value, text, path) : 1.0,
            };
            if (match.Groups["alpha"].Success)
            {
                double alpha = Double(match.Groups["alpha"].Value, text, path);
                layer = activation == Activation.LeakyReLU ? layer with { LeakySlope = alpha } : layer with { Alpha = alpha };
            }

            layers.Add(layer);
        }

        NetworkSpec spec;
        try
        {
            spec = new NetworkSpec(
                Int(input.Groups["size"].Value, text, path),
                layers,
                loss,
                Precision.Single,
                input.Groups["keep"].Success ? Double(input.Groups["keep"].Value, text, path) : 1.0);
        }
        catch (ArgumentException e)
        {
            throw Invalid(text, path, e.Message);
        }

        return spec.DescribeArchitecture() == text
            ? spec
            : throw Invalid(text, path, $"it reads as '{spec.DescribeArchitecture()}'");
    }

    [GeneratedRegex(@"^(?<size>[0-9]+)( \(keep (?<keep>[^()]+)\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"^(?<size>[0-9]+) (?<activation>[A-Za-z]+)(\(α=(?<alpha>[^()]+)\))?( \(keep (?<keep>[^()]+)\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerPattern();

    // Exactly a member's name, as the description writes it: not a number, another case, or a comma-separated combination.
    private static bool TryName<TEnum>(string name, out TEnum value)
        where TEnum : struct, Enum =>
        Enum.TryParse(name, ignoreCase: false, out value) && value.ToString() == name;

    private static int Int(string value, string text, string path) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw Invalid(text, path, $"'{value}' is not a size");

    private static double Double(string value, string text, string path) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result)
            ? result
            : throw Invalid(text, path, $"'{value}' is not a number");

    private static WeightsFileException Invalid(string text, string path, string problem) =>
        new($"its metadata '{WeightsFile.SpecMetadataKey}' = '{Shorten(text)}' does not describe a NetGen network: {problem}", path);

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
}
