using System;
using System.Globalization;
using System.IO;
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

    // Names come from the process id and a counter rather than randomness, and CreateNew makes a clash (another
    // process, a leftover from a crash) move on to the next name instead of sharing a file.
    private static (string Path, FileStream Stream) CreateTemporaryFile(string folder, string fileName)
    {
        const int Attempts = 100;
        for (int attempt = 0; ; attempt++)
        {
            int counter = Interlocked.Increment(ref s_temporaryFileCounter);
            string name = string.Create(CultureInfo.InvariantCulture, $".{fileName}.{Environment.ProcessId}-{counter}.tmp");
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
