using System;
using System.IO;
using System.Text;

namespace NetGen.IO;

/// <summary>
/// A weights file is malformed or does not fit the network: a bad safetensors header, overlapping or missing tensor
/// data, a tensor of the wrong shape or type, a non-finite weight. The message names the file, the tensor (when one is
/// at fault) and the problem, e.g. <c>model.safetensors, tensor '3.weight': shape [10, 16] but …</c>.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/> (<see cref="InvalidDataException"/>, the closer match, is sealed), so a caller that
/// handles a missing or unreadable file with <c>catch (IOException)</c> handles a bad one too.
/// </remarks>
public sealed class WeightsFileException : IOException
{
    /// <summary>Creates the exception for one problem in a file.</summary>
    /// <param name="problem">What is wrong, without the location.</param>
    /// <param name="path">The file (or the display name of the stream), when known.</param>
    /// <param name="tensorName">The tensor at fault, when one is.</param>
    /// <param name="innerException">The lower-level error that revealed the problem, if any.</param>
    public WeightsFileException(string problem, string? path = null, string? tensorName = null, Exception? innerException = null)
        : base(ComposeMessage(problem, path, tensorName), innerException)
    {
        Problem = problem;
        Path = path;
        TensorName = tensorName;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The file (or the display name of the stream), when known.</summary>
    public string? Path { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? TensorName { get; }

    private static string ComposeMessage(string problem, string? path, string? tensorName)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var message = new StringBuilder();
        if (path is not null)
        {
            // The file name alone keeps the message short; Path keeps the full location.
            string name = System.IO.Path.GetFileName(path);
            message.Append(name.Length > 0 ? name : path);
        }

        if (tensorName is not null)
        {
            message.Append(message.Length > 0 ? ", " : string.Empty).Append("tensor '").Append(tensorName).Append('\'');
        }

        return message.Length == 0 ? problem : message.Append(": ").Append(problem).ToString();
    }
}
