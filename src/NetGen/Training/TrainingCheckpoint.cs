using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using NetGen.IO;

namespace NetGen.Training;

/// <summary>What a training checkpoint says about its run (<see cref="TrainingCheckpoint.ReadInfo"/>).</summary>
/// <param name="EpochsRun">The epochs completed when it was saved.</param>
/// <param name="GlobalStep">The optimizer steps taken.</param>
/// <param name="StopReason">Why the run stopped at that epoch, or <see langword="null"/> if it was to go on.</param>
/// <param name="Network">The network's description, <see cref="NetworkSpec.ToString"/>.</param>
/// <param name="ParameterType">The parameters' type: <c>Single</c> or <c>Double</c>.</param>
/// <param name="Optimizer">The optimizer's <see cref="Optimizer.Name"/>.</param>
/// <param name="TrainingSamples">The size of the training set.</param>
/// <param name="BestEpoch">The epoch of lowest validation loss so far, if any.</param>
/// <param name="Elapsed">The training time up to the checkpoint.</param>
public sealed record CheckpointInfo(
    int EpochsRun, int GlobalStep, StopReason? StopReason, string Network, string ParameterType, string Optimizer, int TrainingSamples, int? BestEpoch, TimeSpan Elapsed);

/// <summary>
/// The training checkpoint file that <see cref="TrainerOptions.CheckpointPath"/> writes and
/// <see cref="Trainer{T}.Resume"/> reads: everything a run needs to go on exactly as if it had not stopped.
/// </summary>
/// <remarks>
/// <para>Layout, all integers and floats little-endian:</para>
/// <code>
/// offset  size  field
/// 0       8     magic 89 4E 47 43 4B 50 54 0A ("\x89NGCKPT\n": a binary file, not text; line-end translation shows)
/// 8       4     format version, uint32 (1)
/// 12      8     payload length L, uint64
/// 20      L     payload
/// 20 + L  32    SHA-256 of bytes [0, 20 + L): magic, version, length and payload
/// </code>
/// <para>
/// The payload is a sequence of fields: int32, int64, uint64 and float64 values; strings as an int32 byte count and
/// UTF-8; optional values as a presence byte (0 or 1) and the value; arrays as an int32 count and the items. In order:
/// </para>
/// <list type="number">
/// <item><description>The network: its description (<see cref="NetworkSpec.ToString"/>), the parameter type
/// (<c>Single</c> or <c>Double</c>), the input size, the input keep probability, the layer count and per layer its size,
/// activation name, leaky slope, ELU α and keep probability, the loss and the precision.</description></item>
/// <item><description>The trainer settings a resumed run must share, as (name, value) string pairs: optimizer, batch
/// size, learning-rate schedule, L1, L2, seed, shuffling, clipping, early stopping and target criteria.</description></item>
/// <item><description>The data: training-set count, features and targets per sample and the SHA-256 of its features,
/// targets and labels; then a presence byte and the same for the validation set.</description></item>
/// <item><description>The run: epochs completed, steps taken, samples processed, the best epoch (optional, with its
/// validation loss), epochs without improvement, the last validation loss and accuracy (optional), the elapsed time in
/// ticks of 100 ns, and why the run stopped (−1 while it is to go on, otherwise the <see cref="StopReason"/>).</description></item>
/// <item><description>The shuffle and dropout random-number states (four uint64 each, <see cref="SeededRandomState"/>)
/// and the current sample order (int32 array, a permutation of the training set).</description></item>
/// <item><description>The parameters (float64 array; exact for float networks) and, when there is a best epoch, its
/// parameters.</description></item>
/// <item><description>The history: the record count and the gradient norms per record, then per epoch its number,
/// steps, training loss and objective, optional training accuracy, validation loss and accuracy, learning rate,
/// rejected steps, elapsed ticks and the per-layer gradient norms (float64 array).</description></item>
/// <item><description>The optimizer state (<see cref="OptimizerStateSnapshot"/>): the entry count, then per entry its
/// name and its values (float64 array).</description></item>
/// </list>
/// <para>
/// Reading checks the magic, version, length and checksum before it parses anything, then checks every count against
/// the bytes that remain before allocating, then the contents' consistency (history against epochs and steps, the
/// order is a permutation, finite values, valid random states); nothing is applied until all of it, and the comparison
/// with the trainer, has passed. Every failure is a <see cref="CheckpointException"/> naming its
/// <see cref="CheckpointProblem"/>.
/// </para>
/// </remarks>
public static class TrainingCheckpoint
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The bytes before the payload: magic, version and payload length.</summary>
    public const int HeaderSize = 20;

    /// <summary>The bytes of the SHA-256 checksum after the payload.</summary>
    public const int ChecksumSize = 32;

    private const int MaximumLayers = 4096;
    private const int MaximumSettings = 256;
    private const int MaximumOptimizerEntries = 256;

    // A resumed run adds its own time to the saved one; this keeps the sum far from TimeSpan's limit.
    private static readonly TimeSpan MaximumElapsed = TimeSpan.FromDays(1000 * 365.25);

    /// <summary>The eight bytes every checkpoint starts with, <c>89 4E 47 43 4B 50 54 0A</c>.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'N', (byte)'G', (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x0A];

    /// <summary>Reads a checkpoint's summary, checking the whole file as <see cref="Trainer{T}.Resume"/> would before
    /// comparing it with a trainer.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="CheckpointException">The file is not a valid checkpoint.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static CheckpointInfo ReadInfo(string path)
    {
        var contents = Read(path);
        string optimizer = string.Empty;
        foreach (var (name, value) in contents.Settings)
        {
            if (name == CheckpointSettings.Optimizer)
            {
                optimizer = value;
            }
        }

        return new CheckpointInfo(
            contents.EpochsRun, contents.GlobalStep, contents.StopReason, contents.Network.Description, contents.Network.ParameterType,
            optimizer, contents.Train.Count, contents.BestEpoch, contents.Elapsed);
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    internal static void Write(string path, CheckpointContents contents)
    {
        var writer = new CheckpointWriter();
        WritePayload(writer, contents);
        ReadOnlySpan<byte> payload = writer.Written;
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(12), (ulong)payload.Length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(header);
        hash.AppendData(payload);
        byte[] checksum = hash.GetHashAndReset();
        byte[] payloadCopy = payload.ToArray();
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(payloadCopy);
            stream.Write(checksum);
        });
    }

    /// <summary>Reads and checks a checkpoint file.</summary>
    internal static CheckpointContents Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new CheckpointException(CheckpointProblem.Malformed, string.Create(CultureInfo.InvariantCulture, $"the file has {length} bytes, more than a checkpoint can hold"), path);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Checks and parses the bytes of a checkpoint file.</summary>
    internal static CheckpointContents Parse(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < Magic.Length || !file[..Magic.Length].SequenceEqual(Magic))
        {
            throw new CheckpointException(CheckpointProblem.NotACheckpoint, "the file does not start with the checkpoint magic number 89 4E 47 43 4B 50 54 0A", path);
        }

        if (file.Length < HeaderSize)
        {
            throw new CheckpointException(CheckpointProblem.Truncated, string.Create(CultureInfo.InvariantCulture, $"the file ends after {file.Length} bytes, inside the {HeaderSize}-byte header"), path);
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (version != FormatVersion)
        {
            throw new CheckpointException(CheckpointProblem.UnsupportedVersion, string.Create(CultureInfo.InvariantCulture, $"format version {version}; this library reads version {FormatVersion}"), path);
        }

        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(file[12..]);
        long expected = HeaderSize + ChecksumSize + (payloadLength > (ulong)Array.MaxLength ? (long)Array.MaxLength + 1 : (long)payloadLength);
        if (payloadLength > (ulong)Array.MaxLength || expected != file.Length)
        {
            throw new CheckpointException(
                CheckpointProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"the header announces a payload of {payloadLength} bytes, so {HeaderSize} + {payloadLength} + {ChecksumSize} bytes in all, but the file has {file.Length}"),
                path);
        }

        int checksumOffset = HeaderSize + (int)payloadLength;
        Span<byte> actual = stackalloc byte[ChecksumSize];
        SHA256.HashData(file[..checksumOffset], actual);
        if (!actual.SequenceEqual(file[checksumOffset..]))
        {
            throw new CheckpointException(CheckpointProblem.ChecksumMismatch, "the SHA-256 checksum does not match the contents; the file was damaged or edited", path);
        }

        var reader = new CheckpointReader(file.Slice(HeaderSize, (int)payloadLength), HeaderSize, path);
        var contents = ReadPayload(ref reader, path);
        reader.RequireEnd();
        CheckConsistency(contents, path);
        return contents;
    }

    private static void WritePayload(CheckpointWriter writer, CheckpointContents contents)
    {
        var network = contents.Network;
        writer.WriteString(network.Description);
        writer.WriteString(network.ParameterType);
        writer.WriteInt32(network.InputSize);
        writer.WriteDouble(network.InputKeepProbability);
        writer.WriteInt32(network.Layers.Count);
        foreach (var layer in network.Layers)
        {
            writer.WriteInt32(layer.Size);
            writer.WriteString(layer.Activation);
            writer.WriteDouble(layer.LeakySlope);
            writer.WriteDouble(layer.Alpha);
            writer.WriteDouble(layer.KeepProbability);
        }

        writer.WriteString(network.Loss);
        writer.WriteString(network.Precision);

        writer.WriteInt32(contents.Settings.Count);
        foreach (var (name, value) in contents.Settings)
        {
            writer.WriteString(name);
            writer.WriteString(value);
        }

        WriteData(writer, contents.Train);
        writer.WriteBool(contents.Validation is not null);
        if (contents.Validation is { } validation)
        {
            WriteData(writer, validation);
        }

        writer.WriteInt32(contents.EpochsRun);
        writer.WriteInt32(contents.GlobalStep);
        writer.WriteInt64(contents.SamplesProcessed);
        writer.WriteBool(contents.BestEpoch is not null);
        if (contents.BestEpoch is { } best)
        {
            writer.WriteInt32(best);
            writer.WriteDouble(contents.BestValidationLoss);
        }

        writer.WriteInt32(contents.EpochsWithoutImprovement);
        writer.WriteOptionalDouble(contents.LastValidationLoss);
        writer.WriteOptionalDouble(contents.LastValidationAccuracy);
        writer.WriteInt64(contents.Elapsed.Ticks);
        writer.WriteInt32(contents.StopReason is { } reason ? (int)reason : -1);
        WriteRandom(writer, contents.ShuffleRandom);
        WriteRandom(writer, contents.DropoutRandom);
        writer.WriteInt32s(contents.Order);
        writer.WriteDoubles(contents.Parameters);
        writer.WriteBool(contents.BestParameters is not null);
        if (contents.BestParameters is { } bestParameters)
        {
            writer.WriteDoubles(bestParameters);
        }

        writer.WriteInt32(contents.History.Count);
        writer.WriteInt32(network.Layers.Count);
        foreach (var record in contents.History)
        {
            writer.WriteInt32(record.Epoch);
            writer.WriteInt32(record.Steps);
            writer.WriteDouble(record.TrainingLoss);
            writer.WriteDouble(record.TrainingObjective);
            writer.WriteOptionalDouble(record.TrainingAccuracy);
            writer.WriteOptionalDouble(record.ValidationLoss);
            writer.WriteOptionalDouble(record.ValidationAccuracy);
            writer.WriteDouble(record.LearningRate);
            writer.WriteInt32(record.RejectedSteps);
            writer.WriteInt64(record.Elapsed.Ticks);
            foreach (double norm in record.LayerGradientNorms)
            {
                writer.WriteDouble(norm);
            }
        }

        var state = contents.OptimizerState;
        writer.WriteInt32(state.Names.Count);
        foreach (string name in state.Names)
        {
            writer.WriteString(name);
            writer.WriteDoubles(state[name]);
        }
    }

    private static void WriteData(CheckpointWriter writer, CheckpointData data)
    {
        writer.WriteInt32(data.Count);
        writer.WriteInt32(data.FeatureCount);
        writer.WriteInt32(data.TargetCount);
        writer.WriteBytes(data.Hash);
    }

    private static void WriteRandom(CheckpointWriter writer, SeededRandomState state)
    {
        writer.WriteUInt64(state.S0);
        writer.WriteUInt64(state.S1);
        writer.WriteUInt64(state.S2);
        writer.WriteUInt64(state.S3);
    }

    private static CheckpointContents ReadPayload(ref CheckpointReader reader, string path)
    {
        string description = reader.ReadString("the network description");
        string parameterType = reader.ReadString("the parameter type");
        int inputSize = reader.ReadInt32("the input size", 1, int.MaxValue);
        double inputKeep = reader.ReadDouble("the input keep probability");
        int layerCount = reader.ReadInt32("the layer count", 1, MaximumLayers);
        var layers = new CheckpointLayer[layerCount];
        for (int i = 0; i < layerCount; i++)
        {
            string which = string.Create(CultureInfo.InvariantCulture, $"layer {i + 1}'s");
            layers[i] = new CheckpointLayer(
                reader.ReadInt32(which + " size", 1, int.MaxValue),
                reader.ReadString(which + " activation"),
                reader.ReadDouble(which + " leaky slope"),
                reader.ReadDouble(which + " ELU alpha"),
                reader.ReadDouble(which + " keep probability"));
        }

        var network = new CheckpointNetwork(description, parameterType, inputSize, inputKeep, layers, reader.ReadString("the loss"), reader.ReadString("the precision"));

        int settingCount = reader.ReadInt32("the settings count", 0, MaximumSettings);
        var settings = new List<KeyValuePair<string, string>>(settingCount);
        for (int i = 0; i < settingCount; i++)
        {
            settings.Add(new(reader.ReadString("a setting name"), reader.ReadString("a setting value")));
        }

        var train = ReadData(ref reader, "the training set");
        var validation = reader.ReadBool("the validation set flag") ? ReadData(ref reader, "the validation set") : null;

        int epochsRun = reader.ReadInt32("the epochs run", 0, int.MaxValue);
        int globalStep = reader.ReadInt32("the step count", 0, int.MaxValue);
        long samples = reader.ReadInt64("the samples processed");
        int? bestEpoch = null;
        double bestLoss = double.PositiveInfinity;
        if (reader.ReadBool("the best epoch flag"))
        {
            bestEpoch = reader.ReadInt32("the best epoch", 1, int.MaxValue);
            bestLoss = reader.ReadDouble("the best validation loss");
        }

        int withoutImprovement = reader.ReadInt32("the epochs without improvement", 0, int.MaxValue);
        double? lastLoss = reader.ReadOptionalDouble("the last validation loss");
        double? lastAccuracy = reader.ReadOptionalDouble("the last validation accuracy");
        long elapsedTicks = reader.ReadInt64("the elapsed time");
        int reason = reader.ReadInt32("the stop reason", -1, (int)Training.StopReason.TargetOutputErrorReached);
        var shuffle = ReadRandom(ref reader, "the shuffle random state");
        var dropout = ReadRandom(ref reader, "the dropout random state");
        int[] order = reader.ReadInt32s("the sample order");
        double[] parameters = reader.ReadDoubles("the parameters");
        double[]? bestParameters = reader.ReadBool("the best parameters flag") ? reader.ReadDoubles("the best parameters") : null;

        int historyCount = reader.ReadCount("the history", 40);
        int normCount = reader.ReadInt32("the gradient norms per record", 0, MaximumLayers);
        var history = new List<EpochRecord>(historyCount);
        for (int i = 0; i < historyCount; i++)
        {
            string which = string.Create(CultureInfo.InvariantCulture, $"history record {i + 1}'s");
            int epoch = reader.ReadInt32(which + " epoch");
            int steps = reader.ReadInt32(which + " steps", 1, int.MaxValue);
            double trainingLoss = reader.ReadDouble(which + " training loss");
            double trainingObjective = reader.ReadDouble(which + " training objective");
            double? trainingAccuracy = reader.ReadOptionalDouble(which + " training accuracy");
            double? validationLoss = reader.ReadOptionalDouble(which + " validation loss");
            double? validationAccuracy = reader.ReadOptionalDouble(which + " validation accuracy");
            double rate = reader.ReadDouble(which + " learning rate");
            int rejected = reader.ReadInt32(which + " rejected steps", 0, steps);
            long ticks = reader.ReadInt64(which + " elapsed time");
            if ((long)normCount * 8 > reader.Remaining)
            {
                throw reader.Malformed(which + " gradient norms", "run past the end of the contents");
            }

            var norms = new double[normCount];
            for (int layer = 0; layer < normCount; layer++)
            {
                norms[layer] = reader.ReadDouble(which + " gradient norm");
            }

            if (ticks < 0)
            {
                throw reader.Malformed(which + " elapsed time", "is negative");
            }

            history.Add(new EpochRecord
            {
                Epoch = epoch,
                Steps = steps,
                TrainingLoss = trainingLoss,
                TrainingObjective = trainingObjective,
                TrainingAccuracy = trainingAccuracy,
                ValidationLoss = validationLoss,
                ValidationAccuracy = validationAccuracy,
                LearningRate = rate,
                RejectedSteps = rejected,
                Elapsed = TimeSpan.FromTicks(ticks),
                LayerGradientNorms = norms,
            });
        }

        int entryCount = reader.ReadInt32("the optimizer entry count", 0, MaximumOptimizerEntries);
        var entries = new List<KeyValuePair<string, double[]>>(entryCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entryCount; i++)
        {
            string name = reader.ReadString("an optimizer entry name");
            if (name.Length == 0 || name.Length > OptimizerStateSnapshot.MaximumNameLength || !names.Add(name))
            {
                throw reader.Malformed("the optimizer entry name '" + name + "'", "is empty, too long or repeated");
            }

            entries.Add(new(name, reader.ReadDoubles("the optimizer entry '" + name + "'")));
        }

        if (samples < 0 || elapsedTicks < 0 || elapsedTicks > MaximumElapsed.Ticks)
        {
            throw new CheckpointException(CheckpointProblem.Malformed, "the samples processed or the elapsed time is negative, or the elapsed time is beyond a thousand years", path);
        }

        return new CheckpointContents
        {
            Network = network,
            Settings = settings,
            Train = train,
            Validation = validation,
            EpochsRun = epochsRun,
            GlobalStep = globalStep,
            SamplesProcessed = samples,
            BestEpoch = bestEpoch,
            BestValidationLoss = bestLoss,
            EpochsWithoutImprovement = withoutImprovement,
            LastValidationLoss = lastLoss,
            LastValidationAccuracy = lastAccuracy,
            Elapsed = TimeSpan.FromTicks(elapsedTicks),
            StopReason = reason < 0 ? null : (StopReason)reason,
            ShuffleRandom = shuffle,
            DropoutRandom = dropout,
            Order = order,
            Parameters = parameters,
            BestParameters = bestParameters,
            History = history,
            OptimizerState = new OptimizerStateSnapshot(entries),
        };
    }

    private static CheckpointData ReadData(ref CheckpointReader reader, string what) => new(
        reader.ReadInt32(what + "'s sample count", 1, int.MaxValue),
        reader.ReadInt32(what + "'s feature count", 1, int.MaxValue),
        reader.ReadInt32(what + "'s target count", 1, int.MaxValue),
        reader.ReadBytes(32, what + "'s SHA-256"));

    private static SeededRandomState ReadRandom(ref CheckpointReader reader, string what)
    {
        var state = new SeededRandomState(reader.ReadUInt64(what), reader.ReadUInt64(what), reader.ReadUInt64(what), reader.ReadUInt64(what));
        if (!state.IsValid)
        {
            throw reader.Malformed(what, "is all zero, which no generator can be in");
        }

        return state;
    }

    // The contents agree with themselves: what every trainer needs before comparing them with its own.
    private static void CheckConsistency(CheckpointContents contents, string path)
    {
        void Fail(string problem) => throw new CheckpointException(CheckpointProblem.Malformed, problem, path);

        var network = contents.Network;
        if (network.ParameterType is not ("Single" or "Double"))
        {
            Fail($"the parameter type is '{network.ParameterType}', not Single or Double");
        }

        if (network.ParameterCount != contents.Parameters.Length)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"the layers lay out {network.ParameterCount} parameters, but {contents.Parameters.Length} are stored"));
        }

        if (contents.History.Count != contents.EpochsRun)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"{contents.EpochsRun} epochs were run, but the history holds {contents.History.Count} records"));
        }

        long steps = 0;
        for (int i = 0; i < contents.History.Count; i++)
        {
            var record = contents.History[i];
            if (record.Epoch != i + 1 || record.LayerGradientNorms.Count != network.Layers.Count)
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"history record {i + 1} is numbered {record.Epoch} with {record.LayerGradientNorms.Count} gradient norms for {network.Layers.Count} layers"));
            }

            steps += record.Steps;
        }

        if (steps != contents.GlobalStep)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"the history's epochs add up to {steps} steps, but the run counts {contents.GlobalStep}"));
        }

        if (contents.BestEpoch is { } best && (best > contents.EpochsRun || contents.Validation is null || contents.BestParameters is null))
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"the best epoch {best} is not one of the {contents.EpochsRun} epochs run with a validation set and best parameters"));
        }

        if (contents.BestEpoch is null && contents.BestParameters is not null)
        {
            Fail("best parameters are stored without a best epoch");
        }

        if (contents.BestParameters is { } bestParameters && bestParameters.Length != contents.Parameters.Length)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"{bestParameters.Length} best parameters are stored for {contents.Parameters.Length} parameters"));
        }

        if (contents.EpochsWithoutImprovement > contents.EpochsRun)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"{contents.EpochsWithoutImprovement} epochs without improvement out of {contents.EpochsRun} run"));
        }

        if (contents.StopReason is Training.StopReason.MaxEpochsReached or Training.StopReason.Cancelled)
        {
            Fail($"the stop reason {contents.StopReason} is not one a checkpoint records");
        }

        if (contents.Order.Length != contents.Train.Count)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"the sample order has {contents.Order.Length} entries for {contents.Train.Count} training samples"));
        }

        var seen = new bool[contents.Order.Length];
        foreach (int sample in contents.Order)
        {
            if ((uint)sample >= (uint)seen.Length || seen[sample])
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"the sample order is not a permutation of the {seen.Length} training samples (entry {sample})"));
            }

            seen[sample] = true;
        }

        RequireFinite(contents.Parameters, "the parameters", path);
        if (contents.BestParameters is not null)
        {
            RequireFinite(contents.BestParameters, "the best parameters", path);
        }
    }

    private static void RequireFinite(double[] values, string what, string path)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new CheckpointException(CheckpointProblem.Malformed, string.Create(CultureInfo.InvariantCulture, $"{what} hold {values[i]} at index {i}; every value must be finite"), path);
            }
        }
    }
}
