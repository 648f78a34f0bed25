using System;
using System.Linq;
using Google.Protobuf;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx.Tests.Import;

/// <summary>Small ONNX models built in code with the generated protobuf classes, for tests that edit them.</summary>
internal static class TestModels
{
    /// <summary>input [batch, 3] → Gemm 'dense1' (w1 [4, 3], b1) → Relu 'relu1' → Gemm 'dense2' (w2 [2, 4], b2) → output.</summary>
    public static ModelProto Mlp(int opset = 13)
    {
        var graph = new GraphProto { Name = "mlp" };
        graph.Input.Add(Value("input", TensorProto.Types.DataType.Float, -1, 3));
        graph.Output.Add(Value("output", TensorProto.Types.DataType.Float, -1, 2));
        graph.Initializer.Add(Floats("w1", [4, 3], Enumerable.Range(0, 12).Select(i => 0.1f * (i - 6)).ToArray()));
        graph.Initializer.Add(Floats("b1", [4], [0.1f, -0.2f, 0.3f, -0.4f]));
        graph.Initializer.Add(Floats("w2", [2, 4], Enumerable.Range(0, 8).Select(i => 0.2f * (i - 4)).ToArray()));
        graph.Initializer.Add(Floats("b2", [2], [0.05f, -0.05f]));
        graph.Node.Add(Node("Gemm", "dense1", ["input", "w1", "b1"], ["z1"], Int("transB", 1)));
        graph.Node.Add(Node("Relu", "relu1", ["z1"], ["a1"]));
        graph.Node.Add(Node("Gemm", "dense2", ["a1", "w2", "b2"], ["output"], Int("transB", 1)));
        var model = new ModelProto { IrVersion = 7, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    public static byte[] Bytes(this ModelProto model) => model.ToByteArray();

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        return tensor;
    }

    public static TensorProto Int64s(string name, long[] dims, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values);
        return tensor;
    }

    /// <summary>A tensor value [dims…]; a negative dimension is the symbolic "batch".</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    public static NodeProto NodeNamed(this ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name);

    public static TensorProto Initializer(this ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    public static void InsertBefore(this ModelProto model, string name, NodeProto node)
    {
        int at = model.Graph.Node.IndexOf(model.NodeNamed(name));
        model.Graph.Node.Insert(at, node);
    }

    public static void Rewire(this ModelProto model, string nodeName, int input, string value) => model.NodeNamed(nodeName).Input[input] = value;

    public static ReadOnlySpan<byte> Span(this ModelProto model) => model.ToByteArray();
}
