using System;
using System.IO;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// A network whose weights were baked in by a real build (the project lists samples/DigitsAot/digits.safetensors as
/// an AdditionalFiles item and imports build/NetGen.targets, as the package does).
/// </summary>
public class BakedWeightsTests
{
    private static string WeightsPath => Path.Combine(AppContext.BaseDirectory, "Baked", "digits.safetensors");

    [Fact]
    public void TheBakedNetworkIsBitwiseTheNetworkWeightsFileLoads()
    {
        var baked = new BakedDigitsNet();
        var twin = new DigitsTwinNet();
        WeightsFile.Load(twin, WeightsPath);
        var digits = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });

        Assert.Equal(MemoryMarshal.AsBytes(twin.Parameters).ToArray(), MemoryMarshal.AsBytes(baked.Parameters).ToArray());
        Assert.Equal(MemoryMarshal.AsBytes(twin.Parameters).ToArray(), MemoryMarshal.AsBytes(BakedDigitsNet.BakedParameters).ToArray());
        var input = new float[64];
        var expected = new float[10];
        var actual = new float[10];
        int correct = 0;
        for (int s = 0; s < digits.Count; s++)
        {
            for (int i = 0; i < 64; i++)
            {
                input[i] = digits.GetFeatures(s)[i] / 16f;
            }

            twin.Forward(input, expected);
            baked.Forward(input, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"sample {s}");
            correct += OneHot.ArgMax<float>(actual) == digits.Labels[s] ? 1 : 0;
        }

        // The committed weights are a trained classifier, not noise (about 99 % here, training samples included).
        Assert.InRange(correct, 0.97 * digits.Count, digits.Count);
    }

    [Fact]
    public void ReadingTheBakedParametersAllocatesNothing()
    {
        // The type's static initialisation (its Spec) is a one-time cost, not part of reading the weights.
        _ = BakedDigitsNet.BakedParameters.Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var parameters = BakedDigitsNet.BakedParameters;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        float sum = 0;
        foreach (float p in parameters)
        {
            sum += p;
        }

        // With the JIT optimiser off (a Debug build of this assembly, where the generated code lives) the runtime does
        // not expand RuntimeHelpers.CreateSpan as an intrinsic and its fallback allocates a little; the claim is about
        // optimised code, which is what CI and users' Release builds run.
        if (typeof(BakedWeightsTests).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false) is [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }])
        {
            return;
        }

        Assert.Equal(0, allocated);
        Assert.Equal(BakedDigitsNet.ParameterCount, parameters.Length);
        Assert.True(float.IsFinite(sum));
    }
}
