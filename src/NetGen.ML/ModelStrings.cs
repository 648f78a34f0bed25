using System;
using System.IO;
using System.Text;

namespace NetGen.ML;

/// <summary>
/// Reads the strings of a model entry, written by <see cref="BinaryWriter.Write(string)"/> (a 7-bit encoded byte count,
/// then UTF-8), refusing a count above <see cref="MaxBytes"/> before allocating for it: a damaged count costs at most
/// that much memory, not what it claims.
/// </summary>
internal static class ModelStrings
{
    /// <summary>The longest string a model entry holds: column and type names, architectures, label values.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads one string.</summary>
    /// <exception cref="FormatException">The count is negative or above <see cref="MaxBytes"/>.</exception>
    /// <exception cref="EndOfStreamException">The entry ends inside the string.</exception>
    public static string Read(BinaryReader reader, string what)
    {
        int count = reader.Read7BitEncodedInt();
        if (count is < 0 or > MaxBytes)
        {
            throw new FormatException($"The NetGen model's {what} claims {count} bytes; at most {MaxBytes} are allowed.");
        }

        byte[] bytes = reader.ReadBytes(count);
        if (bytes.Length != count)
        {
            throw new EndOfStreamException($"The NetGen model ends inside its {what}.");
        }

        return StrictUtf8.GetString(bytes);
    }
}
