using System;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.IO;
using NetGen.Onnx;
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

    public static TheoryData<string> LongNames => new()
    {
        Name(250, "a"),
        Name(255, "b"),
        Name(255, "€"),   // 85 three-byte characters
        Name(252, "😀"),  // 63 four-byte characters (surrogate pairs in UTF-16)
    };

    [Theory]
    [MemberData(nameof(LongNames))]
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
    [MemberData(nameof(LongNames))]
    public void AnOnnxModelAndAHistoryWithLongNamesAreWritten(string name)
    {
        var network = new InterpretedNetwork<double>(SmallSpec);
        string onnx = _folder.File(name);
        string historyFolder = Directory.CreateDirectory(_folder.File("history")).FullName;
        string history = Path.Combine(historyFolder, name);

        OnnxExporter.Export(network, onnx);
        new TrainingHistory(2).WriteCsv(history);

        Assert.True(new FileInfo(onnx).Length > 100);
        Assert.StartsWith("epoch,", File.ReadAllText(history), StringComparison.Ordinal);
        Assert.Equal([name], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        Assert.Equal([name], Directory.GetFiles(historyFolder).Select(Path.GetFileName));
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
        string path = _folder.WriteText(Name(255, "c"), "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial"u8);
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    // A name of exactly `bytes` UTF-8 bytes made of `unit`, padded with 'x' where the unit does not divide it.
    private static string Name(int bytes, string unit)
    {
        int unitBytes = Encoding.UTF8.GetByteCount(unit);
        string name = string.Concat(Enumerable.Repeat(unit, bytes / unitBytes)) + new string('x', bytes % unitBytes);
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(name));
        return name;
    }
}
