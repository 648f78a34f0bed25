using System;

namespace NetGen.Generator.Weights;

/// <summary>
/// The text form in which a binary weights file reaches the generator. Roslyn gives generators additional files only as
/// decoded text, and the compiler rejects a binary file among them (CS2015) or decodes it lossily, so the NetGen build
/// step (build/NetGen.targets) replaces each <c>.safetensors</c> AdditionalFiles item with a file ending in
/// <see cref="Extension"/> that holds, in ASCII:
/// <code>
/// NetGen safetensors base64 v1
/// source=/full/path/of/digits.safetensors
/// &lt;the file's bytes in base64, on any number of lines&gt;
/// </code>
/// The generator matches <c>[Network(Weights = …)]</c> against the source path and decodes the bytes exactly.
/// </summary>
internal static class WeightsContainer
{
    public const string Extension = ".netgen-base64";
    public const string RawExtension = ".safetensors";
    public const string Magic = "NetGen safetensors base64 v1";
    public const string SourcePrefix = "source=";

    public static bool IsContainer(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    public static bool IsRawWeights(string path) => path.EndsWith(RawExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>The container for <paramref name="bytes"/> read from <paramref name="sourcePath"/>, as the build step writes it.</summary>
    public static string Encode(string sourcePath, byte[] bytes) =>
        Magic + "\n" + SourcePrefix + sourcePath + "\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n";

    /// <summary>Splits a container into its source path and bytes; false with a reason when it is not one.</summary>
    public static bool TryDecode(string text, out string sourcePath, out byte[] bytes, out string problem) =>
        TryDecode(text, Magic, RawExtension, out sourcePath, out bytes, out problem);

    /// <summary>
    /// As <see cref="TryDecode(string, out string, out byte[], out string)"/> for the container of another format the build
    /// step converts (an ONNX model: <c>NetGen onnx base64 v1</c>, <c>.onnx</c>).
    /// </summary>
    public static bool TryDecode(string text, string magic, string extension, out string sourcePath, out byte[] bytes, out string problem)
    {
        sourcePath = string.Empty;
        bytes = Array.Empty<byte>();
        int first = text.IndexOf('\n');
        int second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        if (second < 0 || TrimEnd(text.Substring(0, first)) != magic)
        {
            problem = $"it does not start with the line '{magic}' that NetGen's build step writes";
            return false;
        }

        string sourceLine = TrimEnd(text.Substring(first + 1, second - first - 1));
        if (!sourceLine.StartsWith(SourcePrefix, StringComparison.Ordinal) || sourceLine.Length == SourcePrefix.Length)
        {
            problem = $"its second line must be '{SourcePrefix}<path of the {extension} file>'";
            return false;
        }

        sourcePath = sourceLine.Substring(SourcePrefix.Length);
        try
        {
            // FromBase64String skips spaces, tabs and line breaks, and rejects everything else that is not base64.
            bytes = Convert.FromBase64String(text.Substring(second + 1));
        }
        catch (FormatException)
        {
            problem = "its content is not valid base64; the build step's output was damaged, so rebuild";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="weights"/>, as written in the attribute, names <paramref name="path"/>: its segments
    /// (split at '/' and '\', a leading "./" dropped) equal the last segments of the path, ignoring case.
    /// </summary>
    public static bool Matches(string weights, string path)
    {
        var wanted = Segments(weights);
        var actual = Segments(path);
        if (wanted.Length == 0 || wanted.Length > actual.Length)
        {
            return false;
        }

        int offset = actual.Length - wanted.Length;
        for (int i = 0; i < wanted.Length; i++)
        {
            if (!string.Equals(wanted[i], actual[offset + i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Segments(string path)
    {
        var parts = path.Split(new[] { '/', '\\' }, StringSplitOptions.RemoveEmptyEntries);
        int start = 0;
        while (start < parts.Length && parts[start] == ".")
        {
            start++;
        }

        var result = new string[parts.Length - start];
        Array.Copy(parts, start, result, 0, result.Length);
        return result;
    }

    private static string TrimEnd(string line) => line.TrimEnd('\r', ' ', '\t');
}
