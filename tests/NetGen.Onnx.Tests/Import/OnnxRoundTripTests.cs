using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Google.Protobuf;
using NetGen.IO;
using NetGen.Onnx.Proto;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// NetGen export → import gives back the same <see cref="NetworkSpec"/> (activations with their exact slope and α, loss,
/// dropout, precision) and bitwise the same parameters, for every activation in every place it may stand and every loss
/// that fits, in float and double: the exporter's forms are exactly the ones the importer reads.
/// </summary>
public sealed class OnnxRoundTripTests
{
    public static TheoryData<Precision, bool> Variants => new()
    {
        { Precision.Single, false },
        { Precision.Single, true },
        { Precision.Double, false },
        { Precision.Double, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ExportThenImportGivesTheSameSpecAndBitwiseTheSameParametersForEveryActivationAndLoss(Precision precision, bool fixedBatch)
    {
        var random = new SeededRandom(precision == Precision.Double ? 23UL : 29UL);
        int count = 0;
        foreach (var spec in EverySpec(precision, random))
        {
            if (precision == Precision.Double)
            {
                AssertRoundTrip<double>(spec, random.NextUInt64(), fixedBatch);
            }
            else
            {
                AssertRoundTrip<float>(spec, random.NextUInt64(), fixedBatch);
            }

            count++;
        }

        // 10 hidden activations × 11 outputs with every loss that fits: 9 × 10 trainable pairs with MSE, 9 more each with
        // SoftmaxCrossEntropy and BinaryCrossEntropy, and 20 forward-only pairs with a Step layer.
        Assert.Equal(128, count);
    }

    [Fact]
    public void AModelWithoutNetGensMetadataImportsWithTheLossItsOutputSuggestsAndTheGraphsOwnSlopes()
    {
        var spec = new NetworkSpec(
            6,
            [new DenseLayerSpec(5, Activation.LeakyReLU) { LeakySlope = 0.3, KeepProbability = 0.5 }, new DenseLayerSpec(4, Activation.ELU) { Alpha = 0.7 }, new DenseLayerSpec(3, Activation.Softmax)],
            Loss.SoftmaxCrossEntropy,
            Precision.Single,
            inputKeepProbability: 0.9);
        var network = new InterpretedNetwork<float>(spec);
        network.InitializeParameters(seed: 3);
        var model = Export(network, fixedBatch: false);
        model.MetadataProps.Clear();

        var imported = OnnxImporter.Import(model.ToByteArray());

        // Without NetGen's metadata the dropout is gone (an inference graph has none) and the slopes are the FLOAT
        // attributes' values; the softmax output suggests SoftmaxCrossEntropy.
        Assert.False(imported.LossFromMetadata);
        Assert.Equal("6 → 5 LeakyReLU(α=0.30000001192092896) → 4 ELU(α=0.699999988079071) → 3 Softmax, SoftmaxCrossEntropy, Single", imported.Spec.ToString());
        AssertBitwise<float>(network.Parameters.ToArray(), imported);
    }

    [Fact]
    public void MetadataThatDoesNotDescribeTheGraphIsAnError()
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(4, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy));
        network.InitializeParameters(seed: 5);
        var model = Export(network, fixedBatch: false);
        var tanh = model.Graph.Node.Single(n => n.OpType == "Tanh");
        tanh.OpType = "Relu";

        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(model.ToByteArray()));

