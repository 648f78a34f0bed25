using System;
using System.Linq;
using System.Numerics;
using NetGen.Testing;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>Generated and interpreted engines on the same parameters give the same outputs, losses and gradients.</summary>
public class EngineParityTests
{
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;

    public static TheoryData<string> DoubleNetworks => GradientCheckTests.GeneratedNetworks;

    public static TheoryData<string> FloatNetworks => new() { nameof(XorNet), nameof(DigitsNet), nameof(WideFloatNet), nameof(VeryWideFloatNet),
        nameof(RegisterTanhNet), nameof(RegisterTwoHiddenNet), nameof(RegisterWideInputNet), nameof(PackedPairNet), nameof(PackedQuadNet),
        nameof(PackedRemainderNet), nameof(RegisterSoftmaxRestNet), nameof(RegisterSoftmaxBlocksNet),
        nameof(RegisterSoftmaxOf3Net), nameof(RegisterSoftmaxOf9Net), nameof(RegisterSoftmaxOf4Net),
        nameof(RegisterSoftmaxOf13Net), nameof(RegisterSoftmaxOf6Net), nameof(RegisterSoftmaxOf15Net),
        nameof(LaneMseSoftmaxNet), nameof(LaneMseIdentityNet) };

    internal static ITrainableNetwork<float> CreateFloat(string name) => name switch
    {
        nameof(XorNet) => new XorNet(),
        nameof(DigitsNet) => new DigitsNet(),
        nameof(WideFloatNet) => new WideFloatNet(),
        nameof(VeryWideFloatNet) => new VeryWideFloatNet(),
        nameof(RegisterTanhNet) => new RegisterTanhNet(),
        nameof(RegisterTwoHiddenNet) => new RegisterTwoHiddenNet(),
        nameof(RegisterWideInputNet) => new RegisterWideInputNet(),
        nameof(PackedPairNet) => new PackedPairNet(),
        nameof(PackedQuadNet) => new PackedQuadNet(),
        nameof(PackedRemainderNet) => new PackedRemainderNet(),
        nameof(RegisterSoftmaxRestNet) => new RegisterSoftmaxRestNet(),
        nameof(RegisterSoftmaxBlocksNet) => new RegisterSoftmaxBlocksNet(),
        nameof(RegisterSoftmaxOf3Net) => new RegisterSoftmaxOf3Net(),
        nameof(RegisterSoftmaxOf9Net) => new RegisterSoftmaxOf9Net(),
        nameof(RegisterSoftmaxOf4Net) => new RegisterSoftmaxOf4Net(),
        nameof(RegisterSoftmaxOf13Net) => new RegisterSoftmaxOf13Net(),
        nameof(RegisterSoftmaxOf6Net) => new RegisterSoftmaxOf6Net(),
        nameof(RegisterSoftmaxOf15Net) => new RegisterSoftmaxOf15Net(),
        nameof(LaneMseSoftmaxNet) => new LaneMseSoftmaxNet(),
        nameof(LaneMseIdentityNet) => new LaneMseIdentityNet(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void DoubleEnginesAgree(string name)
    {
        var generated = GradientCheckTests.CreateDouble(name);
        AssertEnginesAgree(generated, DoubleTolerance);
    }

    [Theory]
    [MemberData(nameof(FloatNetworks))]
    public void FloatEnginesAgree(string name)
    {
        var generated = CreateFloat(name);
        AssertEnginesAgree(generated, FloatTolerance);
    }

    [Theory]
    [MemberData(nameof(FloatNetworks))]
    public void NaNInputComesOutNaN(string name)
    {
        // The vector kernels use the hardware min and max where IEEE semantics would cost instructions on the critical
        // path (the tanh/σ argument clamp, the softmax shift); a NaN must still reach every output, as in the interpreter,
        // so a diverging model cannot hide behind finite outputs.
        var generated = CreateFloat(name);
        TestData.RandomParameters(generated, 1, WeightInitialization.XavierUniform);
        var interpreted = new InterpretedNetwork<float>(generated.Spec);
        generated.Parameters.CopyTo(interpreted.Parameters);
        var input = new float[generated.Spec.InputSize];
        input[^1] = float.NaN;
        foreach (INetwork<float> network in new INetwork<float>[] { generated, interpreted })
        {
            var output = new float[generated.Spec.OutputSize];
            network.Forward(input, output);
            Assert.All(output, value => Assert.True(float.IsNaN(value), $"{network.GetType().Name}: {value} from a NaN input"));
        }
    }

    public static TheoryData<string> RegisterSoftmaxNetworks => new()
    {
        nameof(DigitsNet), nameof(RegisterSoftmaxRestNet), nameof(RegisterSoftmaxBlocksNet), nameof(RegisterSoftmaxOf3Net), nameof(RegisterSoftmaxOf9Net), nameof(RegisterSoftmaxOf4Net),
        nameof(RegisterSoftmaxOf13Net), nameof(RegisterSoftmaxOf6Net), nameof(RegisterSoftmaxOf15Net),
    };

    [Theory]
    [InlineData(nameof(DigitsNet), "RegisterRows2x4")]
    [InlineData(nameof(RegisterSoftmaxRestNet), "RegisterRows3x1")]
    [InlineData(nameof(RegisterSoftmaxOf3Net), "RegisterRows3x1")]
    [InlineData(nameof(RegisterSoftmaxOf9Net), "RegisterRows1x2")]
    [InlineData(nameof(RegisterSoftmaxOf4Net), "RegisterRows4x2")]
    [InlineData(nameof(RegisterSoftmaxOf13Net), "RegisterRows5x1")]
    [InlineData(nameof(RegisterSoftmaxOf6Net), "RegisterRows6x3")]
    [InlineData(nameof(RegisterSoftmaxOf15Net), "RegisterRows7x4")]
    public void RegisterSoftmaxNetworksTakeTheirRestAsOneVector(string name, string kernel)
    {
        // The agreement tests below only cover the register softmax's rest if these networks take that path: the
        // generator writes the rest kernel (rows × input vectors) only there.
        var method = CreateFloat(name).GetType().GetMethod(kernel, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        Assert.NotNull(method);
    }

    [Theory]
    [MemberData(nameof(RegisterSoftmaxNetworks))]
    public void RegisterSoftmaxAgreesOnEitherSideOfItsUnshiftedRange(string name)
    {
        // The register softmax skips the shift by the largest z while every z ≤ 64 and some z > −20; output biases push
        // the logits past each edge (all far above, all far below, one above among ordinary ones) and just inside it.
        var generated = CreateFloat(name);
        var spec = generated.Spec;
        var output = spec.GetLayout(spec.Layers.Count - 1);
        var interpreted = new InterpretedNetwork<float>(spec);
        var inputs = TestData.Convert<float>(TestData.Batch(spec, 3, seed: 7).Inputs);
        foreach (float[] biases in new float[][] { [200f], [-90f], [70f, 0f], [-60f, -19f], [-19.5f], [63f, 1f] })
        {
            TestData.RandomParameters(generated, 4, WeightInitialization.XavierUniform);
            for (int j = 0; j < output.OutputSize; j++)
            {
                // The first value on the first neuron (or every neuron when it is the only one), the last on the others.
                generated.Parameters[output.BiasesOffset + j] = j == 0 ? biases[0] : biases[^1];
            }

            generated.Parameters.CopyTo(interpreted.Parameters);
            var fromGenerated = new float[spec.OutputSize];
            var fromInterpreted = new float[spec.OutputSize];
            for (int s = 0; s < 3; s++)
            {
                var sample = inputs.AsSpan(s * spec.InputSize, spec.InputSize);
                generated.Forward(sample, fromGenerated);
                interpreted.Forward(sample, fromInterpreted);
                string what = $"softmax with output biases [{string.Join(", ", biases)}], sample {s}";
                Assert.All(fromGenerated, p => Assert.True(float.IsFinite(p) && p >= 0f, $"{what}: {p}"));
                Assert.Equal(1.0, fromGenerated.Sum(p => (double)p), 5);
                AssertClose<float>(fromGenerated, fromInterpreted, FloatTolerance, what);
            }
        }
    }

    private static void AssertEnginesAgree<T>(ITrainableNetwork<T> generated, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var interpreted = new InterpretedNetwork<T>(generated.Spec);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            TestData.RandomParameters(generated, seed, seed == 2 ? WeightInitialization.HeNormal : WeightInitialization.XavierUniform);
            generated.Parameters.CopyTo(interpreted.Parameters);

            // 4, 8, 9: every remainder of the three-sample, pair and single-sample passes of the batched kernels.
            int batch = seed switch { 1 => 4, 2 => 8, _ => 9 };
            var (inputs, targets) = TestData.Batch(generated.Spec, batch, seed);
            var x = TestData.Convert<T>(inputs);
            var y = TestData.Convert<T>(targets);

            var generatedOutput = new T[generated.Spec.OutputSize];
            var interpretedOutput = new T[generated.Spec.OutputSize];
            for (int s = 0; s < batch; s++)
            {
                var sample = x.AsSpan(s * generated.Spec.InputSize, generated.Spec.InputSize);
                generated.Forward(sample, generatedOutput);
                interpreted.Forward(sample, interpretedOutput);
                AssertClose<T>(generatedOutput, interpretedOutput, tolerance, $"output of sample {s}, seed {seed}");
            }

            var generatedWorkspace = generated.CreateWorkspace(batch);
            var interpretedWorkspace = interpreted.CreateWorkspace(batch);
            var generatedGradient = new T[generated.Spec.ParameterCount];
            var interpretedGradient = new T[generated.Spec.ParameterCount];
            foreach (bool training in new[] { false, true })
            {
                // The gradient is written, not added to: whatever the span held before must not leak into it.
                generatedGradient.AsSpan().Fill(T.NaN);
                interpretedGradient.AsSpan().Fill(T.NaN);
                T generatedLoss = generated.ComputeLossAndGradient(x, y, generatedGradient, generatedWorkspace, training ? new SeededRandom(seed) : null);
                T interpretedLoss = interpreted.ComputeLossAndGradient(x, y, interpretedGradient, interpretedWorkspace, training ? new SeededRandom(seed) : null);
                AssertClose<T>([generatedLoss], [interpretedLoss], tolerance, $"loss, seed {seed}, training {training}");
                AssertClose<T>(generatedGradient, interpretedGradient, tolerance, $"gradient, seed {seed}, training {training}");
            }

            var random = new SeededRandom(seed + 50);
            var direction = new T[generated.Spec.ParameterCount];
            for (int i = 0; i < direction.Length; i++)
            {
                direction[i] = T.CreateChecked(random.NextGaussian());
            }

            var generatedProduct = new T[generated.Spec.ParameterCount];
            var interpretedProduct = new T[generated.Spec.ParameterCount];
            foreach (var kind in new[] { CurvatureKind.Hessian, CurvatureKind.GaussNewton })
            {
                foreach (bool training in new[] { false, true })
                {
                    T generatedLoss = ((ISecondOrderNetwork<T>)generated).ComputeCurvatureProduct(x, y, direction, generatedProduct, generatedWorkspace, kind, training ? new SeededRandom(seed) : null);
                    T interpretedLoss = interpreted.ComputeCurvatureProduct(x, y, direction, interpretedProduct, interpretedWorkspace, kind, training ? new SeededRandom(seed) : null);
                    AssertClose<T>([generatedLoss], [interpretedLoss], tolerance, $"curvature loss, {kind}, seed {seed}, training {training}");
                    // Curvature products sum more terms of both signs than gradients; the float bound allows for that.
                    AssertClose<T>(generatedProduct, interpretedProduct, tolerance == FloatTolerance ? 1e-4 : tolerance, $"{kind} product, seed {seed}, training {training}");
                }
            }

            T evaluated = generated.ComputeLoss(x, y, generatedWorkspace);
            T evaluatedInterpreted = interpreted.ComputeLoss(x, y, interpretedWorkspace);
            AssertClose<T>([evaluated], [evaluatedInterpreted], tolerance, $"evaluation loss, seed {seed}");
        }
    }

    private static void AssertClose<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double difference = TestData.RelativeDifference(a, b);
        Assert.True(difference <= tolerance, $"{what}: relative difference {difference:E3} exceeds {tolerance:E0}");
    }
}
