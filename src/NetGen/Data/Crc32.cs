using System;

namespace NetGen.Data;

/// <summary>
/// The CRC-32 of gzip, zlib and PNG (ISO 3309: polynomial 0x04C11DB7, reflected, initial value and final XOR
/// 0xFFFFFFFF), which a gzip trailer records for the decompressed content.
/// </summary>
/// <remarks>
/// The runtime has it only in the System.IO.Hashing package, and the x86 CRC32 instruction computes CRC-32C, a
/// different polynomial; one lookup table of 256 entries, built once, is all a loader needs.
/// </remarks>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="bytes"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> bytes) => Append(0, bytes);

    /// <summary>
    /// The CRC-32 of the bytes <paramref name="crc"/> was computed over followed by <paramref name="bytes"/>, so a
    /// stream can be checksummed piece by piece starting from 0.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        uint[] table = s_table;
        uint state = ~crc;
        foreach (byte b in bytes)
        {
            state = table[(byte)(state ^ b)] ^ (state >> 8);
        }

        return ~state;
    }

    private static uint[] CreateTable()
    {
        const uint ReflectedPolynomial = 0xEDB88320;
        var table = new uint[256];
        for (uint n = 0; n < table.Length; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? ReflectedPolynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