        Assert.Equal(OnnxImportProblem.MetadataMismatch, error.Problem);
        Assert.Equal("The model's netgen.spec metadata describes the network '4 → 3 Tanh → 2 Sigmoid, BinaryCrossEntropy', but its graph computes '4 → 3 ReLU → 2 Sigmoid': the graph was changed after NetGen exported it; remove the metadata entry to import the graph as it is", error.Message);
    }

    [Theory]
    [InlineData("not an architecture")]
    [InlineData("4 → 3 Tanh → 2 Sigmoid, NoSuchLoss")]
    [InlineData("4 → 3 (Activation)7 → 2 Sigmoid, BinaryCrossEntropy")]
    [InlineData("4 → 3 Tanh(α=0.5) → 2 Sigmoid, BinaryCrossEntropy")]
    [InlineData("4 (keep x) → 3 Tanh → 2 Sigmoid, BinaryCrossEntropy")]
    public void MetadataThatIsNotAnArchitectureDescriptionIsAnError(string text)
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(4, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy));
        var model = Export(network, fixedBatch: false);
        model.MetadataProps.Single(p => p.Key == WeightsFile.SpecMetadataKey).Value = text;

        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(model.ToByteArray()));

        Assert.Equal(OnnxImportProblem.MetadataMismatch, error.Problem);
        Assert.Equal($"The model's netgen.spec metadata, '{text}', is not a NetGen architecture description", error.Message);
    }

    internal static IEnumerable<NetworkSpec> EverySpec(Precision precision, SeededRandom random)
    {
        var hidden = Enum.GetValues<Activation>().Where(a => a != Activation.Softmax).ToArray();
        var trainable = hidden.Where(a => a != Activation.Step).ToArray();
        foreach (var output in Enum.GetValues<Activation>())
        {
            foreach (var activation in hidden)
            {
                bool forwardOnly = activation == Activation.Step || output == Activation.Step;
                var losses = forwardOnly ? [null] : new Loss?[] { Loss.MeanSquaredError, Loss.BinaryCrossEntropy, Loss.SoftmaxCrossEntropy }
                    .Where(loss => loss == Loss.MeanSquaredError || (loss == Loss.SoftmaxCrossEntropy ? output == Activation.Softmax : output == Activation.Sigmoid));
                foreach (var loss in losses)
                {
                    var layers = new List<DenseLayerSpec>
                    {
                        Layer(1 + random.NextInt32(9), activation, random) with { KeepProbability = random.NextInt32(2) == 0 ? 1.0 : 0.5 + (0.4 * random.NextDouble()) },
                        Layer(1 + random.NextInt32(7), trainable[random.NextInt32(trainable.Length)], random),
                        Layer(output == Activation.Softmax ? 2 + random.NextInt32(5) : 1 + random.NextInt32(5), output, random),
                    };
                    yield return new NetworkSpec(1 + random.NextInt32(8), layers, loss, precision, inputKeepProbability: random.NextInt32(3) == 0 ? 0.8 : 1.0);
                }
            }
        }
    }

    // A slope or α only where the activation has one, as a declaration sets them (DenseLayerSpec's equality compares both).
    private static DenseLayerSpec Layer(int size, Activation activation, SeededRandom random) => activation switch
    {
        Activation.LeakyReLU => new(size, activation) { LeakySlope = 0.05 + (0.9 * random.NextDouble()) },
        Activation.ELU => new(size, activation) { Alpha = 0.1 + (3 * random.NextDouble()) },
        _ => new(size, activation),
    };

    private static void AssertRoundTrip<T>(NetworkSpec spec, ulong seed, bool fixedBatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new InterpretedNetwork<T>(spec);
        network.InitializeParameters(seed);
        // Negative zeros must survive too: folding nothing must mean touching nothing.
        network.Parameters[0] = T.NegativeZero;
        var bytes = Export(network, fixedBatch).ToByteArray();

        var imported = OnnxImporter.Import(bytes);

        Assert.Equal(spec, imported.Spec);
        Assert.Equal(spec.ToString(), imported.Spec.ToString());
        Assert.True(imported.LossFromMetadata);
        Assert.Equal(fixedBatch ? 3 : null, imported.FixedBatchSize);
        AssertBitwise<T>(network.Parameters.ToArray(), imported);
    }

    private static void AssertBitwise<T>(T[] expected, ImportedModel imported)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var actual = new T[expected.Length];
        imported.CopyParametersTo<T>(actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitwiseEqual(expected[i], actual[i]), $"{imported.Spec}: parameter {i}: exported {expected[i]}, imported {actual[i]}");
        }
    }

    private static bool BitwiseEqual<T>(T a, T b)
        where T : unmanaged =>
        typeof(T) == typeof(double)
            ? BitConverter.DoubleToInt64Bits((double)(object)a) == BitConverter.DoubleToInt64Bits((double)(object)b)
            : BitConverter.SingleToInt32Bits((float)(object)a) == BitConverter.SingleToInt32Bits((float)(object)b);

    internal static ModelProto Export<T>(INetwork<T> network, bool fixedBatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(network, stream, new OnnxExportOptions { BatchSize = fixedBatch ? 3 : null });
        return ModelProto.Parser.ParseFrom(stream.ToArray());
    }
}
