using System.IO;
using System.Linq;
using NetGen.DataIO.Tests;
using Xunit;

namespace NetGen.Onnx.Tests;

/// <summary>The exporter writes through the atomic save, so a model file may have any legal name, up to 255 bytes.</summary>
public sealed class OnnxLongNameTests : System.IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(LongFileNames.All), MemberType = typeof(LongFileNames))]
    public void AModelWithALongNameIsWritten(string name)
    {
        var network = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy));
        string path = _folder.File(name);

        OnnxExporter.Export(network, path);

        Assert.True(new FileInfo(path).Length > 100);
        Assert.Equal([name], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }
}
