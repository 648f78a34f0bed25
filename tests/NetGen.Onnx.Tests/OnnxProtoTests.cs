using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.DataIO.Tests;
using NetGen.Onnx.Proto;
using Xunit;

namespace NetGen.Onnx.Tests;

/// <summary>
/// The checked-in onnx.proto subset reads what ONNX Runtime, an independent protobuf writer, saves: the same graph and
/// bitwise the same weights as NetGen exported. A wrong field number in the subset would lose or garble a field here.
/// </summary>
public sealed class OnnxProtoTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Precision.Single)]
    [InlineData(Precision.Double)]
    public void AModelSavedByOnnxRuntimeParsesBackToTheExportedGraphAndWeights(Precision precision)
    {
        var spec = new NetworkSpec(5, [new DenseLayerSpec(4, Activation.LeakyReLU) { LeakySlope = 0.3 }, new DenseLayerSpec(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy, precision);
        string exported = _folder.File($"exported-{precision}.onnx");
        double[] parameters;
        if (precision == Precision.Double)
        {
            var network = new InterpretedNetwork<double>(spec);
            network.InitializeParameters(seed: 7);
            OnnxExporter.Export(network, exported, new OnnxExportOptions { BatchSize = 2 });
            parameters = network.Parameters.ToArray();
        }
        else
        {
            var network = new InterpretedNetwork<float>(spec);
            network.InitializeParameters(seed: 7);
            OnnxExporter.Export(network, exported, new OnnxExportOptions { BatchSize = 2 });
            parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        }

        // ONNX Runtime loads the model and writes it out again with its own protobuf code, graph unchanged.
        string saved = _folder.File($"saved-{precision}.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, OptimizedModelFilePath = saved })
        using (new InferenceSession(exported, options))
        {
        }

        foreach (string path in new[] { exported, saved })
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal(OnnxExporter.IrVersion, model.IrVersion);
            Assert.Contains(model.OpsetImport, o => o.Domain.Length == 0 && o.Version == OnnxExporter.OpsetVersion);
            var graph = model.Graph;
            var elementType = precision == Precision.Double ? TensorProto.Types.DataType.Double : TensorProto.Types.DataType.Float;
            var input = Assert.Single(graph.Input, v => v.Name == "input");
            Assert.Equal((int)elementType, input.Type.TensorType.ElemType);
            Assert.Equal([2L, 5L], input.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
            var output = Assert.Single(graph.Output);
            Assert.Equal([2L, 3L], output.Type.TensorType.Shape.Dim.Select(d => d.DimValue));

            var gemms = graph.Node.Where(n => n.OpType == "Gemm").ToArray();
            Assert.Equal(["0.weight", "2.weight"], gemms.Select(n => n.Input[1]));
            Assert.All(gemms, g => Assert.Equal(1L, Assert.Single(g.Attribute, a => a.Name == "transB").I));
            var softmax = Assert.Single(graph.Node, n => n.OpType == "Softmax");
            Assert.Equal(-1L, Assert.Single(softmax.Attribute).I);
            if (precision == Precision.Single)
            {
                var leaky = Assert.Single(graph.Node, n => n.OpType == "LeakyRelu");
                Assert.Equal(AttributeProto.Types.AttributeType.Float, leaky.Attribute[0].Type);
                Assert.Equal(0.3f, leaky.Attribute[0].F);
            }
            else
            {
                Assert.Equal(0.3, Values(Assert.Single(graph.Initializer, t => t.Name == "slope1")).Single());
            }

            // W [out, in] then b per layer: NetGen's parameter layout, bit for bit.
            var weights = new[] { "0.weight", "0.bias", "2.weight", "2.bias" }.Select(name => Assert.Single(graph.Initializer, t => t.Name == name)).ToArray();
            Assert.Equal([4L, 5L], weights[0].Dims);
            Assert.Equal([3L], weights[3].Dims);
            Assert.All(weights, w => Assert.Equal((int)elementType, w.DataType));
            Assert.Equal(parameters, weights.SelectMany(Values));
        }
    }

    // A FLOAT or DOUBLE tensor's elements from raw_data or from the typed field, whichever the writer chose.
    private static double[] Values(TensorProto tensor)
    {
        bool isDouble = tensor.DataType == (int)TensorProto.Types.DataType.Double;
        if (!tensor.HasRawData)
        {
            return isDouble ? tensor.DoubleData.ToArray() : tensor.FloatData.Select(f => (double)f).ToArray();
        }

        int size = isDouble ? sizeof(double) : sizeof(float);
        return Enumerable.Range(0, tensor.RawData.Length / size)
            .Select(i => isDouble ? BinaryPrimitives.ReadDoubleLittleEndian(tensor.RawData.Span[(i * size)..]) : BinaryPrimitives.ReadSingleLittleEndian(tensor.RawData.Span[(i * size)..]))
            .ToArray();
    }
}
