using System;
using System.IO;

namespace NetGen.Data;

/// <summary>Opens data files, plain or gzip-compressed, for the loaders.</summary>
internal static class DataFile
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Opens <paramref name="path"/> for reading, decompressing it on the fly when it starts with the gzip magic bytes
    /// 1F 8B. The content decides, not the extension, so a misnamed file still loads. A gzip file is checked whole
    /// (see <see cref="GzipReadStream"/>): a truncated, corrupt or multi-member file is a
    /// <see cref="DataFormatException"/> by the time its content has been read to the end.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxContentBytes">The most bytes of content (after decompression) to read; more is a
    /// <see cref="DataFormatException"/> that names <paramref name="limitName"/>.</param>
    /// <param name="limitName">The option that sets <paramref name="maxContentBytes"/>, for the message.</param>
    /// <param name="isCompressed">Whether the file is gzip; the returned stream is then not seekable.</param>
    /// <exception cref="DataFormatException">The gzip header is invalid, or a plain file is larger than the limit.</exception>
    public static Stream OpenRead(string path, long maxContentBytes, string limitName, out bool isCompressed)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            isCompressed = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            if (!isCompressed && file.Length > maxContentBytes)
            {
                throw new DataFormatException($"the file has {file.Length} bytes, more than the limit of {maxContentBytes} ({limitName})", path);
            }

            // A plain file's length was checked above; a gzip file's content is counted as it is decompressed.
            return isCompressed ? new LimitedStream(GzipReadStream.Open(file, path), path, maxContentBytes, limitName) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // Counts the content as it is read, so a gzip bomb is stopped at the limit rather than at the end of memory.
    private sealed class LimitedStream(Stream inner, string path, long limit, string limitName) : ReadOnlyStream
    {
        private long _count;

        public override int Read(Span<byte> buffer)
        {
            // Never ask for more than one byte past the limit: the content is either within it or rejected, and a
            // decompressor is not made to produce a large buffer's worth beyond it first.
            long room = limit - _count;
            int read = inner.Read(room < buffer.Length ? buffer[..((int)room + 1)] : buffer);
            _count += read;
            if (_count > limit)
            {
                throw new DataFormatException($"the gzip data decompresses to more than {limit} bytes, the limit ({limitName})", path);
            }

            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
