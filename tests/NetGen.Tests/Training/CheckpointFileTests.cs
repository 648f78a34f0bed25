using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using CsCheck;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>
/// Hostile and damaged checkpoint files: every truncation, every byte edit, random edits with and without a valid
/// checksum. Each gets a <see cref="CheckpointException"/> (or, for an edit that still makes sense, is accepted), and a
/// refused file leaves the network and the trainer as they were.
/// </summary>
public sealed class CheckpointFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly Dataset<double> _train = TrainingTestData.Blobs<double>(30, seed: 3);
    private readonly Dataset<double> _validation = TrainingTestData.Blobs<double>(12, seed: 4);
    private readonly byte[] _good;
    private readonly double[] _resumedParameters;
    private readonly SmallDropoutClassifier _trainerNetwork = new();
    private readonly double[] _trainerStart;
    private readonly Trainer<double> _trainer;

    public CheckpointFileTests()
    {
        NetGen.Testing.TestData.RandomParameters(_trainerNetwork, 17);
        _trainerStart = _trainerNetwork.Parameters.ToArray();
        _trainer = new Trainer<double>(_trainerNetwork, Options(null));
        string path = _folder.File("good.ckpt");
        new Trainer<double>(new SmallDropoutClassifier(), Options(path)).Fit(_train, _validation);
        _good = File.ReadAllBytes(path);
        var network = new SmallDropoutClassifier();
        new Trainer<double>(network, Options(null)).Resume(path, _train, _validation);
        _resumedParameters = network.Parameters.ToArray();
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void TheFileIsLaidOutAsDocumented()
    {
        Assert.True(_good.AsSpan(0, 8).SequenceEqual(TrainingCheckpoint.Magic));
        Assert.Equal(new byte[] { 0x89, 0x4E, 0x47, 0x43, 0x4B, 0x50, 0x54, 0x0A }, TrainingCheckpoint.Magic.ToArray());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(_good.AsSpan(8)));
        ulong payload = BinaryPrimitives.ReadUInt64LittleEndian(_good.AsSpan(12));
        Assert.Equal((long)payload + 52, _good.Length);
        Assert.Equal(SHA256.HashData(_good.AsSpan(0, _good.Length - 32)), _good[^32..]);
        var info = TrainingCheckpoint.ReadInfo(_folder.File("good.ckpt"));
        Assert.Equal((3, 6, 30), (info.EpochsRun, info.GlobalStep, info.TrainingSamples));
        Assert.Equal("Double", info.ParameterType);
        Assert.StartsWith("Adam(", info.Optimizer, StringComparison.Ordinal);
        Assert.Equal(SmallDropoutClassifier.Spec.ToString(), info.Network);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public void EveryTruncationIsRefusedAndChangesNothing()
    {
        for (int length = 0; length < _good.Length; length++)
        {
            var error = AssertRefused(_good[..length]);
            Assert.Equal(length < 8 ? CheckpointProblem.NotACheckpoint : CheckpointProblem.Truncated, error.Kind);
        }

        var appended = AssertRefused([.. _good, 0]);
        Assert.Equal(CheckpointProblem.Truncated, appended.Kind);
        AssertTrainerStillResumes();
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void EverySingleByteEditIsRefusedWithTheProblemItCauses()
    {
        var kinds = new System.Collections.Generic.HashSet<CheckpointProblem>();
        for (int offset = 0; offset < _good.Length; offset++)
        {
            var edited = (byte[])_good.Clone();
            edited[offset] ^= 0x5A;
            var error = AssertRefused(edited);
            kinds.Add(error.Kind);
            var expected = offset switch
            {
                < 8 => CheckpointProblem.NotACheckpoint,
                < 12 => CheckpointProblem.UnsupportedVersion,
                < 20 => CheckpointProblem.Truncated,
                _ => CheckpointProblem.ChecksumMismatch,
            };
            Assert.Equal(expected, error.Kind);
        }

        Assert.Equal(4, kinds.Count);
        AssertTrainerStillResumes();
    }

    [Fact]
    public void RandomEditsAreRefusedProperty()
    {
        // Up to eight bytes anywhere set to random values: unless every edit left its byte as it was, the file is
        // refused with a CheckpointException and nothing changes.
        var gen = Gen.Select(Gen.Int[0, _good.Length - 1], Gen.Byte).Array[1, 8];
        Fuzz(gen, edits =>
        {
            var edited = (byte[])_good.Clone();
            foreach (var (offset, value) in edits)
            {
                edited[offset] = value;
            }

            if (edited.AsSpan().SequenceEqual(_good))
            {
                return;
            }

            AssertRefused(edited);
        }, stream: 1);
        AssertTrainerStillResumes();
    }

    [Fact]
    public void EditedContentsWithAValidChecksumAreAcceptedOrRefusedNeverCrashProperty()
    {
        // A forged file: payload bytes edited, then signed again. The parser must still hold: every result is either a
        // resumed run or a CheckpointException that left the network unchanged.
        int payloadEnd = _good.Length - 32;
        var gen = Gen.Select(Gen.Int[20, payloadEnd - 1], Gen.Byte).Array[1, 4];
        int accepted = 0;
        int refused = 0;
        Fuzz(gen, edits =>
        {
            var edited = (byte[])_good.Clone();
            foreach (var (offset, value) in edits)
            {
                edited[offset] = value;
            }

            SHA256.HashData(edited.AsSpan(0, payloadEnd), edited.AsSpan(payloadEnd));
            string path = _folder.File("forged.ckpt");
            File.WriteAllBytes(path, edited);
            var network = new SmallDropoutClassifier();
            NetGen.Testing.TestData.RandomParameters(network, 5);
            var before = network.Parameters.ToArray();
            try
            {
                // As many epochs as the checkpoint holds: an accepted file trains no further.
                new Trainer<double>(network, Options(null)).Resume(path, _train, _validation);
                accepted++;
            }
            catch (CheckpointException)
            {
                refused++;
                Assert.Equal(CheckpointRuns.Bits<double>(before), CheckpointRuns.Bits<double>(network.Parameters));
            }
        }, stream: 2);
        Assert.True(refused > 0 && accepted + refused > 0);
    }

    [Fact]
    public void HostileCountsAreRefusedBeforeAnythingIsAllocated()
    {
        // An array count of two billion in front of twelve bytes.
        byte[] payload = [.. BitConverter.GetBytes(2_000_000_000), .. new byte[12]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointException>(() =>
        {
            var reader = new CheckpointReader(payload, 20, "hostile.ckpt");
            reader.ReadDoubles("the parameters");
        });
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
        Assert.Equal(CheckpointProblem.Malformed, error.Kind);
        Assert.Contains("count of 2000000000 (at byte 20), but only 12 bytes follow", error.Message, StringComparison.Ordinal);

        byte[] negative = [.. BitConverter.GetBytes(-1)];
        Assert.Throws<CheckpointException>(() => new CheckpointReader(negative, 0, "x").ReadString("a name"));
    }

    [Fact]
    public void InconsistentContentsAreRefusedAsMalformed()
    {
        var contents = TrainingCheckpoint.Read(_folder.File("good.ckpt"));
        void Refused(CheckpointContents edited, string expected)
        {
            string path = _folder.File("inconsistent.ckpt");
            TrainingCheckpoint.Write(path, edited);
            var error = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Read(path));
            Assert.Equal(CheckpointProblem.Malformed, error.Kind);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }

        var order = contents.Order.ToArray();
        order[0] = order[1];
        Refused(With(contents, order: order), "not a permutation");
        var parameters = contents.Parameters.ToArray();
        parameters[3] = double.NaN;
        Refused(With(contents, parameters: parameters), "the parameters hold NaN at index 3");
        Refused(With(contents, parameters: parameters[1..]), "lay out 99 parameters, but 98 are stored");
    }

    private static CheckpointContents With(CheckpointContents contents, int[]? order = null, double[]? parameters = null) => new()
    {
        Network = contents.Network,
        Settings = contents.Settings,
        Train = contents.Train,
        Validation = contents.Validation,
        EpochsRun = contents.EpochsRun,
        GlobalStep = contents.GlobalStep,
        SamplesProcessed = contents.SamplesProcessed,
        BestEpoch = contents.BestEpoch,
        BestValidationLoss = contents.BestValidationLoss,
        EpochsWithoutImprovement = contents.EpochsWithoutImprovement,
        LastValidationLoss = contents.LastValidationLoss,
        LastValidationAccuracy = contents.LastValidationAccuracy,
        Elapsed = contents.Elapsed,
        StopReason = contents.StopReason,
        ShuffleRandom = contents.ShuffleRandom,
        DropoutRandom = contents.DropoutRandom,
        Order = order ?? contents.Order,
        Parameters = parameters ?? contents.Parameters,
        BestParameters = contents.BestParameters,
        History = contents.History,
        OptimizerState = contents.OptimizerState,
    };

    private static TrainerOptions Options(string? path) => new()
    {
        Optimizer = new AdamOptimizer(), BatchSize = 16, Epochs = 3, LearningRate = 0.02, Seed = 4, CheckpointPath = path,
    };

    // Runs `iterations` cases of gen, case i from the fixed seed (stream, i), so every run checks the same cases; a
    // failing case is handed to CsCheck again from its seed to shrink it.
    private static void Fuzz<T>(Gen<T> gen, Action<T> check, uint stream, int iterations = 300)
    {
        for (ulong i = 0; i < (ulong)iterations; i++)
        {
            string seed = new PCG(stream, i).ToString();
            try
            {
                gen.Sample(check, seed: seed, iter: 1, threads: 1);
            }
            catch (Exception)
            {
                gen.Sample(check, seed: seed, iter: 1000, threads: 1);
                throw;
            }
        }
    }

    // One trainer, over a network with known parameters, takes every damaged file in turn: each must be refused with
    // the network as it was, and the trainer must still resume the good file to the expected weights afterwards.
    private CheckpointException AssertRefused(byte[] file)
    {
        string path = _folder.File("damaged.ckpt");
        File.WriteAllBytes(path, file);
        var error = Assert.Throws<CheckpointException>(() => _trainer.Resume(path, _train, _validation));
        Assert.Equal(CheckpointRuns.Bits<double>(_trainerStart), CheckpointRuns.Bits<double>(_trainerNetwork.Parameters));
        return error;
    }

    private void AssertTrainerStillResumes()
    {
        string path = _folder.File("good.ckpt");
        File.WriteAllBytes(path, _good);
        _trainer.Resume(path, _train, _validation);
        Assert.Equal(CheckpointRuns.Bits<double>(_resumedParameters), CheckpointRuns.Bits<double>(_trainerNetwork.Parameters));
    }
}
