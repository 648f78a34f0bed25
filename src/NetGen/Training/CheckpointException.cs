using System;
using System.IO;

namespace NetGen.Training;

/// <summary>What is wrong with a training checkpoint file (<see cref="CheckpointException.Kind"/>).</summary>
public enum CheckpointProblem
{
    /// <summary>The file does not start with the checkpoint magic number (or is shorter than the header).</summary>
    NotACheckpoint = 0,

    /// <summary>The file is a checkpoint of a format version this library does not read.</summary>
    UnsupportedVersion = 1,

    /// <summary>The file is shorter, or longer, than its header says: cut off, or with bytes appended.</summary>
    Truncated = 2,

    /// <summary>The SHA-256 checksum does not match the contents: the file was damaged or edited.</summary>
    ChecksumMismatch = 3,

    /// <summary>The contents do not parse, or contradict themselves (a count beyond the data, a history that does not
    /// add up, a sample order that is not a permutation, a value out of range).</summary>
    Malformed = 4,

    /// <summary>The checkpoint was saved from another network (architecture, loss, precision or parameter type).</summary>
    NetworkMismatch = 5,

    /// <summary>The checkpoint was saved with other trainer settings (optimizer, batch size, seed, schedule …).</summary>
    SettingsMismatch = 6,

    /// <summary>The checkpoint was saved while training on other data (the training or validation set differs).</summary>
    DataMismatch = 7,

    /// <summary>The optimizer state in the checkpoint does not fit the optimizer (entries, lengths, values).</summary>
    OptimizerMismatch = 8,
}

/// <summary>
/// A training checkpoint cannot be used: not a checkpoint, damaged, or saved for another network, settings or data. The
/// message names the file and what is wrong or what differs. When <see cref="Trainer{T}.Resume"/> throws it, neither
/// the network nor the trainer has changed.
/// </summary>
/// <remarks>An <see cref="IOException"/>, like <c>WeightsFileException</c>, so <c>catch (IOException)</c> handles a bad
/// checkpoint as it does an unreadable one.</remarks>
public sealed class CheckpointException : IOException
{
    /// <summary>Creates the exception for one problem with a checkpoint.</summary>
    /// <param name="kind">The kind of problem.</param>
    /// <param name="problem">What is wrong, without the file name.</param>
    /// <param name="path">The file, when known.</param>
    /// <param name="innerException">The lower-level error that revealed the problem, if any.</param>
    public CheckpointException(CheckpointProblem kind, string problem, string? path = null, Exception? innerException = null)
        : base(ComposeMessage(problem, path), innerException)
    {
        Kind = kind;
        Problem = problem;
        Path = path;
    }

    /// <summary>The kind of problem.</summary>
    public CheckpointProblem Kind { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }

    /// <summary>The file, when known.</summary>
    public string? Path { get; }

    private static string ComposeMessage(string problem, string? path)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return path is null ? problem : $"Checkpoint {System.IO.Path.GetFileName(path)}: {problem}";
    }
}
