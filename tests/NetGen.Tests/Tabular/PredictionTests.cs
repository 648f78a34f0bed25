using System;
using System.Linq;
using NetGen.Tests.Networks;
using NetGen.Testing;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>Issue 16, items 4 and 5: the spec from an instance, and predictions on generated and interpreted networks.</summary>
public sealed class PredictionTests
{
    private static float[] Batch(int samples, int width, ulong seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, samples * width).Select(_ => (float)random.NextGaussian()).ToArray();
    }

    private static (DigitsNet Generated, InterpretedNetwork<float> Interpreted) DigitsPair()
    {
        var generated = new DigitsNet();
        generated.InitializeParameters(7, WeightInitialization.ByActivation);
        var interpreted = new InterpretedNetwork<float>(DigitsNet.Spec);
        generated.Parameters.CopyTo(interpreted.Parameters);
        return (generated, interpreted);
    }

    [Fact]
    public void TheSpecIsReachableFromAnInstanceOfTheGeneratedClassAndFromTheInterfaceWithoutCasts()
    {
        var net = new DigitsNet();
        Assert.Same(DigitsNet.Spec, net.NetworkSpec);
        INetwork<float> asInterface = net;
        Assert.Same(DigitsNet.Spec, asInterface.NetworkSpec);
        Assert.Same(DigitsNet.Spec, asInterface.Spec);
        var interpreted = new InterpretedNetwork<float>(DigitsNet.Spec);
        Assert.Same(interpreted.Spec, interpreted.NetworkSpec);
    }

    [Fact]
    public void SoftmaxClassesAndProbabilitiesAgreeWithForwardOnBothEngines()
    {
        var (generated, interpreted) = DigitsPair();
        float[] inputs = Batch(12, 64, 1);
        foreach (INetwork<float> network in new INetwork<float>[] { generated, interpreted })
        {
            Assert.Equal(10, network.GetClassCount());
            int[] classes = network.PredictClasses(inputs);
            float[] probabilities = network.PredictProbabilities(inputs);
            float[] values = network.PredictValues(inputs);
            Assert.Equal(12, classes.Length);
            Assert.Equal(120, probabilities.Length);
            var output = new float[10];
            for (int i = 0; i < 12; i++)
            {
                ReadOnlySpan<float> sample = inputs.AsSpan(i * 64, 64);
                network.Forward(sample, output);
                Assert.Equal(output, probabilities.AsSpan(i * 10, 10).ToArray());
                Assert.Equal(output, values.AsSpan(i * 10, 10).ToArray());
                Assert.Equal(Array.IndexOf(output, output.Max()), classes[i]);
                Assert.Equal(classes[i], network.PredictClass(sample));
                Assert.Equal(1.0, output.Sum(), 5);
            }
        }

        Assert.Equal(generated.PredictClasses(inputs), interpreted.PredictClasses(inputs));
    }

    [Fact]
    public void OneSigmoidOutputIsPOfClass1OnBothEngines()
    {
        var generated = new XorNet();
        generated.InitializeParameters(3, WeightInitialization.XavierUniform);
        var interpreted = new InterpretedNetwork<float>(XorNet.Spec);
        generated.Parameters.CopyTo(interpreted.Parameters);
        float[] inputs = Batch(40, 2, 2);
        foreach (INetwork<float> network in new INetwork<float>[] { generated, interpreted })
        {
            Assert.Equal(2, network.GetClassCount());
            float[] probabilities = network.PredictProbabilities(inputs);
            int[] classes = network.PredictClasses(inputs);
            var output = new float[1];
            for (int i = 0; i < 40; i++)
            {
                network.Forward(inputs.AsSpan(i * 2, 2), output);
                Assert.Equal(1f - output[0], probabilities[2 * i]);
                Assert.Equal(output[0], probabilities[2 * i + 1]);
                Assert.Equal(output[0] >= 0.5f ? 1 : 0, classes[i]);
            }

            Assert.Contains(0, classes);
            Assert.Contains(1, classes);
        }
    }

    [Fact]
    public void AStepOutputIsABinaryClassifierToo()
    {
        var network = new PerceptronNet();
        network.InitializeParameters(1, WeightInitialization.XavierUniform);
        float[] inputs = Batch(30, 3, 4);
        var output = new float[1];
        int[] classes = network.PredictClasses(inputs);
        for (int i = 0; i < 30; i++)
        {
            network.Forward(inputs.AsSpan(i * 3, 3), output);
            Assert.Equal((int)output[0], classes[i]);
        }
    }

    [Fact]
    public void IdentityOutputsGiveClassesButNotProbabilitiesAndASingleIdentityOutputIsNoClassifier()
    {
        var twoOutputs = new InterpretedNetwork<double>(new NetworkSpec(3, [new DenseLayerSpec(4, Activation.Tanh), new DenseLayerSpec(2, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        twoOutputs.InitializeParameters(1);
        double[] input = [0.5, -1, 2];
        var output = new double[2];
        twoOutputs.Forward(input, output);
        Assert.Equal(output[1] > output[0] ? 1 : 0, twoOutputs.PredictClass(input));
        var error = Assert.Throws<InvalidOperationException>(() => twoOutputs.PredictProbabilities(input));
        Assert.Contains("Softmax", error.Message, StringComparison.Ordinal);

        var regression = new InterpretedNetwork<double>(new NetworkSpec(3, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        regression.InitializeParameters(1);
        Assert.Throws<InvalidOperationException>(() => regression.PredictClass(input));
        Assert.Throws<InvalidOperationException>(() => regression.PredictClasses(input));
        Assert.Throws<InvalidOperationException>(() => regression.GetClassCount());
        var value = new double[1];
        regression.Forward(input, value);
        Assert.Equal(value, regression.PredictValues(input));
    }

    [Fact]
    public void OutputsWiderThanTheStackScratchTakeThePooledPath()
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(5, [new DenseLayerSpec(300, Activation.Softmax)], Loss.SoftmaxCrossEntropy, Precision.Single));
        network.InitializeParameters(2);
        float[] inputs = Batch(3, 5, 9);
        var output = new float[300];
        int[] classes = network.PredictClasses(inputs);
        for (int i = 0; i < 3; i++)
        {
            network.Forward(inputs.AsSpan(i * 5, 5), output);
            Assert.Equal(Array.IndexOf(output, output.Max()), classes[i]);
            Assert.Equal(classes[i], network.PredictClass(inputs.AsSpan(i * 5, 5)));
        }
    }

    [Fact]
    public void WrongLengthsNameTheSpan()
    {
        var (generated, _) = DigitsPair();
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => generated.PredictClass(new float[63])).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => generated.PredictClasses(new float[130])).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentException>(() => generated.PredictClasses(new float[128], new int[3])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => generated.PredictProbabilities(new float[128], new float[10])).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => generated.PredictValues(new float[64], new float[11])).ParamName);
        Assert.Empty(generated.PredictClasses(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void TheSpanOverloadsAllocateNothing()
    {
        var (generated, interpreted) = DigitsPair();
        var xor = new XorNet();
        float[] inputs = Batch(16, 64, 3);
        float[] xorInputs = Batch(16, 2, 3);
        var classes = new int[16];
        var probabilities = new float[160];
        var binary = new float[32];
        Run();
        Assert.Equal(0, Allocations.Least(Run));

        void Run()
        {
            generated.PredictClasses(inputs, classes);
            interpreted.PredictClasses(inputs, classes);
            generated.PredictProbabilities(inputs, probabilities);
            interpreted.PredictValues(inputs, probabilities);
            _ = generated.PredictClass(inputs.AsSpan(0, 64));
            xor.PredictProbabilities(xorInputs, binary);
        }
    }
}
