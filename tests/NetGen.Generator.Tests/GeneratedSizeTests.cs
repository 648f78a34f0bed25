using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated source stays bounded per layer whatever the layer's width (issue 17, item 1): wide layers loop instead of
/// being written out, so a network's source is at most <see cref="BaseSize"/> + <see cref="PerLayer"/> × its layer count
/// characters, for every activation, loss and precision, up to the widest layer a declaration may have (2²⁰). Only tiny
/// networks are written out in full (unrolled forward, lane training), and their layers are capped at 256 weights and 32
/// neurons, which bounds them by <see cref="PerUnrolledLayer"/>. And the widest softmax the issue found overflowing the
/// stack in the curvature product now runs.
/// </summary>
public class GeneratedSizeTests(ITestOutputHelper output)
{
    /// <summary>The bound's constant part: constants, Spec, the public methods and the shared helpers.</summary>
    public const int BaseSize = 40_000;

    /// <summary>The bound's part per dense layer: its forward, training and curvature code and the kernels of its shape.</summary>
    public const int PerLayer = 40_000;

    /// <summary>The bound per layer of a network written out in full, at the unrolling limits (256 weights, 32 neurons).</summary>
    public const int PerUnrolledLayer = 200_000;

    private const int Widest = 1 << 20;

    public static TheoryData<string, int, bool> Declarations()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string precision in new[] { "Single", "Double" })
        {
            foreach (int width in new[] { 1024, Widest })
            {
                data.Add($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{precision})][Input(1)][Dense({width}, Activation.Softmax)]", 1, false);
                data.Add($"[Network(Loss = Loss.MeanSquaredError, Precision = Precision.{precision})][Input(1)][Dense({width}, Activation.Softmax)]", 1, false);
                data.Add($"[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.{precision})][Input(1)][Dense({width}, Activation.Sigmoid)]", 1, false);
                foreach (var activation in Enum.GetValues<Activation>().Where(a => a is not Activation.Softmax and not Activation.Step))
                {
                    data.Add($"[Network(Precision = Precision.{precision})][Input(3)][Dense({width}, Activation.{activation})][Dense(2, Activation.{activation})]", 2, false);
                }

                // Register-resident hidden layers in single precision, with a wide output; wide inputs into a narrow layer.
                data.Add($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{precision})][Input(8)][Dense(8, Activation.ReLU)][Dense({width}, Activation.Softmax)]", 2, false);
                data.Add($"[Network(Precision = Precision.{precision})][Input({width})][Dense(4, Activation.Tanh)][Dropout(0.5)][Dense(8, Activation.Identity)]", 2, false);
                data.Add($"[Network(Precision = Precision.{precision})][Input(16)][Dropout(0.9)][Dense(32, Activation.ReLU)][Dense(32, Activation.Tanh)][Dense(32, Activation.Sigmoid)][Dense({width / 64}, Activation.LeakyReLU)]", 4, false);
            }

            // The largest layers that are written out: unrolled (lanes in single precision), at their weight limit.
            data.Add($"[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.{precision})][Input(2)][Dense(4, Activation.Tanh)][Dense(1, Activation.Sigmoid)]", 2, true);
            data.Add($"[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.{precision})][Input(7)]{string.Concat(Enumerable.Repeat("[Dense(7, Activation.Tanh)]", 7))}[Dense(7, Activation.Sigmoid)]", 8, true);
            data.Add($"[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.{precision})][Input(7)][Dense(32, Activation.Sigmoid)]", 1, true);
            data.Add($"[Network(Loss = Loss.MeanSquaredError, Precision = Precision.{precision})][Input(7)][Dense(32, Activation.Softmax)]", 1, true);
            data.Add($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{precision})][Input(8)][Dense(32, Activation.Sigmoid)][Dense(8, Activation.Tanh)][Dense(32, Activation.LeakyReLU)][Dense(8, Activation.Softmax)]", 4, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedSourceIsBoundedPerLayerWhateverTheWidth(string attributes, int layers, bool unrolled)
    {
        int length = SourceLength(attributes);
        int bound = BaseSize + ((unrolled ? PerUnrolledLayer : PerLayer) * layers);
        output.WriteLine($"{length:N0} characters for {attributes}");
        Assert.True(length <= bound, $"{length:N0} characters for {layers} layer(s) exceed the bound {bound:N0}: {attributes}");
    }

    /// <summary>Widening a layer 1,024 times changes the source only by the longer numbers in it.</summary>
    [Theory]
    [InlineData("Single")]
    [InlineData("Double")]
    public void GeneratedSourceDoesNotGrowWithWidth(string precision)
    {
        foreach (string shape in new[] { "[Input(1)][Dense({0}, Activation.Softmax)]", "[Input(8)][Dense(8, Activation.ReLU)][Dense({0}, Activation.Softmax)]" })
        {
            string Declaration(int width) => $"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{precision})]" + string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, width);
            int narrow = SourceLength(Declaration(1024));
            int wide = SourceLength(Declaration(Widest));
            Assert.True(Math.Abs(wide - narrow) <= 2_000, $"{shape} ({precision}): {narrow:N0} characters at width 1,024, {wide:N0} at 2²⁰");
        }
    }

    /// <summary>
    /// The issue's reproduction: a 262,144-wide softmax with cross-entropy overflowed the stack in the generated
    /// DirectionalOutputDelta, whose float R{δ} was written out for every eight outputs. Both curvature kinds now run and
    /// agree with the interpreted engine.
    /// </summary>
    [Fact]
    public void CurvatureProductsOfAWideSoftmaxRunAndMatchTheInterpreter()
    {
        const int width = 262_144;
        var outcome = GeneratorHarness.Run($"using NetGen;\n[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(4)][Dense({width}, Activation.Softmax)] internal partial class WideSoftmax;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        var generated = (ISecondOrderNetwork<float>)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(outcome).GetType("WideSoftmax", throwOnError: true)!)!;
        var interpreted = new InterpretedNetwork<float>(generated.Spec);
        var random = new SeededRandom(11);
        for (int i = 0; i < generated.Parameters.Length; i++)
        {
            generated.Parameters[i] = (float)(random.NextGaussian() * 0.5);
        }

        generated.Parameters.CopyTo(interpreted.Parameters);
        const int batch = 3;
        var inputs = Enumerable.Range(0, batch * 4).Select(_ => (float)random.NextGaussian()).ToArray();
        var targets = new float[batch * width];
        for (int s = 0; s < batch; s++)
        {
            targets[(s * width) + random.NextInt32(width)] = 1f;
        }

        var vector = Enumerable.Range(0, generated.Parameters.Length).Select(_ => (float)random.NextGaussian()).ToArray();
        var productG = new float[vector.Length];
        var productI = new float[vector.Length];
        foreach (var kind in new[] { CurvatureKind.GaussNewton, CurvatureKind.Hessian })
        {
            float lossG = generated.ComputeCurvatureProduct(inputs, targets, vector, productG, generated.CreateWorkspace(batch), kind);
            float lossI = interpreted.ComputeCurvatureProduct(inputs, targets, vector, productI, interpreted.CreateWorkspace(batch), kind);
            Assert.Equal(lossI, lossG, 1e-4f);
            double difference = TestData.RelativeDifference<float>(productG, productI);
            Assert.True(difference <= 1e-4, $"{kind}: the generated product differs from the interpreted one by {difference:E3}");
        }
    }

    /// <summary>
    /// The largest declarations the generator accepts compile and run: the widest layer (2²⁰ softmax outputs) in both
    /// precisions, and the deepest network (256 dense layers, each 64 wide, so every layer takes the looped path the size
    /// bound assumes). The time each takes is printed, not asserted (README, Limits, states the measured figures).
    /// </summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(1)][Dense(1048576, Activation.Softmax)]")]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)][Input(1)][Dense(1048576, Activation.Softmax)]")]
    [InlineData("Deepest")]
    public void TheLargestAcceptedDeclarationsCompileAndRun(string attributes)
    {
        if (attributes == "Deepest")
        {
            attributes = "[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(64)]"
                + string.Concat(Enumerable.Repeat("[Dense(64, Activation.Tanh)]", NetworkLimits.MaxDenseLayers - 1)) + "[Dense(10, Activation.Softmax)]";
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = GeneratorHarness.Run("using NetGen;\n" + attributes + " internal partial class Largest;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        var generating = clock.Elapsed;
        object network = Activator.CreateInstance(GeneratorHarness.CompileAndLoad(outcome).GetType("Largest", throwOnError: true)!)!;
        var compiling = clock.Elapsed - generating;
        output.WriteLine($"{outcome.SourceOf("Largest.g.cs").Length:N0} characters: generated in {generating.TotalSeconds:F2} s, compiled and loaded in {compiling.TotalSeconds:F2} s");

        // A new network's weights are zero, so its softmax output is uniform: the outputs add up to one.
        double sum = network is INetwork<double> inDouble ? OutputSum(inDouble) : OutputSum((INetwork<float>)network);
        Assert.Equal(1.0, sum, 1e-3);

        static double OutputSum<T>(INetwork<T> network)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var outputs = new T[network.Spec.OutputSize];
            network.Forward(Enumerable.Repeat(T.CreateChecked(0.5), network.Spec.InputSize).ToArray(), outputs);
            return outputs.Sum(o => double.CreateChecked(o));
        }
    }

    private static int SourceLength(string attributes)
    {
        var outcome = GeneratorHarness.Run("using NetGen;\n" + attributes + " internal partial class Net;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        return outcome.SourceOf("Net.g.cs").Length;
    }
}
