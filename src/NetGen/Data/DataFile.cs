using System;
using System.IO;
using System.IO.Compression;

namespace NetGen.Data;

/// <summary>Opens data files, plain or gzip-compressed, for the loaders.</summary>
internal static class DataFile
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Opens <paramref name="path"/> for reading, decompressing it on the fly when it starts with the gzip magic bytes
    /// 1F 8B. The content decides, not the extension, so a misnamed file still loads.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="isCompressed">Whether the file is gzip; the returned stream is then not seekable.</param>
    public static Stream OpenRead(string path, out bool isCompressed)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            isCompressed = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            return isCompressed ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
