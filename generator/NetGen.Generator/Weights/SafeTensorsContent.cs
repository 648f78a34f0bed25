using System;
using System.Collections.Generic;
using NetGen.Generator.Shared;

namespace NetGen.Generator.Weights;

/// <summary>
/// A safetensors file held in memory, validated by the runtime's own header parser (SafeTensorsHeader.cs, compiled into
/// the generator), so a file the generator bakes is one <c>WeightsFile.Load</c> reads, and a file it rejects is rejected
/// with the runtime's words. Parsing never throws on bad input: it returns the problem, so a hostile file is a
/// diagnostic, not a crash.
/// </summary>
internal sealed class SafeTensorsContent
{
    private readonly byte[] _bytes;
    private readonly SafeTensorsHeader _header;

    private SafeTensorsContent(byte[] bytes, long dataStart, SafeTensorsHeader header)
    {
        _bytes = bytes;
        DataStart = dataStart;
        _header = header;
    }

    public long DataStart { get; }

    public IReadOnlyList<SafeTensorInfo> Tensors => _header.Tensors;

    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>The bytes of <paramref name="tensor"/>'s data, exactly as stored.</summary>
    public ReadOnlySpan<byte> DataOf(SafeTensorInfo tensor) =>
        _bytes.AsSpan(checked((int)(DataStart + tensor.DataBegin)), checked((int)tensor.ByteLength));

    public static SafeTensorsContent? Parse(byte[] bytes, out string problem)
    {
        try
        {
            long headerSize = SafeTensorsHeader.ReadHeaderSize(bytes, bytes.Length, SafeTensorsHeader.DefaultMaxHeaderBytes);
            long dataLength = bytes.Length - SafeTensorsHeader.SizeLength - headerSize;
            var header = SafeTensorsHeader.Parse(bytes, SafeTensorsHeader.SizeLength, (int)headerSize, dataLength);
            problem = string.Empty;
            return new SafeTensorsContent(bytes, SafeTensorsHeader.SizeLength + headerSize, header);
        }
        catch (SafeTensorsFormatException error)
        {
            problem = error.Describe();
            return null;
        }
    }
}
