using System;
using System.IO;
using System.Linq;
using NetGen.IO;
using NetGen.Training;
using Xunit;

namespace NetGen.DataIO.Tests;

/// <summary>
/// Atomic saves work for every legal file name: the temporary name beside the target always fits the file system's
/// 255-byte limit, however long the target's own name is.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private static readonly NetworkSpec SmallSpec = new(2, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy);

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(LongFileNames.All), MemberType = typeof(LongFileNames))]
    public void AWeightsFileWithALongNameIsSavedAndReloaded(string name)
    {
        var network = new InterpretedNetwork<float>(SmallSpec);
        network.InitializeParameters(seed: 3);
        var loaded = new InterpretedNetwork<float>(SmallSpec);
        string path = _folder.File(name);

        WeightsFile.Save(network, path);
        WeightsFile.Save(network, path);
        WeightsFile.Load(loaded, path);

        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal([name], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Theory]
    [MemberData(nameof(LongFileNames.All), MemberType = typeof(LongFileNames))]
    public void AHistoryWithALongNameIsWritten(string name)
    {
        string path = _folder.File(name);

        new TrainingHistory(2).WriteCsv(path);

        Assert.StartsWith("epoch,", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal([name], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void TheTemporaryNameKeepsAtMost64BytesOfTheTargetsNameAndNeverHalfACharacter()
    {
        Assert.Equal("model.safetensors", AtomicFile.NamePrefix("model.safetensors"));
        Assert.Equal(new string('a', 64), AtomicFile.NamePrefix(new string('a', 255)));
        Assert.Equal(string.Concat(Enumerable.Repeat("€", 21)), AtomicFile.NamePrefix(string.Concat(Enumerable.Repeat("€", 85))));
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 16)), AtomicFile.NamePrefix(string.Concat(Enumerable.Repeat("😀", 63))));
        Assert.Equal("x" + string.Concat(Enumerable.Repeat("😀", 15)), AtomicFile.NamePrefix("x" + string.Concat(Enumerable.Repeat("😀", 63))));
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporaryFile()
    {
        string path = _folder.WriteText(LongFileNames.Name(255, "c"), "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial"u8);
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }
}
