using System;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// <c>[Network(Onnx = "relu_softmax_op9.onnx")]</c> built by MSBuild with the NetGen build step, as an application builds
/// it: the network is the one <see cref="OnnxImporter"/> reads from the same file, bitwise, and computes PyTorch's outputs.
/// </summary>
public sealed class OnnxCompiledNetworkTests
{
    [Fact]
    public void TheCompiledModelIsTheImportedNetworkAndComputesPyTorchsOutputs()
    {
        var corpus = Corpus.Get("relu_softmax_op9");
        var imported = OnnxImporter.Import(corpus.Path);
        var compiled = new CompiledReluSoftmaxNet();
        var loaded = new TorchReluSoftmaxNet();
        OnnxImporter.LoadInto(loaded, corpus.Path);

        Assert.Equal(imported.Spec, CompiledReluSoftmaxNet.Spec);
        Assert.Equal(MemoryMarshal.AsBytes(imported.CreateInterpreted<float>().Parameters).ToArray(), MemoryMarshal.AsBytes(compiled.Parameters).ToArray());
        Assert.Equal(MemoryMarshal.AsBytes(loaded.Parameters).ToArray(), MemoryMarshal.AsBytes(CompiledReluSoftmaxNet.BakedParameters).ToArray());

        int features = CompiledReluSoftmaxNet.InputSize, outputs = CompiledReluSoftmaxNet.OutputSize;
        var actual = new float[corpus.Batch * outputs];
        for (int s = 0; s < corpus.Batch; s++)
        {
            var x = corpus.Input.Skip(s * features).Take(features).Select(v => (float)v).ToArray();
            compiled.Forward(x, actual.AsSpan(s * outputs, outputs));
        }

        Assert.True(Corpus.NormwiseRelativeError(actual.Select(v => (double)v).ToArray(), corpus.ExpectedNetworkOutputs) <= 1e-5);
    }
}
