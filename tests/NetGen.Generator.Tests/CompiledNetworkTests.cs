using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using NetGen.Testing;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Compiles generated code for the full cross product of activations and losses (and random shapes), loads it, and proves
/// it: gradients against finite differences in double, and equality with the interpreted engine in float and double.
/// </summary>
public class CompiledNetworkTests
{
    // Every activation a network can be trained through on a hidden layer: all but Softmax (output only) and Step.
    private static readonly Activation[] HiddenActivations =
        [.. Enum.GetValues<Activation>().Where(a => a is not Activation.Softmax and not Activation.Step)];

    // Each of them as the output under the quadratic cost, softmax under it too, and the two cross-entropies.
    private static readonly (Activation Output, Loss Loss)[] OutputsAndLosses =
    [
        .. HiddenActivations.Select(a => (a, Loss.MeanSquaredError)),
        (Activation.Softmax, Loss.MeanSquaredError), (Activation.Sigmoid, Loss.BinaryCrossEntropy), (Activation.Softmax, Loss.SoftmaxCrossEntropy),
    ];


    private static readonly Lazy<Assembly> CrossProduct = new(() => Compile(CrossProductSource()));

    private static string CrossProductSource()
    {
        var source = new StringBuilder("using NetGen;\nnamespace Cross;\n");
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                // Two hidden layers of the same activation with dropout between, then the output under test.
                source.Append($"[Network(Loss = Loss.{loss}, Precision = Precision.Double)][Input(4)][Dropout(0.9)][Dense(5, Activation.{hidden}, {Slope(hidden)})][Dropout(0.7)][Dense(4, Activation.{hidden}, {Slope(hidden)})][Dense(3, Activation.{output}, {Slope(output)})] internal partial class {hidden}_{output}_{loss};\n");
            }
        }

        return source.ToString().Replace(", )", ")", StringComparison.Ordinal);

        static string Slope(Activation activation) => activation == Activation.LeakyReLU ? "LeakySlope = 0.15" : string.Empty;
    }

    private static Assembly Compile(string source)
    {
        var outcome = GeneratorHarness.Run(source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        return GeneratorHarness.CompileAndLoad(outcome);
    }

    private static ITrainableNetwork<T> Create<T>(Assembly assembly, string name)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        (ITrainableNetwork<T>)Activator.CreateInstance(assembly.GetType(name, throwOnError: true)!)!;

    [Fact]
    public void EveryActivationAndLossCombinationHasExactGradients()
    {
        var failures = new List<string>();
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                var network = Create<double>(CrossProduct.Value, $"Cross.{hidden}_{output}_{loss}");
                TestData.RandomParameters(network, seed: 17);
                var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 23);
                foreach (ulong? dropoutSeed in new ulong?[] { null, 77 })
                {
                    var mismatches = GradientChecker.Check(network, inputs, targets, dropoutSeed);
                    if (mismatches.Count > 0)
                    {
                        failures.Add($"{network.Spec} (dropout seed {dropoutSeed}): {mismatches.Count} mismatches, e.g. {mismatches[0]}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void EveryActivationAndLossCombinationHasExactHessianVectorProducts()
    {
        var failures = new List<string>();
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                var network = (ISecondOrderNetwork<double>)Create<double>(CrossProduct.Value, $"Cross.{hidden}_{output}_{loss}");
                TestData.RandomParameters(network, seed: 17);
                var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 23);
                var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 29);
                foreach (ulong? dropoutSeed in new ulong?[] { null, 77 })
                {
                    double error = CurvatureChecker.HessianError(network, inputs, targets, v, dropoutSeed);
                    if (!(error <= 1e-6))
                    {
                        failures.Add($"{network.Spec} (dropout seed {dropoutSeed}): relative error {error:E2}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void EveryActivationAndLossCombinationMatchesTheInterpreter()
    {
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                var generated = Create<double>(CrossProduct.Value, $"Cross.{hidden}_{output}_{loss}");
                AssertMatchesInterpreter(generated, tolerance: 1e-12, seed: 5);
            }
        }
    }

    /// <summary>
    /// A mutation test of the whole proof: the generated tanh derivative 1 − a² is replaced by 1 − a in the emitted source,
    /// and the gradient check must notice.
    /// </summary>
    [Fact]
    public void GradientCheckCatchesAWrongDerivativeInGeneratedCode()
    {
        const string declaration = "using NetGen;\n[Network(Precision = Precision.Double)][Input(3)][Dense(4, Activation.Tanh)][Dense(2, Activation.Identity)] internal partial class MutantNet;";
        var outcome = GeneratorHarness.Run(declaration);
        string generated = outcome.SourceOf("MutantNet.g.cs");
        const string correct = "(1d - ai * ai)";
        Assert.Contains(correct, generated, StringComparison.Ordinal);

        var original = Create<double>(GeneratorHarness.CompileAndLoad(outcome), "MutantNet");
        var mutatedCompilation = GeneratorHarness.Compilation(declaration).AddSyntaxTrees(
            Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(generated.Replace(correct, "(1d - ai)", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: "Mutant.g.cs"));
        var mutant = Create<double>(GeneratorHarness.CompileAndLoad(new GeneratorHarness.Outcome(outcome.Run, mutatedCompilation, [])), "MutantNet");

        foreach (var network in new[] { original, mutant })
        {
            TestData.RandomParameters(network, seed: 2);
        }

        var (inputs, targets) = TestData.Batch(original.Spec, batch: 3, seed: 4);
        Assert.Empty(GradientChecker.Check(original, inputs, targets));
        Assert.NotEmpty(GradientChecker.Check(mutant, inputs, targets));
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void RandomShapesMatchTheInterpreterInFloatAndDouble()
    {
        var random = new SeededRandom(2024);
        var source = new StringBuilder("using NetGen;\nnamespace Random;\n");
        var names = new List<(string Name, bool IsDouble)>();
        var activations = HiddenActivations;
        for (int n = 0; n < 24; n++)
        {
            bool isDouble = n % 2 == 1;
            int depth = 1 + random.NextInt32(4);
            var layers = new StringBuilder();
            for (int l = 0; l < depth - 1; l++)
            {
                layers.Append($"[Dense({1 + random.NextInt32(70)}, Activation.{activations[random.NextInt32(activations.Length)]})]");
                if (random.NextInt32(3) == 0)
                {
                    layers.Append("[Dropout(0.75)]");
                }
            }

            var (output, loss) = OutputsAndLosses[random.NextInt32(OutputsAndLosses.Length)];
            int outputs = output == Activation.Softmax ? 2 + random.NextInt32(12) : 1 + random.NextInt32(12);
            layers.Append($"[Dense({outputs}, Activation.{output})]");
            string name = $"Shape{n}";
            source.Append($"[Network(Loss = Loss.{loss}, Precision = Precision.{(isDouble ? "Double" : "Single")})][Input({1 + random.NextInt32(80)})]{layers}internal partial class {name};\n");
            names.Add(($"Random.{name}", isDouble));
        }

        var assembly = Compile(source.ToString());
        foreach (var (name, isDouble) in names)
        {
            if (isDouble)
            {
                AssertMatchesInterpreter(Create<double>(assembly, name), 1e-12, seed: 9);
            }
            else
            {
                AssertMatchesInterpreter(Create<float>(assembly, name), 1e-5, seed: 9);
            }
        }
    }

    /// <summary>
    /// Every trainable activation in every single-precision path (lanes, register-resident, looped with dropout and a
    /// batched softmax, wide enough for vector loops and their remainders) against the same network in double precision
    /// with the same parameters (the float forms of each activation and its derivatives agree with the double forms, which
    /// the finite-difference checks above prove), and both against the interpreted engine.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void EveryActivationInEveryFloatPathAgreesWithDoublePrecisionAndTheInterpreter()
    {
        var source = new StringBuilder("using NetGen;\nnamespace Paths;\n");
        var shapes = new[]
        {
            ("Lanes", "[Network(Loss = Loss.MeanSquaredError, Precision = Precision.{1})][Input(2)][Dense(4, Activation.{0})][Dense(3, Activation.{0})]"),
            ("Registers", "[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.{1})][Input(8)][Dense(16, Activation.{0})][Dense(8, Activation.{0})][Dense(5, Activation.Sigmoid)]"),
            ("Looped", "[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{1})][Input(13)][Dropout(0.9)][Dense(21, Activation.{0})][Dropout(0.8)][Dense(11, Activation.{0})][Dense(10, Activation.Softmax)]"),
        };
        foreach (var activation in HiddenActivations)
        {
            foreach (var (name, shape) in shapes)
            {
                foreach (string precision in new[] { "Single", "Double" })
                {
                    source.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, activation, precision)).Append($" internal partial class {name}{activation}{precision};\n");
                }
            }
        }

        var assembly = Compile(source.ToString());
        foreach (var activation in HiddenActivations)
        {
            foreach (var (name, _) in shapes)
            {
                var single = (ISecondOrderNetwork<float>)Create<float>(assembly, $"Paths.{name}{activation}Single");
                var @double = (ISecondOrderNetwork<double>)Create<double>(assembly, $"Paths.{name}{activation}Double");
                AssertFloatMatchesDouble(single, @double, $"{name} {activation}");
                AssertMatchesInterpreter(single, 1e-5, seed: 53);
                AssertMatchesInterpreter(@double, 1e-12, seed: 53);
            }
        }
    }

    private static void AssertFloatMatchesDouble(ISecondOrderNetwork<float> single, ISecondOrderNetwork<double> @double, string what)
    {
        const int batch = 11;
        TestData.RandomParameters(@double, seed: 31);
        for (int i = 0; i < @double.Parameters.Length; i++)
        {
            single.Parameters[i] = (float)@double.Parameters[i];
            @double.Parameters[i] = single.Parameters[i];
        }

        var (inputs, targets) = TestData.Batch(@double.Spec, batch, seed: 37);
        var x = TestData.Convert<float>(inputs);
        var y = TestData.Convert<float>(targets);
        inputs = Array.ConvertAll(x, v => (double)v);
        targets = Array.ConvertAll(y, v => (double)v);
        var outputF = new float[@double.Spec.OutputSize];
        var outputD = new double[@double.Spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            single.Forward(x.AsSpan(s * @double.Spec.InputSize, @double.Spec.InputSize), outputF);
            @double.Forward(inputs.AsSpan(s * @double.Spec.InputSize, @double.Spec.InputSize), outputD);
            Check(Array.ConvertAll(outputF, v => (double)v), outputD, "output");
        }

        var gradientF = new float[@double.Spec.ParameterCount];
        var gradientD = new double[@double.Spec.ParameterCount];
        float lossF = single.ComputeLossAndGradient(x, y, gradientF, single.CreateWorkspace(batch), new SeededRandom(41));
        double lossD = @double.ComputeLossAndGradient(inputs, targets, gradientD, @double.CreateWorkspace(batch), new SeededRandom(41));
        Check([lossF], [lossD], "loss");
        Check(Array.ConvertAll(gradientF, v => (double)v), gradientD, "gradient");
        var vector = CurvatureChecker.RandomVector(@double.Spec.ParameterCount, seed: 43);
        var vectorF = TestData.Convert<float>(vector);
        vector = Array.ConvertAll(vectorF, v => (double)v);
        var productF = new float[@double.Spec.ParameterCount];
        var productD = new double[@double.Spec.ParameterCount];
        foreach (var kind in new[] { CurvatureKind.Hessian, CurvatureKind.GaussNewton })
        {
            single.ComputeCurvatureProduct(x, y, vectorF, productF, single.CreateWorkspace(batch), kind, new SeededRandom(47));
            @double.ComputeCurvatureProduct(inputs, targets, vector, productD, @double.CreateWorkspace(batch), kind, new SeededRandom(47));
            Check(Array.ConvertAll(productF, v => (double)v), productD, kind + " product");
        }

        void Check(double[] a, double[] b, string quantity)
        {
            double difference = TestData.RelativeDifference<double>(a, b);
            Assert.True(difference <= 1e-4, $"{what}: float and double {quantity} differ by {difference:E3}");
        }
    }

    private static void AssertMatchesInterpreter<T>(ITrainableNetwork<T> generated, double tolerance, ulong seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var interpreted = new InterpretedNetwork<T>(generated.Spec);
        TestData.RandomParameters(generated, seed);
        generated.Parameters.CopyTo(interpreted.Parameters);
        const int batch = 6;
        var (inputs, targets) = TestData.Batch(generated.Spec, batch, seed);
        var x = TestData.Convert<T>(inputs);
        var y = TestData.Convert<T>(targets);
        var outputG = new T[generated.Spec.OutputSize];
        var outputI = new T[generated.Spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            var sample = x.AsSpan(s * generated.Spec.InputSize, generated.Spec.InputSize);
            generated.Forward(sample, outputG);
            interpreted.Forward(sample, outputI);
            Check(outputG, outputI, "output");
        }

        var gradientG = new T[generated.Spec.ParameterCount];
        var gradientI = new T[generated.Spec.ParameterCount];
        T lossG = generated.ComputeLossAndGradient(x, y, gradientG, generated.CreateWorkspace(batch), new SeededRandom(seed));
        T lossI = interpreted.ComputeLossAndGradient(x, y, gradientI, interpreted.CreateWorkspace(batch), new SeededRandom(seed));
        Check([lossG], [lossI], "loss");
        Check(gradientG, gradientI, "gradient");

        var random = new SeededRandom(seed * 3);
        var direction = new T[generated.Spec.ParameterCount];
        for (int i = 0; i < direction.Length; i++)
        {
            direction[i] = T.CreateChecked(random.NextGaussian());
        }

        var productG = new T[generated.Spec.ParameterCount];
        var productI = new T[generated.Spec.ParameterCount];
        foreach (var kind in new[] { CurvatureKind.Hessian, CurvatureKind.GaussNewton })
        {
            ((ISecondOrderNetwork<T>)generated).ComputeCurvatureProduct(x, y, direction, productG, generated.CreateWorkspace(batch), kind, new SeededRandom(seed));
            interpreted.ComputeCurvatureProduct(x, y, direction, productI, interpreted.CreateWorkspace(batch), kind, new SeededRandom(seed));
            Check(productG, productI, kind + " product", tolerance < 1e-6 ? tolerance : 1e-4);
        }

        void Check(ReadOnlySpan<T> a, ReadOnlySpan<T> b, string what, double? bound = null)
        {
            double limit = bound ?? tolerance;
            double difference = TestData.RelativeDifference(a, b);
            Assert.True(difference <= limit, $"{generated.Spec}: {what} differs by {difference:E3} (tolerance {limit:E0})");
        }
    }
}
