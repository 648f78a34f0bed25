using System;
using System.Linq;
using System.Threading.Tasks;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>One network instance serves many threads at once: Forward writes nothing shared.</summary>
public class ThreadSafetyTests
{
    [Fact]
    public void EightThreadsGetBitwiseTheSingleThreadedOutputs()
    {
        var network = new DigitsNet();
        network.InitializeParameters(seed: 4, WeightInitialization.HeNormal);
        const int samples = 64;
        var random = new SeededRandom(9);
        var inputs = Enumerable.Range(0, samples * DigitsNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = new float[samples * DigitsNet.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            network.Forward(inputs.AsSpan(s * DigitsNet.InputSize, DigitsNet.InputSize), expected.AsSpan(s * DigitsNet.OutputSize, DigitsNet.OutputSize));
        }

        var mismatches = new int[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var output = new float[DigitsNet.OutputSize];
            for (int call = 0; call < 10_000; call++)
            {
                int s = (call * 7 + thread) % samples;
                network.Forward(inputs.AsSpan(s * DigitsNet.InputSize, DigitsNet.InputSize), output);
                if (!output.AsSpan().SequenceEqual(expected.AsSpan(s * DigitsNet.OutputSize, DigitsNet.OutputSize)))
                {
                    mismatches[thread]++;
                }
            }
        });

        Assert.All(mismatches, m => Assert.Equal(0, m));
    }

    [Fact]
    public void EightThreadsShareABakedNetworkBitwise()
    {
        // Weights baked in at build time: the instance is shared as is, without initialising or loading anything.
        var network = new BakedDigitsNet();
        const int samples = 32;
        var random = new SeededRandom(11);
        var inputs = Enumerable.Range(0, samples * BakedDigitsNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = new float[samples * BakedDigitsNet.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            network.Forward(inputs.AsSpan(s * BakedDigitsNet.InputSize, BakedDigitsNet.InputSize), expected.AsSpan(s * BakedDigitsNet.OutputSize, BakedDigitsNet.OutputSize));
        }

        var mismatches = new int[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var output = new float[BakedDigitsNet.OutputSize];
            for (int call = 0; call < 5_000; call++)
            {
                int s = (call * 5 + thread) % samples;
                network.Forward(inputs.AsSpan(s * BakedDigitsNet.InputSize, BakedDigitsNet.InputSize), output);
                mismatches[thread] += output.AsSpan().SequenceEqual(expected.AsSpan(s * BakedDigitsNet.OutputSize, BakedDigitsNet.OutputSize)) ? 0 : 1;
            }
        });

        Assert.All(mismatches, m => Assert.Equal(0, m));
    }
}
