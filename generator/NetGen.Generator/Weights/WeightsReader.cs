using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Weights;

/// <summary>Turns an additional file that may hold weights into a <see cref="WeightsInput"/>: plain, equatable data.</summary>
internal static class WeightsReader
{
    public static bool IsCandidate(AdditionalText text) =>
        WeightsContainer.IsContainer(text.Path) || WeightsContainer.IsRawWeights(text.Path);

    public static WeightsInput Read(AdditionalText text, CancellationToken cancellationToken)
    {
        if (!WeightsContainer.IsContainer(text.Path))
        {
            // A .safetensors file given to the compiler as is: its text, if the compiler decoded one at all, has lost
            // the bytes. It is kept only to say so when a network names it.
            return new WeightsInput(text.Path, text.Path, WeightsInputKind.Raw, null, null, string.Empty, string.Empty);
        }

        string? content = text.GetText(cancellationToken)?.ToString();
        if (content is null)
        {
            return Damaged(text.Path, "the compiler could not read it");
        }

        if (!WeightsContainer.TryDecode(content, out string sourcePath, out byte[] bytes, out string problem))
        {
            return Damaged(text.Path, problem);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var parsed = SafeTensorsContent.Parse(bytes, out problem);
        return new WeightsInput(text.Path, sourcePath, WeightsInputKind.Container, new ByteBlob(bytes), parsed, problem, Sha256(bytes));
    }

    private static WeightsInput Damaged(string path, string problem)
    {
        // Without a readable source line the container stands for the .safetensors file its own name ends with.
        string source = path.Substring(0, path.Length - WeightsContainer.Extension.Length);
        return new WeightsInput(path, source, WeightsInputKind.Container, null, null, problem, string.Empty);
    }

    internal static string Sha256(byte[] bytes)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(bytes);
        var text = new StringBuilder(hash.Length * 2);
        foreach (byte b in hash)
        {
            text.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
