using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// Every model of the corpus (real PyTorch exports over opsets 9 to 17, and hand-written opset 11, 20 and 21 graphs)
/// imports as the network the corpus script declares, and computes PyTorch's own outputs within 1e-5 (normwise
/// relative, float) through the interpreted engine; ONNX Runtime, run on the same files, agrees with PyTorch too.
/// </summary>
public sealed class OnnxCorpusTests(ITestOutputHelper output)
{
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;

    public static TheoryData<string> Models => Corpus.Names;

    [Theory]
    [MemberData(nameof(Models))]
    public void ACorpusModelImportsAsTheNetworkItDeclares(string name)
    {
        var model = Corpus.Get(name);
        var imported = OnnxImporter.Import(model.Path);
        Assert.Equal(model.Spec, imported.Spec.ToString());
        Assert.Equal(model.Output == "log-probabilities", imported.OutputIsLogSoftmax);
        Assert.Equal(model.InputShape.Skip(1), imported.InputShape);
        Assert.Equal(model.Opset, imported.Opset);
        Assert.Equal(imported.Spec.ParameterCount, imported.Parameters.Length);
    }

    [Fact]
    public void AnImportNamesTheNodesAndTensorsEachLayerCameFromAndWhatWasFolded()
    {
        var gemm = OnnxImporter.Import(Corpus.Get("relu_softmax_op9").Path);
        var first = gemm.LayerSources[0];
        Assert.Equal(("/0/Gemm", "Gemm", "0.weight", "0.bias", "/1/Relu"), (first.Node, first.OpType, first.WeightTensor, first.BiasTensor, first.ActivationNode));
        Assert.Equal([16L, 20L], gemm.LayerSources[0].WeightShape);
        Assert.Equal(("/2/Gemm", "2.bias", "/3/Softmax"), (gemm.LayerSources[1].Node, gemm.LayerSources[1].BiasTensor, gemm.LayerSources[1].ActivationNode));
        Assert.Equal("pytorch 1.13.0", gemm.Producer);
        Assert.Empty(gemm.Notes);

        var matMul = OnnxImporter.Import(Corpus.Get("matmul_add_op13").Path);
        Assert.Equal(("/MatMul", "MatMul", "weights.0", "biases.0"), (matMul.LayerSources[0].Node, matMul.LayerSources[0].OpType, matMul.LayerSources[0].WeightTensor, matMul.LayerSources[0].BiasTensor));
        Assert.Equal([5L, 7L], matMul.LayerSources[0].WeightShape);

        var normalized = OnnxImporter.Import(Corpus.Get("batchnorm_dropout_op13").Path);
        Assert.Contains(normalized.Notes, n => n.StartsWith("BatchNormalization '", StringComparison.Ordinal));
        var image = OnnxImporter.Import(Corpus.Get("image_flatten_normalize_op12").Path);
        Assert.Equal("Input normalization (Sub '/Sub', Div '/Div') was folded into dense layer 1", Assert.Single(image.Notes));
        Assert.Equal([1L, 8L, 8L], image.InputShape);
        Assert.Null(image.FixedBatchSize);
        Assert.Equal(4L, OnnxImporter.Import(Corpus.Get("scale_shift_sigmoid_fixed_batch_op10").Path).FixedBatchSize);
        Assert.Contains(OnnxImporter.Import(Corpus.Get("tanh_logsoftmax_op11").Path).Notes, n => n.Contains("LogSoftmax", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ACorpusModelComputesPyTorchsOutputsThroughTheInterpretedEngine(string name)
    {
        var model = Corpus.Get(name);
        var imported = OnnxImporter.Import(model.Path);
        double error = model.IsDouble
            ? Corpus.NormwiseRelativeError(RunInterpreted(imported.CreateInterpreted<double>(), model), model.ExpectedNetworkOutputs)
            : Corpus.NormwiseRelativeError(RunInterpreted(imported.CreateInterpreted<float>(), model), model.ExpectedNetworkOutputs);
        output.WriteLine($"{name}: normwise relative error against PyTorch {error:E2}");
        Assert.True(error <= (model.IsDouble ? DoubleTolerance : FloatTolerance), $"{name}: {error:E3}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ACorpusModelComputesPyTorchsOutputsThroughAReferenceEvaluationOfItsImport(string name)
    {
        var model = Corpus.Get(name);
        var imported = OnnxImporter.Import(model.Path);
        var spec = imported.Spec;
        var actual = new double[model.Batch * spec.OutputSize];
        for (int s = 0; s < model.Batch; s++)
        {
            var y = ReferenceForward(spec, imported.Parameters, model.Input.AsSpan(s * spec.InputSize, spec.InputSize));
            y.CopyTo(actual, s * spec.OutputSize);
        }

        double error = Corpus.NormwiseRelativeError(actual, model.ExpectedNetworkOutputs);
        output.WriteLine($"{name}: reference evaluation of the import against PyTorch {error:E2}");
        Assert.True(error <= (model.IsDouble ? DoubleTolerance : FloatTolerance), $"{name}: {error:E3}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeComputesPyTorchsOutputsForACorpusModel(string name)
    {
        var model = Corpus.Get(name);
        using var session = new InferenceSession(model.Path);
        string inputName = session.InputMetadata.Keys.Single();
        var dims = model.InputShape.Select(d => (int)d).ToArray();
        double[] actual;
        if (model.IsDouble)
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<double>(model.Input, dims))]);
            actual = results.Single().AsEnumerable<double>().ToArray();
        }
        else
        {
            var input = new DenseTensor<float>(model.Input.Select(v => (float)v).ToArray(), dims);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, input)]);
            actual = results.Single().AsEnumerable<float>().Select(v => (double)v).ToArray();
        }

        double error = Corpus.NormwiseRelativeError(actual, model.Expected);
        output.WriteLine($"{name}: ONNX Runtime against PyTorch {error:E2}");
        Assert.True(error <= (model.IsDouble ? DoubleTolerance : FloatTolerance), $"{name}: {error:E3}");
    }

