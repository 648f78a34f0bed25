using NetGen;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>XOR's 2-4-1 sigmoid network with the quadratic cost, declared for the generator (the interpreted twin is
/// <c>TestData.XorSpec()</c>).</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(2)]
[Dense(4, Activation.Sigmoid)]
[Dense(1, Activation.Sigmoid)]
public partial class XorSigmoidMseNet;

/// <summary><see cref="TrainerLearningTests"/>' XOR test, with the generated network trained by the same trainer.</summary>
public sealed class GeneratedXorLearningTests
{
    [Fact]
    public void TheDeclarationIsTheInterpretedXorNetwork()
    {
        Assert.Equal(TestData.XorSpec(), XorSigmoidMseNet.Spec);
    }

    [Fact]
    public void GeneratedXor241SigmoidReachesMseBelow1e3ForAtLeast9Of10Seeds()
    {
        Dataset<double> data = TestData.Xor();
        int solved = 0;
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var network = new XorSigmoidMseNet();
            var result = new Trainer<double>(network, TrainerLearningTests.XorOptions(seed)).Fit(data);
            if (TestData.MeanSquaredError(network, data) < 1e-3)
            {
                solved++;
                Assert.Equal(1.0, result.FinalMetrics.TrainingAccuracy);
            }
        }

        Assert.True(solved >= 9, $"XOR was solved for {solved} of 10 seeds.");
    }
}
