using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace NetGen.IO;

/// <summary>Writes a file so that it is either replaced whole or left as it was, never half-written.</summary>
internal static class AtomicFile
{
    private static int s_temporaryFileCounter;

    /// <summary>
    /// Writes through <paramref name="write"/> to a temporary file in the target's folder, flushes it to disk, then
    /// renames it over <paramref name="path"/>. A rename within one folder is atomic, so a crash at any point leaves
    /// either the old file or the new one; on failure the temporary file is deleted.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"{path} names no file.", nameof(path));
        (string temporaryPath, FileStream stream) = CreateTemporaryFile(folder, Path.GetFileName(fullPath));
        bool replaced = false;
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
            replaced = true;
        }
        finally
        {
            if (!replaced)
            {
                TryDelete(temporaryPath);
            }
        }
    }

    // The longest part of the target's name kept in the temporary name, in UTF-8 bytes. File names may have 255 bytes
    // (Linux, macOS) or 255 UTF-16 units (Windows), so the target's own name plus a suffix may not fit; a prefix of at
    // most 64 bytes, a dot and the suffix ".<pid>-<counter>.tmp" (at most 26 more) always do, and still say which
    // file a leftover belonged to.
    private const int MaxNamePrefixBytes = 64;

    // Names come from the process id and a counter rather than randomness, and CreateNew makes a clash (another
    // process, a leftover from a crash) move on to the next name instead of sharing a file.
    private static (string Path, FileStream Stream) CreateTemporaryFile(string folder, string fileName)
    {
        const int Attempts = 100;
        string prefix = NamePrefix(fileName);
        for (int attempt = 0; ; attempt++)
        {
            int counter = Interlocked.Increment(ref s_temporaryFileCounter);
            string name = string.Create(CultureInfo.InvariantCulture, $".{prefix}.{Environment.ProcessId}-{counter}.tmp");
            string candidate = Path.Combine(folder, name);
            try
            {
                return (candidate, new FileStream(candidate, FileMode.CreateNew, FileAccess.Write, FileShare.None));
            }
            catch (IOException) when (attempt < Attempts && File.Exists(candidate))
            {
            }
        }
    }

    /// <summary>
    /// The start of <paramref name="fileName"/> that fits in <see cref="MaxNamePrefixBytes"/> UTF-8 bytes, cut between
    /// characters (never inside a surrogate pair).
    /// </summary>
    internal static string NamePrefix(string fileName)
    {
        int bytes = 0;
        int length = 0;
        while (length < fileName.Length)
        {
            int step = char.IsHighSurrogate(fileName[length]) && length + 1 < fileName.Length && char.IsLowSurrogate(fileName[length + 1]) ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(fileName.AsSpan(length, step));
            if (bytes + size > MaxNamePrefixBytes)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return fileName[..length];
    }

    // Cleanup must not replace the exception that made it necessary.
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