    // a = σ(W x + b) layer by layer in double, each σ from its definition (VectorMath's double forms for the activations
    // added with issue 15): an oracle for the imported spec and parameters that shares no code with the engine's loops.
    private static double[] ReferenceForward(NetworkSpec spec, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        double[] x = input.ToArray();
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layer = spec.Layers[l];
            var layout = spec.GetLayout(l);
            var z = new double[layout.OutputSize];
            for (int j = 0; j < z.Length; j++)
            {
                double sum = parameters[layout.BiasesOffset + j];
                for (int k = 0; k < layout.InputSize; k++)
                {
                    sum += parameters[layout.WeightsOffset + j * layout.InputSize + k] * x[k];
                }

                z[j] = sum;
            }

            double max = z.Max();
            double total = z.Sum(v => Math.Exp(v - max));
            x = z.Select(v => layer.Activation switch
            {
                Activation.Identity => v,
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Tanh => Math.Tanh(v),
                Activation.ReLU => Math.Max(v, 0),
                Activation.LeakyReLU => v > 0 ? v : layer.LeakySlope * v,
                Activation.Softmax => Math.Exp(v - max) / total,
                Activation.Step => v > 0 ? 1 : 0,
                Activation.ELU => VectorMath.Elu(v, layer.Alpha),
                Activation.GELU => VectorMath.Gelu(v),
                Activation.SiLU => VectorMath.Silu(v),
                Activation.Softplus => VectorMath.Softplus(v),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), layer.Activation, "No reference for this activation."),
            }).ToArray();
        }

        return x;
    }

    private static double[] RunInterpreted<T>(InterpretedNetwork<T> network, CorpusModel model)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int inputs = network.Spec.InputSize, outputs = network.Spec.OutputSize;
        var result = new double[model.Batch * outputs];
        var x = new T[inputs];
        var y = new T[outputs];
        for (int s = 0; s < model.Batch; s++)
        {
            for (int i = 0; i < inputs; i++)
            {
                x[i] = T.CreateChecked(model.Input[s * inputs + i]);
            }

            network.Forward(x, y);
            for (int j = 0; j < outputs; j++)
            {
                result[s * outputs + j] = double.CreateChecked(y[j]);
            }
        }

        return result;
    }
}
