using System;
using System.Globalization;
using System.IO;

namespace NetGen.Cli;

/// <summary>The folder a command-line program writes its results to, checked before any long work starts.</summary>
public static class OutputFolder
{
    /// <summary>
    /// Creates the folder if it is missing and proves it writable by creating and deleting a file in it, so a bad
    /// <c>--output</c> fails in a second, before anything trains, instead of throwing a finished run away.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="optionName">The command-line option that named it, for the message.</param>
    /// <returns>The folder's full path.</returns>
    /// <exception cref="IOException">The folder cannot be created or written to; the message names it and why.</exception>
    public static string Prepare(string directory, string optionName = "--output")
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(optionName);
        string full = Path.GetFullPath(directory);
        // The runtime reports a file in the way as "could not find a part of the path"; name the file instead.
        for (string? ancestor = full; ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
        {
            if (File.Exists(ancestor))
            {
                throw new IOException($"{optionName}: cannot write to the folder '{full}': '{ancestor}' is a file, not a folder; nothing was trained. Choose a folder you can write to.");
            }
        }

        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, ".netgen-write-test-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new IOException($"{optionName}: cannot write to the folder '{full}' ({e.Message}); nothing was trained. Choose a folder you can write to.", e);
        }

        return full;
    }
}
