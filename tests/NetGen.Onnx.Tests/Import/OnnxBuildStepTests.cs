using System;
using System.IO;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// build/NetGen.targets turns an .onnx AdditionalFiles item into the same base64 text container as a .safetensors one,
/// headed by its format, so the source generator can read the model's exact bytes (Roslyn hands it only text).
/// </summary>
public sealed class OnnxBuildStepTests
{
    private static string Containers => Path.Combine(AppContext.BaseDirectory, "Containers");

    [Theory]
    [InlineData("relu_softmax_op9.onnx", "onnx", "Corpus/models/relu_softmax_op9.onnx")]
    [InlineData("digits.safetensors", "safetensors", "../../samples/DigitsAot/digits.safetensors")]
    public void AnAdditionalFileBecomesABase64ContainerOfItsExactBytes(string name, string format, string original)
    {
        string[] lines = File.ReadAllText(Path.Combine(Containers, name + ".netgen-base64")).Split('\n', 3);

        Assert.Equal($"NetGen {format} base64 v1", lines[0]);
        Assert.StartsWith("source=", lines[1], StringComparison.Ordinal);
        Assert.Equal(name, Path.GetFileName(lines[1]["source=".Length..]));
        string source = Path.Combine(ProjectFolder, original);
        Assert.Equal(File.ReadAllBytes(source), Convert.FromBase64String(lines[2]));
    }

    [Fact]
    public void TheContainedModelImportsAsTheFileDoes()
    {
        string[] lines = File.ReadAllText(Path.Combine(Containers, "relu_softmax_op9.onnx.netgen-base64")).Split('\n', 3);

        var fromContainer = OnnxImporter.Import(Convert.FromBase64String(lines[2]));

        Assert.Equal(OnnxImporter.Import(Corpus.Get("relu_softmax_op9").Path).Spec, fromContainer.Spec);
    }

    // The test project's folder, from the container's own record of where the model came from.
    private static string ProjectFolder
    {
        get
        {
            string[] lines = File.ReadAllText(Path.Combine(Containers, "relu_softmax_op9.onnx.netgen-base64")).Split('\n', 3);
            string model = lines[1]["source=".Length..];
            return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(model)!, "..", ".."));
        }
    }
}
